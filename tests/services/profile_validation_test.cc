// Stateless validation of the profile fields, key people and contact
// participants of appended events, and the refusal of retired revisions:
// INVALID_ARGUMENT naming the full field path and the value, nothing
// appended, good values accepted (Chinese text included).

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/services/payload_validation_fixture.h"

namespace ledger::testing::validation {
namespace {

TEST_F(PayloadValidationTest, ProfileFieldsRejectBadValues) {
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

TEST_F(PayloadValidationTest, ProfileFieldsAcceptValidValues) {
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

TEST_F(PayloadValidationTest, KeyPeopleRejectBadValues) {
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

TEST_F(PayloadValidationTest, ContactParticipantsRejectBadValues) {
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

TEST_F(PayloadValidationTest, ContactLoggedV1IsRefused) {
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

}  // namespace
}  // namespace ledger::testing::validation
