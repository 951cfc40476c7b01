// Whole-process test of `ledgerctl history`, `changes-by` and `access`: the
// real ledgerctl binary against a real customer-ledgerd child process.

#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "ledger/v1/audit.pb.h"
#include "tests/e2e/ledgerctl_fixture.h"
#include "tests/e2e/ledgerd_process.h"

namespace ledger::testing {
namespace {

namespace v1 = ::ledger::v1;
using ::testing::HasSubstr;

class LedgerctlAuditTest : public LedgerctlFixture {
 protected:
  LedgerctlAuditTest() : LedgerctlFixture("audit-test") {}
  std::vector<std::string> ServerFlags() const override {
    return {"--default-rules=false"};
  }

  void Append(const std::string& id, const std::string& actor,
              const std::string& reason, const std::string& event) {
    const SubprocessResult r = Ctl({"append", "-c", id, "--actor", actor,
                                    "--reason", reason, "-e", event});
    ASSERT_EQ(r.exit_code, 0) << r;
  }
  static std::string Phones(const std::string& phone) {
    return absl::StrCat(R"({"profileUpdated":{"profile":{"phones":[")", phone,
                        R"("]},"updateMask":"phones"}})");
  }
};

TEST_F(LedgerctlAuditTest, HistoryAndChangesByShowWhoChangedWhat) {
  Append("C-1", "alice", "from the fair",
         R"({"customerRegistered":{"kind":"CUSTOMER_KIND_ORGANIZATION",)"
         R"("profile":{"name":"杭州示例","phones":["13800138000"]}}})");
  Append("C-1", "bob", "typo", Phones("13900139000"));
  Append("C-2", "bob", "",
         R"({"customerRegistered":{"kind":"CUSTOMER_KIND_ORGANIZATION",)"
         R"("profile":{"name":"上海示例"}}})");
  Append("C-1", "carol", "new mobile", Phones("13700137000"));

  // The table: one row per change, old → new, who and why.
  SubprocessResult r = Ctl({"history", "C-1", "profile.phones"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, HasSubstr("POSITION"));
  EXPECT_THAT(r.out, HasSubstr("ON BEHALF OF"));
  EXPECT_THAT(r.out, HasSubstr(R"((none) → ["13800138000"])"));
  EXPECT_THAT(r.out, HasSubstr(R"(["13900139000"] → ["13700137000"])"));
  EXPECT_THAT(r.out, HasSubstr("new mobile"));
  EXPECT_THAT(r.out, HasSubstr(R"(C-1 profile.phones now: ["13700137000"])"));

  r = Ctl({"--json", "history", "C-1", "profile.phones"});
  ASSERT_EQ(r.exit_code, 0) << r;
  const auto history = ParseJson<v1::GetFieldHistoryResponse>(r.out);
  ASSERT_EQ(history.changes_size(), 3);
  EXPECT_EQ(history.changes(1).actor(), "bob");
  EXPECT_EQ(history.changes(1).position(), 2u);
  EXPECT_EQ(history.changes(2).old_value(), R"(["13900139000"])");

  r = Ctl({"history", "C-1", "profile.phonez"});
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_THAT(r.err, HasSubstr("INVALID_ARGUMENT"));
  EXPECT_THAT(r.err, HasSubstr("phonez"));

  // Bob's two events across two customers, all pages of one.
  r = Ctl({"changes-by", "bob", "-n", "1", "--all-pages"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, HasSubstr("ProfileUpdated"));
  EXPECT_THAT(r.out, HasSubstr("CustomerRegistered"));
  EXPECT_THAT(r.out, HasSubstr("C-2"));
  EXPECT_THAT(r.out, ::testing::Not(HasSubstr("carol")));

  r = Ctl({"--json", "changes-by", "bob", "-n", "1", "--all-pages"});
  ASSERT_EQ(r.exit_code, 0) << r;
  std::vector<uint64_t> positions;
  for (absl::string_view line :
       absl::StrSplit(r.out, '\n', absl::SkipWhitespace())) {
    const auto page = ParseJson<v1::ListChangesByActorResponse>(line);
    for (const auto& c : page.changes()) positions.push_back(c.position());
  }
  EXPECT_THAT(positions, ::testing::ElementsAre(2u, 3u));

  // A day range: carol's day (UTC) has her change, the next day none.
  const absl::CivilDay today = absl::ToCivilDay(
      absl::FromUnixSeconds(history.changes(2).recorded_at().seconds()),
      absl::UTCTimeZone());
  r = Ctl({"changes-by", "carol", "--from", absl::FormatCivilTime(today),
           "--to", absl::FormatCivilTime(today)});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, HasSubstr("new mobile"));
  r = Ctl({"changes-by", "carol", "--from", absl::FormatCivilTime(today + 1)});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, HasSubstr("(no changes by carol)"));
  r = Ctl({"changes-by", "carol", "--from", "yesterday"});
  EXPECT_EQ(r.exit_code, 2) << r;
}

TEST_F(LedgerctlAuditTest, AccessShowsWhoReadWhosePersonalData) {
  SubprocessResult r =
      Ctl({"append", "-c", "C-9", "-e",
           R"({"customerRegistered": {"kind": "CUSTOMER_KIND_INDIVIDUAL",
           "profile": {"name": "王五", "phones": ["13700137000"]}}})"});
  ASSERT_EQ(r.exit_code, 0) << r;
  r = Ctl({"--purpose", "renewal call", "profile", "C-9"});
  ASSERT_EQ(r.exit_code, 0) << r;
  // The access log writes every 50 ms: wait for the record.
  v1::ListAccessResponse page;
  for (int attempt = 0; attempt < 50 && page.records().empty(); ++attempt) {
    absl::SleepFor(absl::Milliseconds(100));
    r = Ctl({"--json", "access", "--customer", "C-9"});
    ASSERT_EQ(r.exit_code, 0) << r;
    page = ParseJson<v1::ListAccessResponse>(r.out);
  }
  ASSERT_EQ(page.records_size(), 1) << r.out;
  EXPECT_EQ(page.records(0).rpc(), "/ledger.v1.CustomerQuery/GetProfile");
  EXPECT_EQ(page.records(0).purpose(), "renewal call");
  EXPECT_THAT(page.records(0).fields(), ::testing::Contains("profile.phones"));

  r = Ctl({"access", "--customer", "C-9"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, HasSubstr("GetProfile"));
  EXPECT_THAT(r.out, HasSubstr("renewal call"));
  r = Ctl({"access"});
  EXPECT_EQ(r.exit_code, 2) << r;
  EXPECT_THAT(r.err, HasSubstr("--customer"));
}

}  // namespace
}  // namespace ledger::testing
