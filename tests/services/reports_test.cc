// ledger.v1.Reports over gRPC: customer events appended through the Ledger
// service at chosen business times, then exact report numbers for
// satisfaction, opportunity conversion and churn (breakdowns and new
// customers are in reports_customers_test.cc), empty results and refused
// input. The same answers after a rebuild and a restart show that the
// report indexes are folded the same way inline and from the log.

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ledger/v1/admin.grpc.pb.h"
#include "tests/services/reports_fixture.h"
#include "tests/testing/status_matchers.h"

namespace ledger::testing {
namespace {

namespace v1 = ::ledger::v1;
using ::testing::DoubleNear;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using Code = ::grpc::StatusCode;

TEST_F(ReportsTest, SatisfactionAverageAndDistributionPerMonth) {
  RegisterAt("C1", At(2024, 12, 1), "li");
  RegisterAt("C2", At(2024, 12, 1), "wang");
  Revisit("C1", 5, At(2025, 1, 1, 0, 0, 0));
  Revisit("C1", 4, At(2025, 1, 15));
  Revisit("C2", 2, At(2025, 1, 31, 23, 59, 59));
  Revisit("C2", 1, At(2025, 3, 31, 23, 59, 59));
  Revisit("C2", 5, At(2025, 4, 1, 0, 0, 0));       // after the range
  Revisit("C1", 3, At(2024, 12, 31, 23, 59, 59));  // before it

  v1::SatisfactionRequest request;
  *request.mutable_from() = Day(2025, 1, 1);
  *request.mutable_to() = Day(2025, 3, 31);
  v1::SatisfactionResponse r;
  ASSERT_THAT(Satisfaction(request, &r), GrpcOk());
  ASSERT_EQ(r.periods_size(), 3);
  const v1::SatisfactionStats& jan = r.periods(0).stats();
  EXPECT_EQ(jan.count(), 3u);
  EXPECT_THAT(jan.average(), DoubleNear(11.0 / 3, kEps));
  EXPECT_THAT(jan.distribution(), ElementsAre(0u, 1u, 0u, 1u, 1u));
  EXPECT_THAT(jan.satisfied_percent(), DoubleNear(200.0 / 3, kEps));
  EXPECT_THAT(jan.dissatisfied_percent(), DoubleNear(100.0 / 3, kEps));
  const v1::SatisfactionStats& feb = r.periods(1).stats();
  EXPECT_EQ(feb.count(), 0u);
  EXPECT_FALSE(feb.has_average());
  EXPECT_FALSE(feb.has_satisfied_percent());
  EXPECT_THAT(feb.distribution(), ElementsAre(0u, 0u, 0u, 0u, 0u));
  EXPECT_THAT(r.periods(2).stats().average(), DoubleNear(1.0, kEps));
  EXPECT_EQ(r.total().count(), 4u);
  EXPECT_THAT(r.total().average(), DoubleNear(3.0, kEps));
  EXPECT_THAT(r.total().distribution(), ElementsAre(1u, 1u, 0u, 1u, 1u));

  request.mutable_filter()->set_owner_id("wang");
  ASSERT_THAT(Satisfaction(request, &r), GrpcOk());
  EXPECT_EQ(r.total().count(), 2u);
  EXPECT_THAT(r.total().average(), DoubleNear(1.5, kEps));
}

TEST_F(ReportsTest, OpportunityConversionPerStageAndOwner) {
  RegisterAt("C1", At(2025, 1, 1), "li");
  RegisterAt("C2", At(2025, 1, 1), "wang");
  // li: won through every stage, lost at first contact, opened at quotation
  // and still negotiating.
  OpenOpportunity("C1", "O1", At(2025, 3, 1), v1::OPPORTUNITY_STAGE_UNSPECIFIED,
                  100);
  MoveOpportunity("C1", "O1", v1::OPPORTUNITY_STAGE_NEEDS_CONFIRMED,
                  At(2025, 3, 3));
  MoveOpportunity("C1", "O1", v1::OPPORTUNITY_STAGE_QUOTATION, At(2025, 3, 5));
  MoveOpportunity("C1", "O1", v1::OPPORTUNITY_STAGE_WON, At(2025, 3, 11));
  OpenOpportunity("C1", "O2", At(2025, 3, 2),
                  v1::OPPORTUNITY_STAGE_FIRST_CONTACT);
  MoveOpportunity("C1", "O2", v1::OPPORTUNITY_STAGE_LOST, At(2025, 3, 9));
  OpenOpportunity("C1", "O3", At(2025, 3, 31, 23, 59, 59),
                  v1::OPPORTUNITY_STAGE_QUOTATION, 50);
  MoveOpportunity("C1", "O3", v1::OPPORTUNITY_STAGE_NEGOTIATION,
                  At(2025, 4, 2));
  // wang: lost after needs were confirmed; one still at first contact.
  OpenOpportunity("C2", "O4", At(2025, 3, 1, 0, 0, 0),
                  v1::OPPORTUNITY_STAGE_FIRST_CONTACT);
  MoveOpportunity("C2", "O4", v1::OPPORTUNITY_STAGE_NEEDS_CONFIRMED,
                  At(2025, 3, 4));
  MoveOpportunity("C2", "O4", v1::OPPORTUNITY_STAGE_LOST, At(2025, 3, 6));
  OpenOpportunity("C2", "O5", At(2025, 3, 15),
                  v1::OPPORTUNITY_STAGE_FIRST_CONTACT);
  // Outside the cohort.
  OpenOpportunity("C2", "O0", At(2025, 2, 28, 23, 59, 59),
                  v1::OPPORTUNITY_STAGE_FIRST_CONTACT);
  OpenOpportunity("C2", "O6", At(2025, 4, 1), v1::OPPORTUNITY_STAGE_QUOTATION);

  v1::OpportunityConversionRequest request;
  *request.mutable_from() = Day(2025, 3, 1);
  *request.mutable_to() = Day(2025, 3, 31);
  request.set_by_owner(true);
  v1::OpportunityConversionResponse r;
  ASSERT_THAT(Conversion(request, &r), GrpcOk());
  ASSERT_EQ(r.stages_size(), 5);
  std::vector<std::vector<uint64_t>> stages;
  for (const v1::StageConversion& s : r.stages()) {
    stages.push_back({s.reached(), s.advanced(), s.lost_here(), s.open_here()});
  }
  EXPECT_THAT(stages, ElementsAre(ElementsAre(5u, 3u, 1u, 1u),  // first contact
                                  ElementsAre(3u, 2u, 1u, 0u),  // needs
                                  ElementsAre(2u, 2u, 0u, 0u),  // quotation
                                  ElementsAre(2u, 1u, 0u, 1u),  // negotiation
                                  ElementsAre(1u, 0u, 0u, 0u)));  // won
  EXPECT_EQ(r.stages(0).stage(), v1::OPPORTUNITY_STAGE_FIRST_CONTACT);
  EXPECT_THAT(r.stages(0).to_next_percent(), DoubleNear(60.0, kEps));
  EXPECT_THAT(r.stages(0).to_won_percent(), DoubleNear(20.0, kEps));
  EXPECT_THAT(r.stages(1).to_next_percent(), DoubleNear(200.0 / 3, kEps));
  EXPECT_THAT(r.stages(2).to_next_percent(), DoubleNear(100.0, kEps));
  EXPECT_THAT(r.stages(3).to_won_percent(), DoubleNear(50.0, kEps));
  EXPECT_FALSE(r.stages(4).has_to_next_percent());
  EXPECT_THAT(r.stages(4).to_won_percent(), DoubleNear(100.0, kEps));

  const v1::OwnerConversion& total = r.total();
  EXPECT_EQ(total.opened(), 5u);
  EXPECT_EQ(total.won(), 1u);
  EXPECT_EQ(total.lost(), 2u);
  EXPECT_EQ(total.open(), 2u);
  EXPECT_THAT(total.win_rate_percent(), DoubleNear(100.0 / 3, kEps));
  EXPECT_THAT(total.average_days_to_win(), DoubleNear(10.0, kEps));

  ASSERT_EQ(r.owners_size(), 2);
  const v1::OwnerConversion& li = r.owners(0);
  EXPECT_EQ(li.owner_id(), "li");
  EXPECT_EQ(li.opened(), 3u);
  EXPECT_THAT(li.win_rate_percent(), DoubleNear(50.0, kEps));
  ASSERT_EQ(li.won_amounts_size(), 1);
  EXPECT_EQ(li.won_amounts(0).units(), 100);
  ASSERT_EQ(li.open_amounts_size(), 1);
  EXPECT_EQ(li.open_amounts(0).units(), 50);
  const v1::OwnerConversion& wang = r.owners(1);
  EXPECT_EQ(wang.owner_id(), "wang");
  EXPECT_EQ(wang.opened(), 2u);
  EXPECT_EQ(wang.lost(), 1u);
  EXPECT_THAT(wang.win_rate_percent(), DoubleNear(0.0, kEps));
  EXPECT_FALSE(wang.has_average_days_to_win());

  // One owner's funnel; no range: the whole history.
  request.clear_from();
  request.clear_to();
  request.set_owner_id("wang");
  request.set_by_owner(false);
  ASSERT_THAT(Conversion(request, &r), GrpcOk());
  EXPECT_EQ(r.total().opened(), 4u);  // O0, O4, O5, O6
  EXPECT_EQ(r.owners_size(), 0);
  EXPECT_EQ(r.stages(2).reached(), 1u);  // O6 opened at quotation
}

TEST_F(ReportsTest, ChurnedCustomersWithReasonsAndPaging) {
  for (const char* id : {"C1", "C2", "C3", "C4"}) {
    RegisterAt(id, At(2025, 1, 1), "li");
  }
  Grade("C1", v1::GRADE_A);
  Stage("C1", v1::LIFECYCLE_STAGE_CHURNED, At(2025, 5, 3), "price");
  Stage("C2", v1::LIFECYCLE_STAGE_CHURNED, At(2025, 5, 10), "moved away");
  // Still churned: a new reason is no new loss.
  Stage("C2", v1::LIFECYCLE_STAGE_CHURNED, At(2025, 5, 12), "competitor");
  Stage("C1", v1::LIFECYCLE_STAGE_WON_BACK, At(2025, 5, 15));
  Stage("C3", v1::LIFECYCLE_STAGE_CHURNED, At(2025, 5, 20), "price");
  Stage("C1", v1::LIFECYCLE_STAGE_CHURNED, At(2025, 5, 25), "service");
  Stage("C4", v1::LIFECYCLE_STAGE_CHURNED, At(2025, 6, 1), "price");

  v1::ChurnedCustomersRequest request;
  *request.mutable_from() = Day(2025, 5, 1);
  *request.mutable_to() = Day(2025, 5, 31);
  request.set_page_size(3);
  v1::ChurnedCustomersResponse r;
  ASSERT_THAT(Churned(request, &r), GrpcOk());
  EXPECT_EQ(r.total_count(), 4u);
  std::vector<std::string> reasons;
  for (const auto& reason : r.reasons()) {
    reasons.push_back(reason.reason() + "=" + std::to_string(reason.count()));
  }
  EXPECT_THAT(reasons, ElementsAre("price=2", "moved away=1", "service=1"));
  EXPECT_THAT(r.reasons(0).share_percent(), DoubleNear(50.0, kEps));
  ASSERT_EQ(r.customers_size(), 3);
  const v1::ChurnedCustomer& first = r.customers(0);
  EXPECT_EQ(first.customer_id(), "C1");
  EXPECT_EQ(first.name(), "客户 C1");
  EXPECT_EQ(first.reason(), "price");
  EXPECT_EQ(Micros(first.churned_at()), Micros(At(2025, 5, 3)));
  EXPECT_EQ(first.recorded_by(), "manager-zhao");
  EXPECT_EQ(first.owner_id(), "li");
  EXPECT_EQ(first.grade(), v1::GRADE_A);
  EXPECT_EQ(first.stage(), v1::LIFECYCLE_STAGE_CHURNED);
  EXPECT_EQ(r.customers(1).customer_id(), "C2");
  EXPECT_EQ(r.customers(1).reason(), "moved away");
  EXPECT_EQ(r.customers(2).customer_id(), "C3");
  ASSERT_FALSE(r.next_page_token().empty());

  request.set_page_token(r.next_page_token());
  ASSERT_THAT(Churned(request, &r), GrpcOk());
  ASSERT_EQ(r.customers_size(), 1);
  EXPECT_EQ(r.customers(0).customer_id(), "C1");
  EXPECT_EQ(r.customers(0).reason(), "service");
  EXPECT_EQ(r.next_page_token(), "");
  EXPECT_EQ(r.total_count(), 4u);

  // An archived customer's churns leave the report, unless asked for.
  Archive("C3");
  request.clear_page_token();
  request.set_page_size(0);
  ASSERT_THAT(Churned(request, &r), GrpcOk());
  EXPECT_EQ(r.total_count(), 3u);
  request.set_include_archived(true);
  ASSERT_THAT(Churned(request, &r), GrpcOk());
  EXPECT_EQ(r.total_count(), 4u);
  EXPECT_TRUE(r.customers(2).archived());
}

TEST_F(ReportsTest, EmptyStoreGivesZerosAndNoRates) {
  const v1::NewCustomersResponse added =
      NewCustomersOk(Months(Day(2025, 1, 1), Day(2025, 2, 28)));
  ASSERT_EQ(added.periods_size(), 2);
  for (const auto& p : added.periods()) {
    EXPECT_EQ(p.new_customers(), 0u);
    EXPECT_FALSE(p.has_change_percent());
    EXPECT_FALSE(p.has_base_growth_percent());
  }
  const v1::CustomerBreakdownResponse grades =
      BreakdownOk(By(v1::REPORT_DIMENSION_GRADE));
  EXPECT_EQ(grades.total_customers(), 0u);
  EXPECT_THAT(RowsOf(grades),
              ElementsAre("K=0", "A=0", "B=0", "C=0", "D=0", "(none)=0"));
  EXPECT_EQ(BreakdownOk(By(v1::REPORT_DIMENSION_OWNER)).rows_size(), 0);

  v1::OpportunityConversionResponse conversion;
  ASSERT_THAT(Conversion({}, &conversion), GrpcOk());
  EXPECT_EQ(conversion.total().opened(), 0u);
  EXPECT_FALSE(conversion.total().has_win_rate_percent());
  EXPECT_FALSE(conversion.stages(0).has_to_next_percent());
  v1::ChurnedCustomersResponse churned;
  ASSERT_THAT(Churned({}, &churned), GrpcOk());
  EXPECT_EQ(churned.total_count(), 0u);
  EXPECT_EQ(churned.customers_size(), 0);
  EXPECT_EQ(churned.as_of_position(), 0u);
}

TEST_F(ReportsTest, InvalidInputIsRefusedNamingTheField) {
  RegisterAt("C1", At(2025, 1, 1));
  const uint64_t head = HeadPosition();
  v1::NewCustomersResponse added;
  auto expect_refused = [&](const grpc::Status& status,
                            const std::string& message) {
    EXPECT_THAT(status,
                GrpcStatusIs(Code::INVALID_ARGUMENT, HasSubstr(message)))
        << message;
  };
  expect_refused(NewCustomers(Months(Day(2026, 3, 1), Day(2026, 1, 1)), &added),
                 "to: 2026-01-01 is before from: 2026-03-01");
  v1::NewCustomersRequest open_ended;
  *open_ended.mutable_to() = Day(2026, 1, 1);
  expect_refused(NewCustomers(open_ended, &added), "from: is required");
  expect_refused(
      NewCustomers(Months(Day(2025, 2, 30), Day(2025, 3, 1)), &added),
      "from: 2025-02-30 is not a valid date");
  expect_refused(
      NewCustomers(Months(Day(1990, 1, 1), Day(2025, 1, 1)), &added),
      "to: 2025-01-01 is 421 periods after 1990-01-01; a report covers at "
      "most 240");
  v1::NewCustomersRequest granularity =
      Months(Day(2025, 1, 1), Day(2025, 2, 1));
  granularity.set_granularity(static_cast<v1::ReportGranularity>(9));
  expect_refused(NewCustomers(granularity, &added),
                 "granularity: 9 is not a known value");

  v1::CustomerBreakdownResponse breakdown;
  expect_refused(Breakdown({}, &breakdown), "dimension: is required");
  expect_refused(
      Breakdown(By(static_cast<v1::ReportDimension>(42)), &breakdown),
      "dimension: 42 is not a known value");
  v1::CustomerBreakdownRequest bad_filter = By(v1::REPORT_DIMENSION_GRADE);
  bad_filter.mutable_filter()->set_grade(static_cast<v1::Grade>(17));
  expect_refused(Breakdown(bad_filter, &breakdown),
                 "filter.grade: 17 is not a known value");

  v1::SatisfactionRequest satisfaction;
  *satisfaction.mutable_from() = Day(2025, 1, 1);
  v1::SatisfactionResponse scores;
  expect_refused(Satisfaction(satisfaction, &scores), "to: is required");

  v1::OpportunityConversionRequest conversion;
  *conversion.mutable_to() = Day(2025, 13, 1);
  v1::OpportunityConversionResponse funnel;
  expect_refused(Conversion(conversion, &funnel),
                 "to: 2025-13-01 is not a valid date");

  v1::ChurnedCustomersRequest churned;
  churned.set_page_token("bm90IGEgdG9rZW4");  // "not a token"
  v1::ChurnedCustomersResponse lost;
  expect_refused(Churned(churned, &lost),
                 "page_token: is not a ChurnedCustomers token");

  EXPECT_EQ(HeadPosition(), head) << "a refused report changed the log";
  EXPECT_EQ(Info().committed_events(), 1u);
}

TEST_F(ReportsTest, ReportsAreTheSameAfterRebuildAndRestart) {
  RegisterAt("C1", At(2025, 1, 5), "li");
  RegisterAt("C2", At(2025, 2, 5), "wang");
  RegisterAt("C3", At(2025, 2, 6), "li");
  Grade("C1", v1::GRADE_A);
  Revisit("C1", 4, At(2025, 2, 10));
  Revisit("C2", 2, At(2025, 3, 10));
  OpenOpportunity("C2", "O1", At(2025, 2, 11), v1::OPPORTUNITY_STAGE_QUOTATION);
  MoveOpportunity("C2", "O1", v1::OPPORTUNITY_STAGE_WON, At(2025, 2, 20));
  Stage("C3", v1::LIFECYCLE_STAGE_CHURNED, At(2025, 3, 1), "price");
  Archive("C2");

  auto snapshot = [&] {
    std::vector<std::string> answers;
    v1::CustomerBreakdownRequest breakdown = By(v1::REPORT_DIMENSION_GRADE);
    breakdown.set_include_archived(true);
    answers.push_back(BreakdownOk(breakdown).SerializeAsString());
    answers.push_back(NewCustomersOk(Months(Day(2025, 1, 1), Day(2025, 3, 31)))
                          .SerializeAsString());
    v1::SatisfactionRequest satisfaction;
    *satisfaction.mutable_from() = Day(2025, 1, 1);
    *satisfaction.mutable_to() = Day(2025, 3, 31);
    satisfaction.set_include_archived(true);
    v1::SatisfactionResponse scores;
    EXPECT_THAT(Satisfaction(satisfaction, &scores), GrpcOk());
    answers.push_back(scores.SerializeAsString());
    v1::OpportunityConversionRequest conversion;
    conversion.set_include_archived(true);
    v1::OpportunityConversionResponse funnel;
    EXPECT_THAT(Conversion(conversion, &funnel), GrpcOk());
    answers.push_back(funnel.SerializeAsString());
    v1::ChurnedCustomersResponse lost;
    EXPECT_THAT(Churned({}, &lost), GrpcOk());
    answers.push_back(lost.SerializeAsString());
    EXPECT_EQ(scores.total().count(), 2u);
    EXPECT_EQ(funnel.total().won(), 1u);
    EXPECT_EQ(lost.total_count(), 1u);
    return answers;
  };
  const std::vector<std::string> inline_answers = snapshot();

  std::unique_ptr<v1::Admin::Stub> admin = v1::Admin::NewStub(channel());
  v1::RebuildProjectionsResponse rebuilt;
  ASSERT_THAT(
      admin->RebuildProjections(Context(absl::Seconds(60)).get(),
                                v1::RebuildProjectionsRequest(), &rebuilt),
      GrpcOk());
  EXPECT_EQ(snapshot(), inline_answers) << "after an online rebuild";
  RestartServer();
  EXPECT_EQ(snapshot(), inline_answers) << "after a restart";
}

}  // namespace
}  // namespace ledger::testing
