// Stateless validation of the record events (transactions and payments,
// opportunities, service cases and revisits, maintenance plans, member
// cards): INVALID_ARGUMENT naming the full field path and the value,
// nothing appended, good values accepted.

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/services/payload_validation_fixture.h"

namespace ledger::testing::validation {
namespace {

TEST_F(PayloadValidationTest, TransactionsAndPaymentsRejectBadValues) {
  const v1::Date future = FromToday(2);
  const double inf = std::numeric_limits<double>::infinity();
  const std::vector<Case> cases = {
      {"no id", [](R r) { Tx(r)->clear_transaction_id(); }, "transaction_id",
       "is required"},
      {"no date", [](R r) { Tx(r)->clear_date(); }, "date", "is required"},
      {"date", [](R r) { *Tx(r)->mutable_date() = D(2025, 2, 30); }, "date",
       "2025-02-30 is not a valid date"},
      {"future", [=](R r) { *Tx(r)->mutable_date() = future; }, "date",
       Future(future)},
      {"no amount", [](R r) { Tx(r)->clear_amount(); }, "amount",
       "is required"},
      {"XXX", [](R r) { Tx(r)->mutable_amount()->set_currency_code("XXX"); },
       "amount.currency_code", "\"XXX\" is not an ISO 4217"},
      {"negative", [](R r) { *Tx(r)->mutable_amount() = M(-1); }, "amount",
       "units=-1 nanos=0 is negative"},
      {"nanos", [](R r) { *Tx(r)->mutable_amount() = M(0, 1000000000); },
       "amount.nanos", "1000000000 is not below 1,000,000,000"},
      {"product", [](R r) { Tx(r)->mutable_items(0)->clear_product(); },
       "items[0].product", "is required"},
      {"quantity 0", [](R r) { Tx(r)->mutable_items(0)->set_quantity(0); },
       "items[0].quantity", "0 is not a positive number"},
      {"quantity inf", [=](R r) { Tx(r)->mutable_items(0)->set_quantity(inf); },
       "items[0].quantity", "inf is not a positive number"},
      {"price in USD",
       [](R r) {
         Tx(r)->mutable_items(0)->mutable_unit_price()->set_currency_code(
             "USD");
       },
       "items[0].unit_price.currency_code", "is USD but amount is in CNY"},
      {"price < 0",
       [](R r) { *Tx(r)->mutable_items(0)->mutable_unit_price() = M(-400); },
       "items[0].unit_price", "units=-400 nanos=0 is negative"},
      {"method",
       [](R r) { Tx(r)->set_payment_method(Bad<v1::PaymentMethod>(9)); },
       "payment_method", "9 is not a known value"},
      {"status",
       [](R r) { Tx(r)->set_payment_status(Bad<v1::PaymentStatus>(5)); },
       "payment_status", "5 is not a known value"},
      {"paid USD", [](R r) { *Tx(r)->mutable_paid_amount() = M(9, 0, "USD"); },
       "paid_amount.currency_code", "is USD but amount is in CNY"},
      {"overpaid", [](R r) { *Tx(r)->mutable_paid_amount() = M(1500); },
       "paid_amount", "1500.00 CNY is more than the amount 1000.00 CNY"},
  };
  const v1::AppendRequest transaction = Req(R"(transaction_recorded {
      transaction_id: "T-1" date { year: 2025 month: 3 day: 15 }
      amount { currency_code: "CNY" units: 1000 }
      items { product: "螺纹钢 HRB400" quantity: 2.5 unit: "吨"
              unit_price { currency_code: "CNY" units: 400 } }
      payment_method: PAYMENT_METHOD_BANK_TRANSFER
      payment_status: PAYMENT_STATUS_PARTIALLY_PAID
      paid_amount { currency_code: "CNY" units: 300 } })");
  RejectEach(transaction, "transaction_recorded.", cases);
  const std::vector<Case> payment_cases = {
      {"no id", [](R r) { Pay(r)->clear_transaction_id(); }, "transaction_id",
       "is required"},
      {"no status", [](R r) { Pay(r)->clear_payment_status(); },
       "payment_status", "is required"},
      {"status",
       [](R r) { Pay(r)->set_payment_status(Bad<v1::PaymentStatus>(7)); },
       "payment_status", "7 is not a known value"},
      {"negative", [](R r) { *Pay(r)->mutable_paid_amount() = M(-10); },
       "paid_amount", "units=-10 nanos=0 is negative"},
  };
  const v1::AppendRequest payment = Req(R"(payment_recorded {
      transaction_id: "T-1" payment_status: PAYMENT_STATUS_PAID
      paid_amount { currency_code: "CNY" units: 1000 }
      invoice_no: "发票-2025-001" })");
  RejectEach(payment, "payment_recorded.", payment_cases);
  // Control: the transaction, its payment, and a transaction of amount zero.
  AppendOk(transaction);
  AppendOk(payment);
  AppendOk(Req(R"(transaction_recorded {
      transaction_id: "T-0" date { year: 2024 month: 2 day: 29 }
      amount { currency_code: "CNY" } })"));
}

TEST_F(PayloadValidationTest, OpportunitiesRejectBadValues) {
  const std::vector<Case> cases = {
      {"no id", [](R r) { Opp(r)->clear_opportunity_id(); }, "opportunity_id",
       "is required"},
      {"no title", [](R r) { Opp(r)->clear_title(); }, "title", "is required"},
      {"RMB", [](R r) { *Opp(r)->mutable_expected_amount() = M(1, 0, "RMB"); },
       "expected_amount.currency_code", "\"RMB\" is not an ISO 4217"},
      {"close", [](R r) { *Opp(r)->mutable_expected_close() = D(2027, 2, 29); },
       "expected_close", "2027-02-29 is not a valid date"},
      {"stage", [](R r) { Opp(r)->set_stage(Bad<v1::OpportunityStage>(9)); },
       "stage", "9 is not a known value"},
      {"LOST", [](R r) { Opp(r)->set_stage(v1::OPPORTUNITY_STAGE_LOST); },
       "stage", "opens in an open stage"},
  };
  const v1::AppendRequest good = Req(R"(opportunity_opened {
      opportunity_id: "O-1" title: "年度框架采购"
      expected_amount { currency_code: "CNY" units: 200000 }
      expected_close { year: 2027 month: 6 day: 30 }
      stage: OPPORTUNITY_STAGE_QUOTATION })");
  RejectEach(good, "opportunity_opened.", cases);
  const std::vector<Case> change_cases = {
      {"no id", [](R r) { Stage(r)->clear_opportunity_id(); }, "opportunity_id",
       "is required"},
      {"no stage", [](R r) { Stage(r)->clear_stage(); }, "stage",
       "is required"},
      {"stage", [](R r) { Stage(r)->set_stage(Bad<v1::OpportunityStage>(12)); },
       "stage", "12 is not a known value"},
      {"LOST", [](R r) { Stage(r)->set_stage(v1::OPPORTUNITY_STAGE_LOST); },
       "lost_reason", "is required for LOST"},
      {"reason", [](R r) { Stage(r)->set_lost_reason("价格"); }, "lost_reason",
       "is only for stage LOST"},
      {"amount", [](R r) { *Stage(r)->mutable_expected_amount() = M(1, -2); },
       "expected_amount", "units=1 nanos=-2 is negative"},
      {"close",
       [](R r) { *Stage(r)->mutable_expected_close() = D(2027, 13, 1); },
       "expected_close", "2027-13-01 is not a valid date"},
  };
  const v1::AppendRequest change = Req(R"(opportunity_stage_changed {
      opportunity_id: "O-1" stage: OPPORTUNITY_STAGE_NEGOTIATION
      expected_amount { currency_code: "CNY" units: 180000 }
      expected_close { year: 2027 month: 9 day: 30 } })");
  RejectEach(change, "opportunity_stage_changed.", change_cases);
  // Control: open, negotiate with new expectations, lose with a reason.
  AppendOk(good);
  AppendOk(change);
  AppendOk(Req(R"(opportunity_stage_changed {
      opportunity_id: "O-1" stage: OPPORTUNITY_STAGE_LOST
      lost_reason: "价格高于竞争对手" })"));
}

TEST_F(PayloadValidationTest, ServiceCasesAndRevisitsRejectBadValues) {
  const std::vector<Case> open_cases = {
      {"no id", [](R r) { Sco(r)->clear_case_id(); }, "case_id", "is required"},
      {"no kind", [](R r) { Sco(r)->clear_kind(); }, "kind", "is required"},
      {"kind", [](R r) { Sco(r)->set_kind(Bad<v1::ServiceCaseKind>(7)); },
       "kind", "7 is not a known value"},
      {"subject", [](R r) { Sco(r)->clear_subject(); }, "subject",
       "is required"},
  };
  const std::vector<Case> update_cases = {
      {"no id", [](R r) { Scu(r)->clear_case_id(); }, "case_id", "is required"},
      {"no status", [](R r) { Scu(r)->clear_status(); }, "status",
       "is required"},
      {"status", [](R r) { Scu(r)->set_status(Bad<v1::ServiceCaseStatus>(5)); },
       "status", "5 is not a known value"},
  };
  const std::vector<Case> revisit_cases = {
      {"long id", [](R r) { Rv(r)->set_case_id(std::string(65, 's')); },
       "case_id", "is 65 bytes"},
      {"channel", [](R r) { Rv(r)->set_channel(Bad<v1::ContactChannel>(9)); },
       "channel", "9 is not a known value"},
      {"no score", [](R r) { Rv(r)->clear_satisfaction(); }, "satisfaction",
       "0 is not a score from 1"},
      {"score 6", [](R r) { Rv(r)->set_satisfaction(6); }, "satisfaction",
       "6 is not a score from 1"},
  };
  const v1::AppendRequest opened = Req(R"(service_case_opened {
      case_id: "S-1" kind: SERVICE_CASE_KIND_COMPLAINT
      subject: "空调不制冷" })");
  const v1::AppendRequest updated = Req(R"(service_case_updated {
      case_id: "S-1" status: SERVICE_CASE_STATUS_IN_PROGRESS
      handled_by: "张工" })");
  const v1::AppendRequest revisit = Req(R"(revisit_logged {
      case_id: "S-1" channel: CONTACT_CHANNEL_PHONE satisfaction: 5
      feedback: "师傅很专业" })");
  RejectEach(opened, "service_case_opened.", open_cases);
  RejectEach(updated, "service_case_updated.", update_cases);
  RejectEach(revisit, "revisit_logged.", revisit_cases);
  // Control: open, work on and resolve the case, revisit it; then a revisit
  // after a sale (no case, no channel) with the lowest score.
  AppendOk(opened);
  AppendOk(updated);
  AppendOk(Req(R"(service_case_updated {
      case_id: "S-1" status: SERVICE_CASE_STATUS_RESOLVED
      resolution: "更换压缩机" })"));
  AppendOk(revisit);
  AppendOk(Req(R"(revisit_logged { satisfaction: 1 })"));
}

TEST_F(PayloadValidationTest, MaintenancePlanRejectsBadValues) {
  const std::vector<Case> cases = {
      {"interval",
       [](R r) {
         P(r)->mutable_maintenance_plan_set()->set_visit_interval_days(3661);
       },
       "visit_interval_days", "3661 is more than ten years"},
      {"weekday",
       [](R r) { P(r)->mutable_maintenance_plan_set()->set_visit_weekday(8); },
       "visit_weekday", "8 is not 0 (any) or 1 (Monday)..7"},
      {"no occasion", [](R r) { Greet(r, 0)->clear_occasion(); },
       "greetings[0].occasion", "is required"},
      {"occasion",
       [](R r) { Greet(r, 1)->set_occasion(Bad<v1::GreetingOccasion>(5)); },
       "greetings[1].occasion", "5 is not a known value"},
      // The message shows a yearly date's missing year as 2000.
      {"yearly", [](R r) { *Greet(r, 0)->mutable_date() = D(0, 2, 30); },
       "greetings[0].date", "month 2 day 30 is not a day of the year"},
      {"dated", [](R r) { *Greet(r, 1)->mutable_date() = D(2025, 13, 1); },
       "greetings[1].date", "month 13 day 1 is not a day of the year"},
  };
  const v1::AppendRequest good = Req(R"(maintenance_plan_set {
      visit_interval_days: 30 visit_route: "鼓楼—玄武线" visit_weekday: 3
      greetings { occasion: GREETING_OCCASION_BIRTHDAY person: "王总"
                  date { month: 3 day: 8 } }
      greetings { occasion: GREETING_OCCASION_FESTIVAL note: "春节"
                  date { year: 2026 month: 2 day: 17 } } })");
  RejectEach(good, "maintenance_plan_set.", cases);
  // Control, also at the limits: ten years, Sunday, a leap day every year.
  AppendOk(good);
  AppendOk(Req(R"(maintenance_plan_set {
      visit_interval_days: 3660 visit_weekday: 7
      greetings { occasion: GREETING_OCCASION_FOUNDING_ANNIVERSARY
                  date { month: 2 day: 29 } } })"));
}

TEST_F(PayloadValidationTest, MemberCardsRejectBadValues) {
  auto valid = [](R r, const v1::Date& from, const v1::Date& until) {
    *Card(r)->mutable_valid_from() = from;
    *Card(r)->mutable_valid_until() = until;
  };
  const std::vector<Case> cases = {
      {"no card", [](R r) { Card(r)->clear_card_no(); }, "card_no",
       "is required"},
      {"no tier", [](R r) { Card(r)->clear_tier(); }, "tier", "is required"},
      {"tier", [](R r) { Card(r)->set_tier(Bad<v1::MemberTier>(6)); }, "tier",
       "6 is not a known value"},
      {"no from", [](R r) { Card(r)->clear_valid_from(); }, "valid_from",
       "is required"},
      {"until", [=](R r) { valid(r, D(2026, 1, 1), D(2027, 2, 29)); },
       "valid_until", "2027-02-29 is not a valid date"},
      {"one day", [=](R r) { valid(r, D(2026, 1, 1), D(2026, 1, 1)); },
       "valid_until", "2026-01-01 is not after valid_from 2026-01-01"},
      {"backwards", [=](R r) { valid(r, D(2026, 1, 1), D(2025, 12, 31)); },
       "valid_until", "2025-12-31 is not after valid_from 2026-01-01"},
  };
  v1::AppendRequest issued = Req(
      R"(member_card_issued { card_no: "VIP-0001" tier: MEMBER_TIER_GOLD })");
  valid(issued, FromToday(-10), FromToday(355));
  RejectEach(issued, "member_card_issued.", cases);
  const std::vector<Case> change_cases = {
      {"no card",
       [](R r) { P(r)->mutable_member_card_changed()->clear_card_no(); },
       "card_no", "is required"},
      {"no action", [](R r) { Chg(r, v1::MEMBER_CARD_ACTION_UNSPECIFIED); },
       "action", "is required"},
      {"action", [](R r) { Chg(r, Bad<v1::MemberCardAction>(8)); }, "action",
       "8 is not a known value"},
      {"renew", [](R r) { Chg(r, v1::MEMBER_CARD_ACTION_RENEW); },
       "valid_until", "is required"},
      {"renew to the past",
       [](R r) {
         *Chg(r, v1::MEMBER_CARD_ACTION_RENEW)->mutable_valid_until() =
             FromToday(-30);
       },
       "valid_until", "has already passed"},
      {"upgrade",
       [](R r) { Chg(r, v1::MEMBER_CARD_ACTION_UPGRADE)->clear_tier(); },
       "tier", "is required"},
      {"downgrade",
       [](R r) {
         Chg(r, v1::MEMBER_CARD_ACTION_DOWNGRADE)
             ->set_tier(Bad<v1::MemberTier>(7));
       },
       "tier", "7 is not a known value"},
      {"reissue", [](R r) { Chg(r, v1::MEMBER_CARD_ACTION_REISSUE); },
       "new_card_no", "is required"},
      {"same no",
       [](R r) {
         Chg(r, v1::MEMBER_CARD_ACTION_REISSUE)->set_new_card_no("VIP-0001");
       },
       "new_card_no", "must differ from card_no"},
  };
  v1::AppendRequest changed = Req(R"(member_card_changed {
      card_no: "VIP-0001" action: MEMBER_CARD_ACTION_UPGRADE
      tier: MEMBER_TIER_DIAMOND })");
  RejectEach(changed, "member_card_changed.", change_cases);
  // Control: issue, upgrade, renew, report lost, reissue.
  AppendOk(issued);
  AppendOk(changed);
  *Chg(changed, v1::MEMBER_CARD_ACTION_RENEW)->mutable_valid_until() =
      FromToday(720);
  AppendOk(changed);
  Chg(changed, v1::MEMBER_CARD_ACTION_REPORT_LOST);
  AppendOk(changed);
  Chg(changed, v1::MEMBER_CARD_ACTION_REISSUE)->set_new_card_no("VIP-0002");
  AppendOk(changed);
}

}  // namespace
}  // namespace ledger::testing::validation
