// Whole-process tests of `ledgerctl forget`, `consent`, `search --purpose`,
// `admin rotate-master-key` and of what `export` shows after a forget,
// through the real binaries.

#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "ledger/v1/customer.pb.h"
#include "ledger/v1/ledger.pb.h"
#include "tests/e2e/ledgerctl_fixture.h"
#include "tests/e2e/ledgerd_process.h"

namespace ledger::testing {
namespace {

namespace v1 = ::ledger::v1;
using ::testing::HasSubstr;
using ::testing::Not;

class LedgerctlPrivacyTest : public LedgerctlFixture {
 protected:
  LedgerctlPrivacyTest() : LedgerctlFixture("dpo-zhao") {}

  void Register(const std::string& id, const std::string& name,
                const std::string& phone) {
    const SubprocessResult r =
        Ctl({"append", "--customer", id, "--event",
             absl::StrCat(
                 R"({"customerRegistered": {"kind": )"
                 R"("CUSTOMER_KIND_ORGANIZATION", "profile": {"name": ")",
                 name, R"(", "phones": [")", phone,
                 R"("], "industry": "制造业", "address": {"city": "杭州"}},)"
                 R"( "ownerId": "sales-li"}})")});
    ASSERT_EQ(r.exit_code, 0) << r;
  }
};

TEST_F(LedgerctlPrivacyTest, ForgetShowsErasedInExportAndChainStillVerifies) {
  Register("P-1", "张三丰贸易有限公司", "13800138000");
  Register("P-2", "李四贸易有限公司", "13900139000");

  SubprocessResult r =
      Ctl({"export", "--format", "jsonl", "--include-archived"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, HasSubstr("张三丰贸易有限公司"));

  r = Ctl({"forget", "P-1", "--reason", "erasure request"});
  EXPECT_EQ(r.exit_code, 2) << r;  // usage: --yes missing
  EXPECT_THAT(r.err, HasSubstr("--yes"));
  r = Ctl({"forget", "P-1", "--yes"});
  EXPECT_EQ(r.exit_code, 2) << r;  // usage: --reason missing
  r = Ctl({"forget", "P-1", "--reason", "erasure request", "--yes"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, HasSubstr("forgot P-1"));

  for (const char* format : {"csv", "jsonl"}) {
    r = Ctl({"export", "--format", format, "--include-archived"});
    ASSERT_EQ(r.exit_code, 0) << r;
    EXPECT_THAT(r.out, Not(HasSubstr("张三丰"))) << format;
    EXPECT_THAT(r.out, Not(HasSubstr("13800138000"))) << format;
    EXPECT_THAT(r.out, HasSubstr("erased")) << format;
    EXPECT_THAT(r.out, HasSubstr("李四贸易有限公司")) << format;
  }
  r = Ctl({"read-stream", "P-1"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, Not(HasSubstr("张三丰")));
  EXPECT_THAT(r.out, HasSubstr("CustomerForgotten"));
  EXPECT_THAT(r.out, HasSubstr("dpo-zhao"));
  r = Ctl({"verify-chain"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, HasSubstr("chain OK"));
  r = Ctl({"append", "--customer", "P-1", "--event",
           R"({"contactLogged": {"channel": "CONTACT_CHANNEL_PHONE",)"
           R"( "content": "hello"}})"});
  EXPECT_NE(r.exit_code, 0) << r;
  EXPECT_THAT(r.err, HasSubstr("FAILED_PRECONDITION"));
}

TEST_F(LedgerctlPrivacyTest, ConsentSearchAndRotation) {
  Register("Q-1", "同意公司", "13800138001");
  Register("Q-2", "撤回公司", "13800138002");
  Register("Q-3", "从未公司", "13800138003");
  SubprocessResult r =
      Ctl({"consent", "Q-1", "--purpose", "marketing", "--grant", "--channel",
           "web-form", "--evidence", "form-17"});
  ASSERT_EQ(r.exit_code, 0) << r;
  r = Ctl({"consent", "Q-2", "--purpose", "marketing", "--grant"});
  ASSERT_EQ(r.exit_code, 0) << r;
  r = Ctl({"consent", "Q-2", "--purpose", "marketing", "--withdraw"});
  ASSERT_EQ(r.exit_code, 0) << r;
  r = Ctl({"consent", "Q-3", "--purpose", "marketing"});
  EXPECT_EQ(r.exit_code, 2) << r;  // neither --grant nor --withdraw

  r = Ctl({"--json", "search", "--purpose", "marketing"});
  ASSERT_EQ(r.exit_code, 0) << r;
  v1::SearchCustomersResponse found;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(
                  std::string(absl::StripAsciiWhitespace(r.out)), &found)
                  .ok())
      << r.out;
  ASSERT_EQ(found.customers_size(), 1);
  EXPECT_EQ(found.customers(0).customer_id(), "Q-1");
  EXPECT_EQ(found.total_count(), 1u);

  // Rotate to a second master key, drop the first, restart: all opens.
  const std::string key_file = dir_.Sub("data") + "/master.key";
  const std::string second =
      absl::StrCat("master-2 ", std::string(64, 'c'), "\n");
  {
    std::ofstream out(key_file, std::ios::app);
    out << second;
  }
  r = Ctl({"admin", "rotate-master-key"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, HasSubstr("master key master-2: 3 customer keys "
                               "re-wrapped"));
  server_->Signal(SIGTERM);
  ASSERT_TRUE(server_->Wait(absl::Seconds(20)).has_value());
  {
    std::ofstream out(key_file, std::ios::trunc);
    out << second;
  }
  ASSERT_TRUE(server_->Start().ok());
  r = Ctl({"profile", "Q-1"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, HasSubstr("同意公司"));

  // A key file others can read: the server refuses to start.
  server_->Signal(SIGTERM);
  ASSERT_TRUE(server_->Wait(absl::Seconds(20)).has_value());
  ASSERT_EQ(::chmod(key_file.c_str(), 0644), 0);
  ASSERT_TRUE(server_->Launch().ok());
  const std::optional<int> status = server_->Wait(absl::Seconds(20));
  ASSERT_TRUE(status.has_value());
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 1);
  EXPECT_TRUE(server_->LogContains("mode is 0644")) << server_->LogTail();
}

}  // namespace
}  // namespace ledger::testing
