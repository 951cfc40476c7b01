// Stateless validation of the record events (key people, contacts with
// participants, transactions, opportunities, service cases, maintenance
// plans, member cards) and of the newer profile fields, over the real
// server: a bad value is refused with INVALID_ARGUMENT naming the full field
// path and the value, nothing is appended, and good values are accepted.
// Credit codes and ID numbers used as valid were computed with the check
// algorithms of services/internal/field_checks.cc.

#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "ledger/v1/ledger.grpc.pb.h"
#include "tests/services/service_test_util.h"

namespace ledger::testing {
namespace {

namespace v1 = ::ledger::v1;
using ::testing::AllOf;
using ::testing::HasSubstr;
using Code = ::grpc::StatusCode;
using R = v1::AppendRequest&;

constexpr v1::IdDocumentType kResident = v1::ID_DOCUMENT_TYPE_RESIDENT_ID;

// One bad value: `mutate` breaks a well-formed request; the refusal must
// name "events[0].payload.<prefix><field>" and contain `value`.
struct Case {
  std::string name;
  std::function<void(R)> mutate;
  std::string field;
  std::string value;
};

// A value outside the enum.
template <typename Enum>
Enum Bad(int value) {
  return static_cast<Enum>(value);
}

// An append of one event to "existing" with `payload` (text format).
v1::AppendRequest Req(absl::string_view payload) {
  v1::AppendRequest request;
  request.set_customer_id("existing");
  request.mutable_metadata()->set_actor("tester");
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(
      std::string(payload), request.add_events()->mutable_payload()))
      << payload;
  return request;
}

v1::Date D(int year, int month, int day) {
  v1::Date date;
  date.set_year(year);
  date.set_month(month);
  date.set_day(day);
  return date;
}

// `days` after the server's "today", the UTC calendar day of now + 14h.
v1::Date FromToday(int days) {
  const absl::CivilDay day =
      absl::ToCivilDay(absl::Now() + absl::Hours(14), absl::UTCTimeZone()) +
      days;
  return D(static_cast<int>(day.year()), day.month(), day.day());
}

std::string Future(const v1::Date& d) {
  return absl::StrFormat("%d-%02d-%02d is in the future", d.year(), d.month(),
                         d.day());
}

v1::Money M(int64_t units, int32_t nanos = 0, const std::string& code = "CNY") {
  v1::Money money;
  money.set_currency_code(code);
  money.set_units(units);
  money.set_nanos(nanos);
  return money;
}

// The event of a one-event request, by type.
v1::EventPayload* P(R r) { return r.mutable_events(0)->mutable_payload(); }
auto* Pf(R r) { return P(r)->mutable_profile_updated()->mutable_profile(); }
auto* Kp(R r) { return P(r)->mutable_key_person_saved()->mutable_person(); }
auto* Contact(R r) { return P(r)->mutable_contact_logged(); }
auto* Tx(R r) { return P(r)->mutable_transaction_recorded(); }
auto* Pay(R r) { return P(r)->mutable_payment_recorded(); }
auto* Opp(R r) { return P(r)->mutable_opportunity_opened(); }
auto* Stage(R r) { return P(r)->mutable_opportunity_stage_changed(); }
auto* Sco(R r) { return P(r)->mutable_service_case_opened(); }
auto* Scu(R r) { return P(r)->mutable_service_case_updated(); }
auto* Rv(R r) { return P(r)->mutable_revisit_logged(); }
auto* Greet(R r, int i) {
  return P(r)->mutable_maintenance_plan_set()->mutable_greetings(i);
}
auto* Card(R r) { return P(r)->mutable_member_card_issued(); }
auto* Chg(R r, v1::MemberCardAction action) {
  P(r)->mutable_member_card_changed()->set_action(action);
  return P(r)->mutable_member_card_changed();
}
void Id(R r, v1::IdDocumentType type, const std::string& number) {
  Pf(r)->mutable_id_document()->set_type(type);
  Pf(r)->mutable_id_document()->set_number(number);
}

class RecordValidationTest : public LedgerTestBase {
 protected:
  void SetUp() override {
    LedgerTestBase::SetUp();
    AppendOk(RegisterRequest("existing"));  // at version 1
  }

  // Appends `request`, expecting it to be refused with nothing appended;
  // returns the status for the caller to check code and message.
  grpc::Status Reject(const v1::AppendRequest& request) {
    const v1::GetInfoResponse before = Info();
    const grpc::Status status = Append(request);
    const v1::GetInfoResponse after = Info();
    EXPECT_FALSE(status.ok()) << "accepted: " << request.DebugString();
    EXPECT_EQ(after.head_position(), before.head_position())
        << "a refused append changed the log";
    EXPECT_EQ(after.head_hash(), before.head_hash());
    EXPECT_EQ(after.committed_events(), before.committed_events());
    return status;
  }

  // Breaks a copy of `good` with each case and expects the refusal.
  void RejectEach(const v1::AppendRequest& good, const std::string& prefix,
                  const std::vector<Case>& cases) {
    for (const Case& c : cases) {
      SCOPED_TRACE(c.name);
      v1::AppendRequest request = good;
      c.mutate(request);
      const std::string path = "events[0].payload." + prefix + c.field + ": ";
      EXPECT_THAT(Reject(request),
                  GrpcStatusIs(Code::INVALID_ARGUMENT,
                               AllOf(HasSubstr(path), HasSubstr(c.value))));
    }
  }
};

TEST_F(RecordValidationTest, ProfileFieldsRejectBadValues) {
  const v1::Date future = FromToday(2);
  const std::vector<Case> cases = {
      {"gender", [](R r) { Pf(r)->set_gender(Bad<v1::Gender>(9)); }, "gender",
       "9 is not a known value"},
      {"birthday", [](R r) { *Pf(r)->mutable_birthday() = D(2023, 2, 29); },
       "birthday", "2023-02-29 is not a valid date"},
      {"born later", [=](R r) { *Pf(r)->mutable_birthday() = future; },
       "birthday", Future(future)},
      {"id type", [](R r) { Id(r, Bad<v1::IdDocumentType>(9), "E1"); },
       "id_document.type", "9 is not a known value"},
      {"no number", [](R r) { Id(r, v1::ID_DOCUMENT_TYPE_PASSPORT, ""); },
       "id_document.number", "is required when id_document.type is set"},
      {"no type", [](R r) { Id(r, v1::ID_DOCUMENT_TYPE_UNSPECIFIED, "E1"); },
       "id_document.type", "is required when id_document.number is set"},
      {"id check", [](R r) { Id(r, kResident, "110105194912310021"); },
       "id_document.number", "\"110105194912310021\" has check character '1'"},
      {"id born later", [](R r) { Id(r, kResident, "110105209901010012"); },
       "id_document.number", "\"110105209901010012\" has birth date 2099-01"},
      {"social",
       [](R r) {
         Pf(r)->add_social_accounts()->set_platform("wechat");
         Pf(r)->mutable_social_accounts(0)->set_handle("wx_zhang");
         Pf(r)->add_social_accounts()->set_platform("weibo");
       },
       "social_accounts[1]", "needs both platform"},
      {"channel",
       [](R r) { Pf(r)->set_preferred_channel(Bad<v1::ContactChannel>(42)); },
       "preferred_channel", "42 is not a known value"},
      {"uscc check", [](R r) { Pf(r)->set_credit_code("91350100M000100Y44"); },
       "credit_code", "\"91350100M000100Y44\" has check character '4'"},
      {"founded", [=](R r) { *Pf(r)->mutable_founded_on() = future; },
       "founded_on", Future(future)},
      {"form",
       [](R r) { Pf(r)->set_organization_form(Bad<v1::OrganizationForm>(10)); },
       "organization_form", "10 is not a known value"},
      {"model",
       [](R r) { Pf(r)->set_business_model(Bad<v1::BusinessModel>(9)); },
       "business_model", "9 is not a known value"},
      {"rating",
       [](R r) { Pf(r)->set_credit_rating(Bad<v1::CreditRating>(6)); },
       "credit_rating", "6 is not a known value"},
      {"RMB",
       [](R r) { *Pf(r)->mutable_registered_capital() = M(5, 0, "RMB"); },
       "registered_capital.currency_code", "\"RMB\" is not an ISO 4217"},
      {"capital", [](R r) { *Pf(r)->mutable_registered_capital() = M(-5); },
       "registered_capital", "units=-5 nanos=0 is negative"},
  };
  const v1::AppendRequest good = Req(R"(profile_updated {
      profile { credit_code: "91110000600037341L" }
      update_mask { paths: "credit_code" } })");
  RejectEach(good, "profile_updated.profile.", cases);
  // The same checks apply to the profile of a registration.
  const std::vector<Case> registration = {
      {"uscc",
       [](R r) {
         auto* registered = P(r)->mutable_customer_registered();
         registered->mutable_profile()->set_credit_code("91110000600037341M");
       },
       "credit_code", "\"91110000600037341M\" has check character 'M'"}};
  RejectEach(RegisterRequest("new"), "customer_registered.profile.",
             registration);
  AppendOk(good);  // control
}

TEST_F(RecordValidationTest, ProfileFieldsAcceptValidValues) {
  v1::AppendRequest person = Req(R"(customer_registered {
      kind: CUSTOMER_KIND_INDIVIDUAL
      profile { name: "张伟" gender: GENDER_MALE
        birthday { year: 1988 month: 8 day: 8 }
        id_document { type: ID_DOCUMENT_TYPE_RESIDENT_ID
                      number: "320102198808081237" }
        social_accounts { platform: "wechat" handle: "张伟_南京" }
        preferred_channel: CONTACT_CHANNEL_WECHAT
        address { street: "南京市玄武区中山路 18 号" postcode: "210000" }
      } })");
  person.set_customer_id("p1");
  AppendOk(person);
  v1::AppendRequest org = Req(R"(customer_registered {
      kind: CUSTOMER_KIND_ORGANIZATION
      profile { name: "南京示例科技有限公司" credit_code: "91350100M000100Y43"
        founded_on { year: 2008 month: 5 day: 12 }
        organization_form: ORGANIZATION_FORM_PRIVATE
        business_model: BUSINESS_MODEL_WHOLESALE_AND_RETAIL
        credit_rating: CREDIT_RATING_AA
        registered_capital { currency_code: "CNY" units: 5000000 }
        bank_account { bank_name: "中国工商银行南京分行" } } })");
  org.set_customer_id("o1");
  AppendOk(org);
  // At the limits: founded today (the latest day anywhere), a credit code
  // whose check value 31 is written '0', the largest nanos; a passport
  // number is not checked.
  v1::AppendRequest update = Req(R"(profile_updated {
      profile { credit_code: "914403007152672630"
        id_document { type: ID_DOCUMENT_TYPE_PASSPORT number: "E12345678" } }
      update_mask { paths: "credit_code" } })");
  *Pf(update)->mutable_founded_on() = FromToday(0);
  *Pf(update)->mutable_registered_capital() = M(0, 999999999, "USD");
  AppendOk(update);
  const std::vector<v1::Event> events = StreamEvents("p1");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(
      events[0].payload().customer_registered().profile().address().street(),
      "南京市玄武区中山路 18 号");
}

TEST_F(RecordValidationTest, KeyPeopleRejectBadValues) {
  const v1::Date future = FromToday(2);
  std::string long_name;
  for (int i = 0; i < 67; ++i) long_name += "王";  // 201 bytes
  const std::vector<Case> cases = {
      {"no id", [](R r) { Kp(r)->clear_person_id(); }, "person_id",
       "is required"},
      {"control", [](R r) { Kp(r)->set_person_id("kp\a1"); }, "person_id",
       "U+0007 at byte offset 2"},
      {"no name", [](R r) { Kp(r)->clear_name(); }, "name", "is required"},
      {"long name", [=](R r) { Kp(r)->set_name(long_name); }, "name",
       "is 201 bytes; at most 200"},
      {"born later", [=](R r) { *Kp(r)->mutable_birthday() = future; },
       "birthday", Future(future)},
      {"phone", [](R r) { Kp(r)->add_phones("12ab"); }, "phones[1]",
       "\"12ab\""},
      {"email", [](R r) { Kp(r)->add_emails("wang@"); }, "emails[1]",
       "\"wang@\""},
      {"role", [](R r) { Kp(r)->set_buying_role(Bad<v1::ContactRole>(8)); },
       "buying_role", "8 is not a known value"},
      {"attitude", [](R r) { Kp(r)->set_attitude(Bad<v1::Attitude>(6)); },
       "attitude", "6 is not a known value"},
  };
  v1::AppendRequest good = Req(R"(key_person_saved { person {
      person_id: "kp-1" name: "王总" title: "总经理"
      phones: "+86 138 0013 8000" emails: "王总@例子.中国"
      buying_role: CONTACT_ROLE_DECISION_MAKER attitude: ATTITUDE_CHAMPION
      } })");
  RejectEach(good, "key_person_saved.person.", cases);
  v1::AppendRequest removed =
      Req(R"(key_person_removed { person_id: "kp-1" })");
  const std::vector<Case> removal = {
      {"no id",
       [](R r) { P(r)->mutable_key_person_removed()->clear_person_id(); },
       "person_id", "is required"}};
  RejectEach(removed, "key_person_removed.", removal);
  // Control: the key person, born today (the latest day anywhere); then its
  // removal.
  *Kp(good)->mutable_birthday() = FromToday(0);
  AppendOk(good);
  AppendOk(removed);
  const std::vector<v1::Event> events = StreamEvents("existing");
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[1].payload().key_person_saved().person().title(), "总经理");
}

TEST_F(RecordValidationTest, ContactParticipantsRejectBadValues) {
  const std::vector<Case> cases = {
      {"nameless",
       [](R r) { Contact(r)->add_participants()->set_title("采购"); },
       "participants[1]", "needs a name or a key_person_id"},
      {"role",
       [](R r) {
         Contact(r)->mutable_participants(0)->set_role(
             Bad<v1::ContactRole>(42));
       },
       "participants[0].role", "42 is not a known value"},
      {"duration", [](R r) { Contact(r)->set_duration_minutes(1441); },
       "duration_minutes", "1441 is more than a day"},
  };
  v1::AppendRequest good = Req(R"(contact_logged {
      channel: CONTACT_CHANNEL_VISIT content: "讨论二季度订单"
      participants { name: "李经理" role: CONTACT_ROLE_USER } })");
  RejectEach(good, "contact_logged.", cases);
  // Control: a participant known by key person id only; a whole day.
  AppendOk(
      Req(R"(key_person_saved { person { person_id: "kp-2" name: "赵工" } })"));
  Contact(good)->add_participants()->set_key_person_id("kp-2");
  Contact(good)->set_duration_minutes(1440);
  AppendOk(good);
}

TEST_F(RecordValidationTest, ContactLoggedV1IsRefused) {
  const v1::AppendRequest old = Req(R"(contact_logged_v1 {
      channel: CONTACT_CHANNEL_VISIT contact_person: "刘总"
      content: "well-formed, but revision 1" })");
  EXPECT_THAT(
      Reject(old),
      GrpcStatusIs(Code::INVALID_ARGUMENT,
                   AllOf(HasSubstr("events[0].payload.contact_logged_v1: "),
                         HasSubstr("revision 1 of ContactLogged"),
                         HasSubstr("send contact_logged"))));
  // Also after a good event, which is then not appended either.
  v1::AppendRequest both = ContactRequest("existing");
  *both.add_events() = old.events(0);
  EXPECT_THAT(
      Reject(both),
      GrpcStatusIs(Code::INVALID_ARGUMENT,
                   AllOf(HasSubstr("events[1].payload.contact_logged_v1"),
                         HasSubstr("send contact_logged"))));
}

TEST_F(RecordValidationTest, TransactionsAndPaymentsRejectBadValues) {
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

TEST_F(RecordValidationTest, OpportunitiesRejectBadValues) {
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

TEST_F(RecordValidationTest, ServiceCasesAndRevisitsRejectBadValues) {
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

TEST_F(RecordValidationTest, MaintenancePlanRejectsBadValues) {
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

TEST_F(RecordValidationTest, MemberCardsRejectBadValues) {
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
}  // namespace ledger::testing
