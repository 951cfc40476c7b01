#ifndef LEDGER_TESTS_SERVICES_REPORTS_FIXTURE_H_
#define LEDGER_TESTS_SERVICES_REPORTS_FIXTURE_H_

// A server with the Reports service, and helpers that append customer
// events at chosen business times and call the reports.

#include <memory>
#include <string>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/time_util.h"
#include "gtest/gtest.h"
#include "ledger/v1/reports.grpc.pb.h"
#include "tests/services/customer_query_fixture.h"

namespace ledger::testing {

// Business time `hour`:`minute`:`second` UTC on y-m-d.
inline google::protobuf::Timestamp At(int y, int m, int d, int hour = 12,
                                      int minute = 0, int second = 0) {
  const absl::Time t = absl::FromCivil(
      absl::CivilSecond(y, m, d, hour, minute, second), absl::UTCTimeZone());
  return google::protobuf::util::TimeUtil::SecondsToTimestamp(
      absl::ToUnixSeconds(t));
}

inline v1::Date Day(int y, int m, int d) {
  v1::Date date;
  date.set_year(y);
  date.set_month(m);
  date.set_day(d);
  return date;
}

inline v1::Money Cny(int64_t units) {
  v1::Money m;
  m.set_currency_code("CNY");
  m.set_units(units);
  return m;
}

inline v1::CustomerBreakdownRequest By(v1::ReportDimension d) {
  v1::CustomerBreakdownRequest r;
  r.set_dimension(d);
  return r;
}

// NewCustomers by month from `from` to `to`.
inline v1::NewCustomersRequest Months(v1::Date from, v1::Date to) {
  v1::NewCustomersRequest r;
  *r.mutable_from() = from;
  *r.mutable_to() = to;
  return r;
}

inline constexpr double kEps = 1e-9;

class ReportsTest : public CustomerQueryTest {
 protected:
  void SetUp() override {
    CustomerQueryTest::SetUp();
    reports_ = v1::Reports::NewStub(channel());
  }
  void RestartServer() {
    CustomerQueryTest::RestartServer();
    reports_ = v1::Reports::NewStub(channel());
  }

  // Registers organisation `id` at business time `at`.
  void RegisterAt(const std::string& id, const google::protobuf::Timestamp& at,
                  const std::string& owner = "",
                  const std::string& region = "") {
    v1::EventPayload p;
    auto* r = p.mutable_customer_registered();
    r->set_kind(v1::CUSTOMER_KIND_ORGANIZATION);
    r->mutable_profile()->set_name("客户 " + id);
    r->mutable_profile()->set_region(region);
    r->set_owner_id(owner);
    AppendEvent(id, p, &at);
  }
  void Grade(const std::string& id, v1::Grade grade) {
    v1::EventPayload p;
    p.mutable_customer_classified()->set_grade(grade);
    AppendEvent(id, p);
  }
  void Stage(const std::string& id, v1::LifecycleStage stage,
             const google::protobuf::Timestamp& at,
             const std::string& churn_reason = "") {
    v1::EventPayload p;
    p.mutable_customer_classified()->set_lifecycle_stage(stage);
    p.mutable_customer_classified()->set_churn_reason(churn_reason);
    AppendEvent(id, p, &at, "manager-zhao");
  }
  void Revisit(const std::string& id, uint32_t score,
               const google::protobuf::Timestamp& at) {
    v1::EventPayload p;
    p.mutable_revisit_logged()->set_channel(v1::CONTACT_CHANNEL_PHONE);
    p.mutable_revisit_logged()->set_satisfaction(score);
    AppendEvent(id, p, &at);
  }
  void OpenOpportunity(const std::string& id, const std::string& opportunity,
                       const google::protobuf::Timestamp& at,
                       v1::OpportunityStage stage, int64_t amount = 0) {
    v1::EventPayload p;
    auto* o = p.mutable_opportunity_opened();
    o->set_opportunity_id(opportunity);
    o->set_title("deal " + opportunity);
    o->set_stage(stage);
    if (amount > 0) *o->mutable_expected_amount() = Cny(amount);
    AppendEvent(id, p, &at);
  }
  void MoveOpportunity(const std::string& id, const std::string& opportunity,
                       v1::OpportunityStage stage,
                       const google::protobuf::Timestamp& at) {
    v1::EventPayload p;
    auto* o = p.mutable_opportunity_stage_changed();
    o->set_opportunity_id(opportunity);
    o->set_stage(stage);
    if (stage == v1::OPPORTUNITY_STAGE_LOST) o->set_lost_reason("too pricey");
    AppendEvent(id, p, &at);
  }

  grpc::Status Breakdown(const v1::CustomerBreakdownRequest& r,
                         v1::CustomerBreakdownResponse* out) {
    return reports_->CustomerBreakdown(Context().get(), r, out);
  }
  grpc::Status NewCustomers(const v1::NewCustomersRequest& r,
                            v1::NewCustomersResponse* out) {
    return reports_->NewCustomers(Context().get(), r, out);
  }
  grpc::Status Satisfaction(const v1::SatisfactionRequest& r,
                            v1::SatisfactionResponse* out) {
    return reports_->Satisfaction(Context().get(), r, out);
  }
  grpc::Status Conversion(const v1::OpportunityConversionRequest& r,
                          v1::OpportunityConversionResponse* out) {
    return reports_->OpportunityConversion(Context().get(), r, out);
  }
  grpc::Status Churned(const v1::ChurnedCustomersRequest& r,
                       v1::ChurnedCustomersResponse* out) {
    return reports_->ChurnedCustomers(Context().get(), r, out);
  }

  // The report, expected to succeed.
  v1::CustomerBreakdownResponse BreakdownOk(
      const v1::CustomerBreakdownRequest& r) {
    v1::CustomerBreakdownResponse out;
    EXPECT_THAT(Breakdown(r, &out), GrpcOk());
    return out;
  }
  v1::NewCustomersResponse NewCustomersOk(const v1::NewCustomersRequest& r) {
    v1::NewCustomersResponse out;
    EXPECT_THAT(NewCustomers(r, &out), GrpcOk());
    return out;
  }

  std::unique_ptr<v1::Reports::Stub> reports_;
};

// "label=count" of every row, for readable comparisons.
inline std::vector<std::string> RowsOf(const v1::CustomerBreakdownResponse& r) {
  std::vector<std::string> rows;
  for (const v1::BreakdownRow& row : r.rows()) {
    rows.push_back(row.label() + "=" + std::to_string(row.count()));
  }
  return rows;
}

}  // namespace ledger::testing

#endif  // LEDGER_TESTS_SERVICES_REPORTS_FIXTURE_H_
