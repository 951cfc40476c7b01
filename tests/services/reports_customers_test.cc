// ledger.v1.Reports over gRPC, the reports about the customers themselves:
// CustomerBreakdown and NewCustomers with exact numbers, range edges at
// whole UTC days, periods, growth rates, filters and archived customers.

#include <string>
#include <utility>
#include <vector>

#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "tests/services/reports_fixture.h"
#include "tests/testing/status_matchers.h"

namespace ledger::testing {
namespace {

namespace v1 = ::ledger::v1;
using google::protobuf::util::MessageDifferencer;
using ::testing::DoubleNear;
using ::testing::ElementsAre;

TEST_F(ReportsTest, BreakdownByGradeCountsEveryCustomerAndLeavesArchivedOut) {
  for (const char* id : {"C1", "C2", "C3", "C4", "C5", "C6"}) {
    RegisterAt(id, At(2025, 1, 10), "sales-li");
  }
  Grade("C1", v1::GRADE_A);
  Grade("C2", v1::GRADE_A);
  Grade("C3", v1::GRADE_B);
  Grade("C4", v1::GRADE_K);
  Grade("C6", v1::GRADE_A);
  Archive("C6");

  v1::CustomerBreakdownResponse r = BreakdownOk(By(v1::REPORT_DIMENSION_GRADE));
  EXPECT_THAT(RowsOf(r),
              ElementsAre("K=1", "A=2", "B=1", "C=0", "D=0", "(none)=1"));
  EXPECT_EQ(r.total_customers(), 5u);
  EXPECT_EQ(r.rows(1).key(), "GRADE_A");
  EXPECT_THAT(r.rows(1).share_percent(), DoubleNear(40.0, kEps));
  EXPECT_EQ(r.rows(5).key(), "");
  EXPECT_EQ(r.as_of_position(), HeadPosition());

  v1::CustomerBreakdownRequest all = By(v1::REPORT_DIMENSION_GRADE);
  all.set_include_archived(true);
  r = BreakdownOk(all);
  EXPECT_THAT(RowsOf(r),
              ElementsAre("K=1", "A=3", "B=1", "C=0", "D=0", "(none)=1"));
  EXPECT_EQ(r.total_customers(), 6u);

  // The same customers read profile by profile (a filter that everyone
  // matches, a range that covers everyone) count the same.
  v1::CustomerBreakdownRequest filtered = By(v1::REPORT_DIMENSION_GRADE);
  filtered.mutable_filter()->set_owner_id("sales-li");
  EXPECT_THAT(RowsOf(BreakdownOk(filtered)),
              ElementsAre("K=1", "A=2", "B=1", "C=0", "D=0", "(none)=1"));
  v1::CustomerBreakdownRequest ranged = By(v1::REPORT_DIMENSION_GRADE);
  *ranged.mutable_registered_from() = Day(2025, 1, 10);
  *ranged.mutable_registered_to() = Day(2025, 1, 10);
  EXPECT_THAT(RowsOf(BreakdownOk(ranged)),
              ElementsAre("K=1", "A=2", "B=1", "C=0", "D=0", "(none)=1"));
}

TEST_F(ReportsTest, BreakdownByOwnerSortsByCountAndSumsTheRestAsOther) {
  const std::vector<std::pair<std::string, std::string>> customers = {
      {"C1", "li"},   {"C2", "li"},    {"C3", "li"}, {"C4", "wang"},
      {"C5", "wang"}, {"C6", "zhang"}, {"C7", ""}};
  for (const auto& [id, owner] : customers) {
    RegisterAt(id, At(2025, 2, 1), owner);
  }
  v1::CustomerBreakdownRequest request = By(v1::REPORT_DIMENSION_OWNER);
  request.set_max_rows(2);
  const v1::CustomerBreakdownResponse r = BreakdownOk(request);
  EXPECT_THAT(RowsOf(r), ElementsAre("li=3", "wang=2", "(none)=1"));
  EXPECT_EQ(r.rows(0).key(), "li");
  EXPECT_EQ(r.other_values(), 1u);
  EXPECT_EQ(r.other_count(), 1u);
  EXPECT_EQ(r.total_customers(), 7u);
  EXPECT_THAT(r.rows(0).share_percent(), DoubleNear(300.0 / 7, kEps));
}

TEST_F(ReportsTest, BreakdownOfCustomersRegisteredInARange) {
  RegisterAt("C1", At(2025, 1, 31, 23, 59, 59), "", "north");
  RegisterAt("C2", At(2025, 2, 1, 0, 0, 0), "", "north");
  RegisterAt("C3", At(2025, 2, 28, 23, 59, 59), "", "south");
  RegisterAt("C4", At(2025, 3, 1, 0, 0, 0), "", "south");
  RegisterAt("C5", At(2025, 2, 14), "", "");
  v1::CustomerBreakdownRequest request = By(v1::REPORT_DIMENSION_REGION);
  *request.mutable_registered_from() = Day(2025, 2, 1);
  *request.mutable_registered_to() = Day(2025, 2, 28);
  v1::CustomerBreakdownResponse r = BreakdownOk(request);
  EXPECT_THAT(RowsOf(r), ElementsAre("north=1", "south=1", "(none)=1"));
  EXPECT_EQ(r.total_customers(), 3u);

  // An open end: everyone registered from 1 February on.
  request.clear_registered_to();
  r = BreakdownOk(request);
  EXPECT_THAT(RowsOf(r), ElementsAre("south=2", "north=1", "(none)=1"));
}

TEST_F(ReportsTest, BreakdownByTagNatureAndSource) {
  for (const char* id : {"C1", "C2", "C3"}) RegisterAt(id, At(2025, 1, 1));
  v1::EventPayload p;
  auto* c = p.mutable_customer_classified();
  c->add_tags_added("vip");
  c->add_tags_added("export");
  c->set_nature(v1::CUSTOMER_NATURE_ENTERPRISE);
  AppendEvent("C1", p);
  c->clear_tags_added();
  c->add_tags_added("vip");
  c->set_nature(v1::CUSTOMER_NATURE_SPECIAL_PARTNER);
  AppendEvent("C2", p);
  p.Clear();
  p.mutable_profile_updated()->mutable_profile()->set_source("exhibition");
  p.mutable_profile_updated()->mutable_update_mask()->add_paths("source");
  AppendEvent("C3", p);

  v1::CustomerBreakdownResponse r = BreakdownOk(By(v1::REPORT_DIMENSION_TAG));
  EXPECT_THAT(RowsOf(r), ElementsAre("vip=2", "export=1"));  // no "(none)"
  EXPECT_EQ(r.total_customers(), 3u);
  r = BreakdownOk(By(v1::REPORT_DIMENSION_NATURE));
  EXPECT_THAT(
      RowsOf(r),
      ElementsAre("government=0", "enterprise=1", "individual=0", "partner=0",
                  "special-partner=1", "trading-partner=0", "(none)=1"));
  r = BreakdownOk(By(v1::REPORT_DIMENSION_SOURCE));
  EXPECT_THAT(RowsOf(r), ElementsAre("exhibition=1", "(none)=2"));
}

TEST_F(ReportsTest, NewCustomersGrowthRateAgainstPreviousMonth) {
  RegisterAt("D1", At(2024, 12, 5));
  RegisterAt("J1", At(2025, 1, 3));
  RegisterAt("J2", At(2025, 1, 31));
  for (const char* id : {"F1", "F2", "F3", "F4"}) {
    RegisterAt(id, At(2025, 2, 11));
  }
  for (const char* id : {"A1", "A2", "A3"}) RegisterAt(id, At(2025, 4, 30));
  RegisterAt("M1", At(2025, 5, 1));

  const v1::NewCustomersResponse r =
      NewCustomersOk(Months(Day(2025, 2, 1), Day(2025, 4, 30)));
  ASSERT_EQ(r.periods_size(), 3);
  EXPECT_EQ(r.customers_before(), 3u);
  EXPECT_EQ(r.previous_period_new(), 2u);
  EXPECT_EQ(r.total_new(), 7u);

  const v1::NewCustomersPeriod& feb = r.periods(0);
  EXPECT_EQ(feb.period().label(), "2025-02");
  EXPECT_FALSE(feb.period().partial());
  EXPECT_EQ(feb.new_customers(), 4u);
  EXPECT_EQ(feb.cumulative(), 7u);
  EXPECT_THAT(feb.change_percent(), DoubleNear(100.0, kEps));  // 2 -> 4
  EXPECT_THAT(feb.base_growth_percent(), DoubleNear(400.0 / 3, kEps));

  const v1::NewCustomersPeriod& mar = r.periods(1);
  EXPECT_EQ(mar.period().label(), "2025-03");
  EXPECT_EQ(mar.new_customers(), 0u);
  EXPECT_EQ(mar.cumulative(), 7u);
  EXPECT_THAT(mar.change_percent(), DoubleNear(-100.0, kEps));
  EXPECT_THAT(mar.base_growth_percent(), DoubleNear(0.0, kEps));

  const v1::NewCustomersPeriod& apr = r.periods(2);
  EXPECT_EQ(apr.new_customers(), 3u);
  EXPECT_EQ(apr.cumulative(), 10u);
  EXPECT_FALSE(apr.has_change_percent()) << "no customers in March: n/a";
  EXPECT_THAT(apr.base_growth_percent(), DoubleNear(300.0 / 7, kEps));
  EXPECT_EQ(r.as_of_position(), HeadPosition());
}

TEST_F(ReportsTest, NewCustomersRangeEdgesAreWholeUtcDays) {
  RegisterAt("before", At(2025, 2, 9, 23, 59, 59));
  RegisterAt("first", At(2025, 2, 10, 0, 0, 0));
  RegisterAt("last", At(2025, 3, 20, 23, 59, 59));
  RegisterAt("after", At(2025, 3, 21, 0, 0, 0));
  const v1::NewCustomersResponse r =
      NewCustomersOk(Months(Day(2025, 2, 10), Day(2025, 3, 20)));
  ASSERT_EQ(r.periods_size(), 2);
  EXPECT_EQ(r.periods(0).period().label(), "2025-02");
  EXPECT_TRUE(r.periods(0).period().partial());
  EXPECT_TRUE(MessageDifferencer::Equals(r.periods(0).period().start(),
                                         Day(2025, 2, 10)));
  EXPECT_TRUE(MessageDifferencer::Equals(r.periods(0).period().end(),
                                         Day(2025, 2, 28)));
  EXPECT_EQ(r.periods(0).new_customers(), 1u);
  EXPECT_TRUE(MessageDifferencer::Equals(r.periods(1).period().end(),
                                         Day(2025, 3, 20)));
  EXPECT_EQ(r.periods(1).new_customers(), 1u);
  EXPECT_EQ(r.customers_before(), 1u);
  EXPECT_EQ(r.previous_period_new(), 0u);  // January
  EXPECT_FALSE(r.periods(0).has_change_percent());
  EXPECT_THAT(r.periods(1).change_percent(), DoubleNear(0.0, kEps));
  EXPECT_EQ(r.total_new(), 2u);
}

TEST_F(ReportsTest, NewCustomersByQuarterAndYear) {
  RegisterAt("Q1", At(2024, 11, 30));
  RegisterAt("Q2", At(2025, 2, 1));
  RegisterAt("Q3", At(2025, 3, 31));
  RegisterAt("Q4", At(2025, 10, 1));
  v1::NewCustomersRequest request = Months(Day(2025, 1, 1), Day(2025, 12, 31));
  request.set_granularity(v1::REPORT_GRANULARITY_QUARTER);
  v1::NewCustomersResponse r = NewCustomersOk(request);
  ASSERT_EQ(r.periods_size(), 4);
  std::vector<std::string> labels;
  std::vector<uint64_t> counts;
  for (const auto& p : r.periods()) {
    labels.push_back(p.period().label());
    counts.push_back(p.new_customers());
  }
  EXPECT_THAT(labels, ElementsAre("2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4"));
  EXPECT_THAT(counts, ElementsAre(2u, 0u, 0u, 1u));
  EXPECT_EQ(r.previous_period_new(), 1u);  // 2024-Q4
  EXPECT_THAT(r.periods(0).change_percent(), DoubleNear(100.0, kEps));

  request.set_granularity(v1::REPORT_GRANULARITY_YEAR);
  *request.mutable_from() = Day(2024, 6, 1);
  r = NewCustomersOk(request);
  ASSERT_EQ(r.periods_size(), 2);
  EXPECT_EQ(r.periods(0).period().label(), "2024");
  EXPECT_TRUE(r.periods(0).period().partial());
  EXPECT_EQ(r.periods(0).new_customers(), 1u);
  EXPECT_EQ(r.periods(1).new_customers(), 3u);
  EXPECT_THAT(r.periods(1).change_percent(), DoubleNear(200.0, kEps));
}

TEST_F(ReportsTest, NewCustomersFilteredByOwnerAndWithoutArchived) {
  RegisterAt("L0", At(2024, 12, 1), "li");
  RegisterAt("L1", At(2025, 1, 5), "li");
  RegisterAt("L2", At(2025, 1, 6), "li");
  RegisterAt("W1", At(2025, 1, 7), "wang");
  RegisterAt("W2", At(2024, 12, 2), "wang");
  Archive("L2");
  Archive("W2");

  v1::NewCustomersResponse r =
      NewCustomersOk(Months(Day(2025, 1, 1), Day(2025, 1, 31)));
  EXPECT_EQ(r.periods(0).new_customers(), 2u);  // L1, W1
  EXPECT_EQ(r.customers_before(), 1u);          // L0
  v1::NewCustomersRequest request = Months(Day(2025, 1, 1), Day(2025, 1, 31));
  request.set_include_archived(true);
  r = NewCustomersOk(request);
  EXPECT_EQ(r.periods(0).new_customers(), 3u);
  EXPECT_EQ(r.customers_before(), 2u);

  request.set_include_archived(false);
  request.mutable_filter()->set_owner_id("li");
  r = NewCustomersOk(request);
  EXPECT_EQ(r.periods(0).new_customers(), 1u);  // L1
  EXPECT_EQ(r.customers_before(), 1u);          // L0
  EXPECT_EQ(r.previous_period_new(), 1u);
  EXPECT_THAT(r.periods(0).change_percent(), DoubleNear(0.0, kEps));
  EXPECT_THAT(r.periods(0).base_growth_percent(), DoubleNear(100.0, kEps));
}

}  // namespace
}  // namespace ledger::testing
