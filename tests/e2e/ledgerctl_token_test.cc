// Tokens end to end: ledgerctl token create writes the tokens file, the
// real customer-ledgerd (--tokens-file) accepts the token it printed and
// records its principal as the actor, and a revocation takes effect
// without a restart.

#include <sys/stat.h>

#include <fstream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "ledger/v1/ledger.pb.h"
#include "tests/e2e/ledgerctl_fixture.h"
#include "tests/e2e/ledgerd_process.h"

namespace ledger::testing {
namespace {

namespace v1 = ::ledger::v1;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr absl::Duration kCommandTimeout = absl::Seconds(15);

// LEDGER_ACTOR is set: an authenticated ledgerctl must not send it.
class LedgerctlTokenTest : public LedgerctlFixture {
 protected:
  LedgerctlTokenTest() : LedgerctlFixture("someone-typed", kCommandTimeout) {}

  // No server until the test has made the tokens file.
  void SetUp() override {}

  // ledgerctl `args` against the server (if running), with `token` in
  // LEDGER_TOKEN when given.
  using LedgerctlFixture::Ctl;
  SubprocessResult Ctl(std::vector<std::string> args,
                       const std::string& token) {
    std::vector<std::string> extra_env;
    if (!token.empty()) {
      extra_env.push_back(absl::StrCat("LEDGER_TOKEN=", token));
    }
    return StartCtl(std::move(args), "", std::move(extra_env))
        ->Finish(kCommandTimeout);
  }

  // Creates a token with ledgerctl; returns "<id>.<secret>".
  std::string CreateToken(const std::string& principal,
                          const std::string& role) {
    const SubprocessResult r =
        Ctl({"token", "create", "--tokens-file", tokens_path(), "--principal",
             principal, "--role", role, "--json"});
    EXPECT_EQ(r.exit_code, 0) << r;
    google::protobuf::Struct json;
    EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(r.out, &json).ok())
        << r;
    return json.fields().at("token").string_value();
  }

  std::string tokens_path() const { return dir_.Sub("tokens"); }
};

TEST_F(LedgerctlTokenTest, TokenCreatedByLedgerctlIsAcceptedByTheServer) {
  const std::string token = CreateToken("e2e-admin", "admin");
  ASSERT_THAT(token, HasSubstr("."));
  const std::string id = token.substr(0, token.find('.'));
  EXPECT_TRUE(absl::StartsWith(id, "lt_")) << token;
  EXPECT_EQ(token.size() - id.size() - 1, 43u) << token;

  // The file holds the entry, mode 0600, and never the secret.
  struct stat st;
  ASSERT_EQ(stat(tokens_path().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  std::stringstream file;
  file << std::ifstream(tokens_path()).rdbuf();
  EXPECT_THAT(file.str(), HasSubstr(absl::StrCat("token_id=", id)));
  EXPECT_THAT(file.str(), Not(HasSubstr(token.substr(id.size() + 1))));

  ASSERT_NO_FATAL_FAILURE(StartServer({"--tokens-file", tokens_path()}));
  EXPECT_TRUE(server_->LogContains("authentication on"));

  SubprocessResult r = Ctl({"info"});
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_THAT(r.err, HasSubstr("UNAUTHENTICATED")) << r;

  r = Ctl({"append", "--customer", "C-1", "--event",
           R"({"customerRegistered": {"kind": "CUSTOMER_KIND_ORGANIZATION",
               "profile": {"name": "Token Ltd"}}})"},
          token);
  ASSERT_EQ(r.exit_code, 0) << r;
  r = Ctl({"--json", "read-stream", "C-1"}, token);
  ASSERT_EQ(r.exit_code, 0) << r;
  v1::Event event;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(
                  r.out.substr(0, r.out.find('\n')), &event)
                  .ok())
      << r;
  EXPECT_EQ(event.metadata().actor(), "e2e-admin");

  // A token created while the server runs works at once.
  const std::string auditor = CreateToken("e2e-auditor", "auditor");
  r = Ctl({"info"}, auditor);
  EXPECT_EQ(r.exit_code, 0) << r;
  r = Ctl({"append", "--customer", "C-1", "--event",
           R"({"contactLogged": {"channel": "CONTACT_CHANNEL_PHONE",
               "content": "x"}})"},
          auditor);
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_THAT(r.err, HasSubstr("PERMISSION_DENIED")) << r;

  r = Ctl({"token", "list", "--tokens-file", tokens_path()});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, HasSubstr(id));
  EXPECT_THAT(r.out, HasSubstr("e2e-auditor"));
  EXPECT_THAT(r.out, Not(HasSubstr(token.substr(id.size() + 1))));

  r = Ctl({"token", "revoke", "--tokens-file", tokens_path(), id});
  ASSERT_EQ(r.exit_code, 0) << r;
  // The server checks the file at most once per second.
  const absl::Time deadline = absl::Now() + absl::Seconds(5);
  do {
    absl::SleepFor(absl::Milliseconds(300));
    r = Ctl({"info"}, token);
  } while (r.exit_code == 0 && absl::Now() < deadline);
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_THAT(r.err, HasSubstr("revoked")) << r;
}

TEST_F(LedgerctlTokenTest, RefusesAGroupReadableTokensFile) {
  CreateToken("a", "admin");
  ASSERT_EQ(chmod(tokens_path().c_str(), 0640), 0);
  SubprocessResult r = Ctl({"token", "create", "--tokens-file", tokens_path(),
                            "--principal", "b", "--role", "admin"});
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_THAT(r.err, HasSubstr("chmod 600")) << r;
  LedgerdProcess server(dir_.Sub("data"), dir_.Sub("logs"),
                        {"--tokens-file", tokens_path()});
  EXPECT_FALSE(server.Start(absl::Seconds(5)).ok());
  EXPECT_TRUE(server.LogContains("chmod 600")) << server.LogTail();
}

}  // namespace
}  // namespace ledger::testing
