// The secrets family of the event log: a name -> bytes store that appends
// can write or erase atomically with their events, and that a purge removes
// from every file.

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "storage/event_log.h"
#include "tests/storage/storage_test_util.h"
#include "tests/testing/status_matchers.h"

namespace ledger::storage {
namespace {

using ::ledger::testing::IsOk;
using test_util::EventLogFixture;
using test_util::OneEvent;
using ::testing::ElementsAre;

class EventLogSecretsTest : public EventLogFixture {
 protected:
  bool Has(const std::string& name) {
    std::string value;
    absl::Status s = log().GetSecret(name, &value);
    EXPECT_TRUE(s.ok() || absl::IsNotFound(s)) << s;
    return s.ok();
  }
};

TEST_F(EventLogSecretsTest, PutGetListAndSurviveReopen) {
  ASSERT_THAT(log().PutSecret("k/a", "one", /*sync=*/false), IsOk());
  ASSERT_THAT(log().PutSecret("k/b", "two", /*sync=*/true), IsOk());
  ASSERT_THAT(log().PutSecret("other", "three", /*sync=*/false), IsOk());
  std::string value;
  ASSERT_THAT(log().GetSecret("k/a", &value), IsOk());
  EXPECT_EQ(value, "one");
  EXPECT_TRUE(absl::IsNotFound(log().GetSecret("k/c", &value)));
  std::vector<std::string> names;
  ASSERT_THAT(
      log().ForEachSecret("k/",
                          [&](absl::string_view name, absl::string_view) {
                            names.emplace_back(name);
                            return absl::OkStatus();
                          }),
      IsOk());
  EXPECT_THAT(names, ElementsAre("k/a", "k/b"));
  ReopenLog();
  ASSERT_THAT(log().GetSecret("k/a", &value), IsOk());
  EXPECT_EQ(value, "one");
}

TEST_F(EventLogSecretsTest, AnAppendErasesSecretsOnlyWhenItCommits) {
  ASSERT_THAT(log().PutSecret("key/s", "secret-bytes", false), IsOk());
  ASSERT_THAT(log().PutSecret("key/t", "other-bytes", false), IsOk());
  AppendRequest first = OneEvent("s");
  MustAppend(std::move(first));

  // Refused (wrong expected version): the secret stays.
  AppendRequest refused = OneEvent("s", ExpectedVersion::Exact(7));
  refused.erase_secrets = {"key/s"};
  EXPECT_FALSE(log().Append(refused).ok());
  EXPECT_TRUE(Has("key/s"));
  // A dry run writes nothing.
  AppendRequest dry = OneEvent("s");
  dry.erase_secrets = {"key/s"};
  dry.dry_run = true;
  ASSERT_THAT(log().Append(dry), IsOk());
  EXPECT_TRUE(Has("key/s"));

  AppendRequest erase = OneEvent("s");
  erase.request_id = "erase-s";
  erase.erase_secrets = {"key/s"};
  ASSERT_THAT(log().Append(erase), IsOk());
  EXPECT_FALSE(Has("key/s"));
  EXPECT_TRUE(Has("key/t"));
  // The erased names are part of the request: a retry is a duplicate, the
  // same request id with other names is another request.
  absl::StatusOr<AppendResult> retry = log().Append(erase);
  ASSERT_THAT(retry, IsOk());
  EXPECT_TRUE(retry->duplicate);
  erase.erase_secrets = {"key/t"};
  EXPECT_TRUE(absl::IsAlreadyExists(log().Append(erase).status()));
  EXPECT_TRUE(Has("key/t"));
}

TEST_F(EventLogSecretsTest, AnAppendWritesSecretsOnlyWhenItCommits) {
  MustAppend(OneEvent("s"));
  // Refused (wrong expected version) and dry runs store nothing.
  AppendRequest refused = OneEvent("s", ExpectedVersion::Exact(7));
  refused.put_secrets = {{"key/s", "v1"}};
  EXPECT_FALSE(log().Append(refused).ok());
  EXPECT_FALSE(Has("key/s"));
  AppendRequest dry = OneEvent("s");
  dry.put_secrets = {{"key/s", "v1"}};
  dry.dry_run = true;
  ASSERT_THAT(log().Append(dry), IsOk());
  EXPECT_FALSE(Has("key/s"));

  AppendRequest put = OneEvent("s");
  put.request_id = "put-s";
  put.put_secrets = {{"key/s", "v1"}, {"key/t", "v2"}};
  ASSERT_THAT(log().Append(put), IsOk());
  std::string value;
  ASSERT_THAT(log().GetSecret("key/s", &value), IsOk());
  EXPECT_EQ(value, "v1");
  ASSERT_THAT(log().GetSecret("key/t", &value), IsOk());
  EXPECT_EQ(value, "v2");
  // Written secrets are not part of the request: a retry without them, or
  // with other values, is a duplicate and writes nothing.
  put.put_secrets = {{"key/s", "changed"}};
  absl::StatusOr<AppendResult> retry = log().Append(put);
  ASSERT_THAT(retry, IsOk());
  EXPECT_TRUE(retry->duplicate);
  ASSERT_THAT(log().GetSecret("key/s", &value), IsOk());
  EXPECT_EQ(value, "v1");
  ReopenLog();
  ASSERT_THAT(log().GetSecret("key/t", &value), IsOk());
  EXPECT_EQ(value, "v2");
}

TEST_F(EventLogSecretsTest, PurgeRemovesDeletedSecretsFromEveryFile) {
  const std::string secret = "0123456789abcdef-destroy-me-0123456789abcdef";
  ASSERT_THAT(log().PutSecret("key/s", secret, false), IsOk());
  MustAppend(OneEvent("s"));
  auto files_holding = [&] {
    std::vector<std::string> files;
    for (const auto& entry :
         std::filesystem::recursive_directory_iterator(options_.path)) {
      const std::string ext = entry.path().extension().string();
      if (!entry.is_regular_file() || (ext != ".sst" && ext != ".log")) {
        continue;
      }
      std::ifstream in(entry.path(), std::ios::binary);
      std::stringstream bytes;
      bytes << in.rdbuf();
      if (bytes.str().find(secret) != std::string::npos) {
        files.push_back(entry.path().filename().string());
      }
    }
    return files;
  };
  ASSERT_THAT(files_holding(), ::testing::Not(ElementsAre()));
  AppendRequest erase = OneEvent("s");
  erase.erase_secrets = {"key/s"};
  ASSERT_THAT(log().Append(erase), IsOk());
  ASSERT_THAT(log().PurgeDeletedSecrets(), IsOk());
  EXPECT_THAT(files_holding(), ElementsAre());
  ReopenLog();
  EXPECT_FALSE(Has("key/s"));
}

}  // namespace
}  // namespace ledger::storage
