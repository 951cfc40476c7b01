// Whole-process test of `ledgerctl report`: the real ledgerctl binary
// (LEDGERCTL_PATH) against a real customer-ledgerd child process; events
// appended with ledgerctl at chosen business times, reports read back as
// JSON (for scripts) and as tables (for people), and refused input.

#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "ledger/v1/reports.pb.h"
#include "tests/e2e/ledgerctl_fixture.h"
#include "tests/e2e/ledgerd_process.h"

namespace ledger::testing {
namespace {

namespace v1 = ::ledger::v1;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

class LedgerctlReportTest : public LedgerctlFixture {
 protected:
  LedgerctlReportTest() : LedgerctlFixture("report-tester") {}

  void Append(const std::string& customer, const std::string& occurred_at,
              const std::string& event) {
    const SubprocessResult r =
        Ctl({"append", "--customer", customer, "--occurred-at", occurred_at,
             "--event", event});
    ASSERT_EQ(r.exit_code, 0) << r;
  }
};

std::string Registered(const std::string& name) {
  return absl::StrCat(
      R"({"customerRegistered": {"kind": "CUSTOMER_KIND_ORGANIZATION",
          "profile": {"name": ")",
      name, R"("}, "ownerId": "sales-li"}})");
}

TEST_F(LedgerctlReportTest, ReportsAsJsonAndTables) {
  ASSERT_NO_FATAL_FAILURE(
      Append("C-1", "2025-01-15T09:00:00+08:00", Registered("甲公司")));
  ASSERT_NO_FATAL_FAILURE(
      Append("C-2", "2025-02-03T09:00:00+08:00", Registered("乙公司")));
  ASSERT_NO_FATAL_FAILURE(
      Append("C-3", "2025-02-20T09:00:00+08:00", Registered("丙公司")));
  ASSERT_NO_FATAL_FAILURE(
      Append("C-1", "2025-02-21T10:00:00Z",
             R"({"customerClassified": {"grade": "GRADE_A"}})"));
  ASSERT_NO_FATAL_FAILURE(Append(
      "C-1", "2025-02-22T10:00:00Z",
      R"({"revisitLogged": {"channel": "CONTACT_CHANNEL_PHONE", "satisfaction": 5}})"));
  ASSERT_NO_FATAL_FAILURE(Append(
      "C-2", "2025-03-01T10:00:00Z",
      R"({"customerClassified": {"lifecycleStage": "LIFECYCLE_STAGE_CHURNED",
          "churnReason": "price"}})"));

  SubprocessResult r = Ctl({"--json", "report", "new-customers", "--from",
                            "2025-01-01", "--to", "2025-03-31"});
  ASSERT_EQ(r.exit_code, 0) << r;
  v1::NewCustomersResponse added;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(r.out, &added).ok())
      << r;
  std::vector<uint64_t> counts;
  for (const auto& p : added.periods()) counts.push_back(p.new_customers());
  EXPECT_THAT(counts, ElementsAre(1u, 2u, 0u));
  EXPECT_DOUBLE_EQ(added.periods(1).change_percent(), 100.0);
  EXPECT_EQ(added.as_of_position(), 6u);

  r = Ctl({"report", "new-customers", "--from", "2025-01-01", "--to",
           "2025-03-31"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, AllOf(HasSubstr("2025-02"), HasSubstr("+100.0%"),
                           HasSubstr("n/a"), HasSubstr("3 new")))
      << r;

  r = Ctl({"report", "breakdown", "--by", "grade"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out,
              AllOf(HasSubstr("GRADE"), HasSubstr("33.3%"), HasSubstr("(none)"),
                    HasSubstr("TOTAL"), HasSubstr("as of log position 6")))
      << r;

  r = Ctl({"report", "churn", "--from", "2025-03-01"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, AllOf(HasSubstr("C-2"), HasSubstr("乙公司"),
                           HasSubstr("price"), HasSubstr("100.0%")))
      << r;

  r = Ctl({"--json", "report", "satisfaction", "--from", "2025-01-01", "--to",
           "2025-12-31", "--granularity", "year"});
  ASSERT_EQ(r.exit_code, 0) << r;
  v1::SatisfactionResponse scores;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(r.out, &scores).ok())
      << r;
  EXPECT_EQ(scores.total().count(), 1u);
  EXPECT_DOUBLE_EQ(scores.total().average(), 5.0);

  // Refused by the server, naming the field; refused by ledgerctl itself.
  r = Ctl({"report", "new-customers", "--from", "2025-03-01", "--to",
           "2025-01-01"});
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_THAT(r.err, HasSubstr("INVALID_ARGUMENT: to: 2025-01-01 is before "
                               "from: 2025-03-01"))
      << r;
  r = Ctl({"report", "breakdown", "--by", "colour"});
  EXPECT_EQ(r.exit_code, 2) << r;
  EXPECT_THAT(r.err, HasSubstr("--by \"colour\" is not one of: grade")) << r;
}

}  // namespace
}  // namespace ledger::testing
