// Unit tests of the record folds (projections/customer_records.h): the
// state machines of transactions, opportunities, service cases and member
// cards, the profile summaries they keep, and their refusals.

#include "projections/customer_records.h"

#include <string>

#include "gmock/gmock.h"
#include "google/protobuf/util/time_util.h"
#include "gtest/gtest.h"
#include "ledger/v1/customer.pb.h"
#include "ledger/v1/ledger.pb.h"
#include "projections/customer_fold.h"
#include "projections/money.h"

namespace ledger::projections {
namespace {

namespace v1 = ::ledger::v1;
using google::protobuf::util::TimeUtil;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr int64_t kT0 = 1767225600;  // 2026-01-01

v1::Money Cny(int64_t units, int32_t nanos = 0,
              const std::string& currency = "CNY") {
  v1::Money m;
  m.set_currency_code(currency);
  m.set_units(units);
  m.set_nanos(nanos);
  return m;
}

v1::Date Day(int y, int m, int d) {
  v1::Date date;
  date.set_year(y);
  date.set_month(m);
  date.set_day(d);
  return date;
}

// Folds events of one customer the way the projector does: key-people
// check, records, then the profile.
class RecordsTest : public ::testing::Test {
 protected:
  absl::Status Apply(const v1::EventPayload& payload) {
    v1::Event event;
    event.set_customer_id("c-1");
    event.set_version(++version_);
    event.set_position(version_ * 10);
    *event.mutable_payload() = payload;
    event.mutable_metadata()->set_actor("alice");
    event.mutable_metadata()->set_reason("why not");
    *event.mutable_metadata()->mutable_occurred_at() =
        TimeUtil::SecondsToTimestamp(kT0 + static_cast<int64_t>(version_));
    absl::Status status = CheckKeyPeople(event, profile_);
    if (status.ok()) status = FoldRecords(event, records_, &profile_);
    if (status.ok()) FoldIntoProfile(event, &profile_);
    return status;
  }

  template <typename Record>
  Record Load(RecordKind kind, const std::string& id) {
    std::string bytes;
    EXPECT_TRUE(records_.Get(kind, id, &bytes).ok()) << id;
    Record record;
    EXPECT_TRUE(record.ParseFromString(bytes));
    return record;
  }

  static v1::EventPayload Transaction(const std::string& id,
                                      const v1::Money& amount,
                                      const v1::Date& date) {
    v1::EventPayload p;
    auto* t = p.mutable_transaction_recorded();
    t->set_transaction_id(id);
    *t->mutable_amount() = amount;
    *t->mutable_date() = date;
    return p;
  }

  static v1::EventPayload Payment(const std::string& id,
                                  v1::PaymentStatus status,
                                  const v1::Money* paid) {
    v1::EventPayload p;
    auto* pay = p.mutable_payment_recorded();
    pay->set_transaction_id(id);
    pay->set_payment_status(status);
    if (paid != nullptr) *pay->mutable_paid_amount() = *paid;
    return p;
  }

  static v1::EventPayload Stage(const std::string& id, v1::OpportunityStage s,
                                const std::string& lost_reason = "") {
    v1::EventPayload p;
    auto* c = p.mutable_opportunity_stage_changed();
    c->set_opportunity_id(id);
    c->set_stage(s);
    c->set_lost_reason(lost_reason);
    return p;
  }

  static v1::EventPayload CaseStatus(const std::string& id,
                                     v1::ServiceCaseStatus s) {
    v1::EventPayload p;
    p.mutable_service_case_updated()->set_case_id(id);
    p.mutable_service_case_updated()->set_status(s);
    return p;
  }

  static v1::EventPayload Card(const std::string& card_no,
                               v1::MemberCardAction action) {
    v1::EventPayload p;
    p.mutable_member_card_changed()->set_card_no(card_no);
    p.mutable_member_card_changed()->set_action(action);
    return p;
  }

  MemoryRecordStore records_;
  v1::CustomerProfile profile_;
  uint64_t version_ = 0;
};

TEST_F(RecordsTest, TransactionsKeepTotalsPerCurrencyAndDates) {
  ASSERT_TRUE(
      Apply(Transaction("T1", Cny(100, 500000000), Day(2026, 3, 1))).ok());
  ASSERT_TRUE(
      Apply(Transaction("T2", Cny(0, 600000000), Day(2025, 12, 31))).ok());
  ASSERT_TRUE(Apply(Transaction("T3", Cny(7, 0, "USD"), Day(2026, 2, 1))).ok());
  EXPECT_EQ(profile_.transaction_count(), 3u);
  EXPECT_EQ(profile_.first_transaction_on().year(), 2025);
  EXPECT_EQ(profile_.last_transaction_on().month(), 3);
  ASSERT_EQ(profile_.total_amounts_size(), 2);
  EXPECT_EQ(FormatMoney(profile_.total_amounts(0)), "101.10 CNY");
  EXPECT_EQ(FormatMoney(profile_.total_amounts(1)), "7.00 USD");
  const auto t = Load<v1::Transaction>(RecordKind::kTransaction, "T1");
  EXPECT_EQ(t.details().payment_status(), v1::PAYMENT_STATUS_UNPAID);
  EXPECT_EQ(t.position(), 10u);
}

TEST_F(RecordsTest, TransactionIdIsUniqueWithinTheCustomer) {
  ASSERT_TRUE(Apply(Transaction("T1", Cny(1), Day(2026, 1, 1))).ok());
  const absl::Status again = Apply(Transaction("T1", Cny(2), Day(2026, 1, 2)));
  EXPECT_TRUE(absl::IsFailedPrecondition(again)) << again;
  EXPECT_THAT(again.message(), HasSubstr("\"T1\" was already recorded"));
  EXPECT_EQ(profile_.transaction_count(), 1u);
}

TEST_F(RecordsTest, PaymentsCheckAmountCurrencyAndRefundLeavesTotals) {
  ASSERT_TRUE(Apply(Transaction("T1", Cny(100), Day(2026, 1, 1))).ok());
  const v1::Money too_much = Cny(101);
  absl::Status s = Apply(Payment("T1", v1::PAYMENT_STATUS_PAID, &too_much));
  EXPECT_TRUE(absl::IsFailedPrecondition(s));
  EXPECT_THAT(s.message(), HasSubstr("101.00 CNY is more than the transaction "
                                     "amount 100.00 CNY"));
  const v1::Money dollars = Cny(5, 0, "USD");
  s = Apply(Payment("T1", v1::PAYMENT_STATUS_PARTIALLY_PAID, &dollars));
  EXPECT_THAT(s.message(), HasSubstr("currency USD differs"));
  s = Apply(Payment("T9", v1::PAYMENT_STATUS_PAID, nullptr));
  EXPECT_THAT(s.message(), HasSubstr("\"T9\" is not a transaction"));

  const v1::Money half = Cny(50);
  ASSERT_TRUE(
      Apply(Payment("T1", v1::PAYMENT_STATUS_PARTIALLY_PAID, &half)).ok());
  ASSERT_TRUE(Apply(Payment("T1", v1::PAYMENT_STATUS_REFUNDED, nullptr)).ok());
  EXPECT_EQ(profile_.total_amounts_size(), 0) << "a refund leaves the totals";
  s = Apply(Payment("T1", v1::PAYMENT_STATUS_PAID, nullptr));
  EXPECT_THAT(s.message(), HasSubstr("is refunded"));
  const auto t = Load<v1::Transaction>(RecordKind::kTransaction, "T1");
  EXPECT_EQ(t.details().payment_status(), v1::PAYMENT_STATUS_REFUNDED);
  ASSERT_EQ(t.payments_size(), 2);
  EXPECT_EQ(t.payments(0).paid_amount().units(), 50);
}

TEST_F(RecordsTest, OpportunityStagesUntilClosedAndCountsOpenOnes) {
  v1::EventPayload open;
  open.mutable_opportunity_opened()->set_opportunity_id("O1");
  open.mutable_opportunity_opened()->set_title("ERP upgrade");
  profile_.set_owner_id("sales-wang");
  ASSERT_TRUE(Apply(open).ok());
  EXPECT_EQ(profile_.open_opportunity_count(), 1u);
  ASSERT_TRUE(Apply(Stage("O1", v1::OPPORTUNITY_STAGE_QUOTATION)).ok());
  absl::Status s = Apply(Stage("O1", v1::OPPORTUNITY_STAGE_QUOTATION));
  EXPECT_THAT(s.message(), HasSubstr("already in OPPORTUNITY_STAGE_QUOTATION"));
  ASSERT_TRUE(
      Apply(Stage("O1", v1::OPPORTUNITY_STAGE_LOST, "price too high")).ok());
  EXPECT_EQ(profile_.open_opportunity_count(), 0u);
  s = Apply(Stage("O1", v1::OPPORTUNITY_STAGE_NEGOTIATION));
  EXPECT_TRUE(absl::IsFailedPrecondition(s));
  EXPECT_THAT(s.message(), HasSubstr("is closed (OPPORTUNITY_STAGE_LOST"));
  EXPECT_TRUE(absl::IsFailedPrecondition(Apply(open))) << "id reused";

  const auto o = Load<v1::Opportunity>(RecordKind::kOpportunity, "O1");
  EXPECT_TRUE(o.closed());
  EXPECT_EQ(o.lost_reason(), "price too high");
  EXPECT_EQ(o.details().owner_id(), "sales-wang") << "defaults to the owner";
  std::vector<int> stages;
  for (const auto& c : o.history()) stages.push_back(c.stage());
  EXPECT_THAT(stages, ElementsAre(v1::OPPORTUNITY_STAGE_FIRST_CONTACT,
                                  v1::OPPORTUNITY_STAGE_QUOTATION,
                                  v1::OPPORTUNITY_STAGE_LOST));
}

TEST_F(RecordsTest, ServiceCaseTransitionsReopenAndCloseForGood) {
  v1::EventPayload open;
  open.mutable_service_case_opened()->set_case_id("S1");
  open.mutable_service_case_opened()->set_kind(v1::SERVICE_CASE_KIND_COMPLAINT);
  open.mutable_service_case_opened()->set_subject("late delivery");
  ASSERT_TRUE(Apply(open).ok());
  EXPECT_EQ(profile_.open_service_case_count(), 1u);
  ASSERT_TRUE(Apply(CaseStatus("S1", v1::SERVICE_CASE_STATUS_RESOLVED)).ok());
  EXPECT_EQ(profile_.open_service_case_count(), 0u);
  ASSERT_TRUE(
      Apply(CaseStatus("S1", v1::SERVICE_CASE_STATUS_IN_PROGRESS)).ok());
  EXPECT_EQ(profile_.open_service_case_count(), 1u) << "reopened";
  absl::Status s = Apply(CaseStatus("S1", v1::SERVICE_CASE_STATUS_OPEN));
  EXPECT_THAT(s.message(),
              HasSubstr("cannot go from SERVICE_CASE_STATUS_IN_PROGRESS to "
                        "SERVICE_CASE_STATUS_OPEN"));
  ASSERT_TRUE(Apply(CaseStatus("S1", v1::SERVICE_CASE_STATUS_CLOSED)).ok());
  s = Apply(CaseStatus("S1", v1::SERVICE_CASE_STATUS_IN_PROGRESS));
  EXPECT_THAT(s.message(), HasSubstr("is closed since"));

  v1::EventPayload revisit;
  revisit.mutable_revisit_logged()->set_case_id("S1");
  revisit.mutable_revisit_logged()->set_satisfaction(4);
  ASSERT_TRUE(Apply(revisit).ok());
  revisit.mutable_revisit_logged()->set_case_id("S2");
  EXPECT_THAT(Apply(revisit).message(), HasSubstr("\"S2\" is not a service"));
  const auto c = Load<v1::ServiceCase>(RecordKind::kServiceCase, "S1");
  EXPECT_THAT(c.satisfaction_scores(), ElementsAre(4u));
  EXPECT_EQ(c.history_size(), 4);
  EXPECT_EQ(c.handled_by(), "alice");
  EXPECT_EQ(profile_.satisfaction_count(), 1u);
  EXPECT_EQ(profile_.satisfaction_sum(), 4u);
}

TEST_F(RecordsTest, MemberCardLifecycle) {
  v1::EventPayload issue;
  auto* i = issue.mutable_member_card_issued();
  i->set_card_no("M1");
  i->set_tier(v1::MEMBER_TIER_SILVER);
  *i->mutable_valid_from() = Day(2026, 1, 1);
  *i->mutable_valid_until() = Day(2026, 12, 31);
  ASSERT_TRUE(Apply(issue).ok());
  EXPECT_EQ(profile_.member_tier(), v1::MEMBER_TIER_SILVER);

  v1::EventPayload renew = Card("M1", v1::MEMBER_CARD_ACTION_RENEW);
  *renew.mutable_member_card_changed()->mutable_valid_until() =
      Day(2026, 6, 30);
  EXPECT_THAT(Apply(renew).message(),
              HasSubstr("2026-06-30 does not extend the card, valid until "
                        "2026-12-31"));
  *renew.mutable_member_card_changed()->mutable_valid_until() =
      Day(2027, 12, 31);
  ASSERT_TRUE(Apply(renew).ok());

  v1::EventPayload down = Card("M1", v1::MEMBER_CARD_ACTION_DOWNGRADE);
  down.mutable_member_card_changed()->set_tier(v1::MEMBER_TIER_GOLD);
  EXPECT_THAT(Apply(down).message(), HasSubstr("is not below"));
  v1::EventPayload up = Card("M1", v1::MEMBER_CARD_ACTION_UPGRADE);
  up.mutable_member_card_changed()->set_tier(v1::MEMBER_TIER_GOLD);
  ASSERT_TRUE(Apply(up).ok());
  EXPECT_EQ(profile_.member_tier(), v1::MEMBER_TIER_GOLD);

  ASSERT_TRUE(Apply(Card("M1", v1::MEMBER_CARD_ACTION_REPORT_LOST)).ok());
  EXPECT_EQ(profile_.member_tier(), v1::MEMBER_TIER_UNSPECIFIED);
  EXPECT_THAT(Apply(renew).message(), HasSubstr("card \"M1\" is "
                                                "MEMBER_CARD_STATUS_LOST"));
  v1::EventPayload reissue = Card("M1", v1::MEMBER_CARD_ACTION_REISSUE);
  reissue.mutable_member_card_changed()->set_new_card_no("M2");
  ASSERT_TRUE(Apply(reissue).ok());
  EXPECT_EQ(profile_.member_tier(), v1::MEMBER_TIER_GOLD);
  EXPECT_EQ(profile_.active_cards().count("M2"), 1u);

  const auto old_card = Load<v1::MemberCard>(RecordKind::kMemberCard, "M1");
  EXPECT_EQ(old_card.status(), v1::MEMBER_CARD_STATUS_REPLACED);
  EXPECT_EQ(old_card.replaced_by(), "M2");
  const auto new_card = Load<v1::MemberCard>(RecordKind::kMemberCard, "M2");
  EXPECT_EQ(new_card.replaces(), "M1");
  EXPECT_EQ(new_card.valid_until().year(), 2027) << "keeps the validity";
  EXPECT_THAT(Apply(Card("M1", v1::MEMBER_CARD_ACTION_FOUND)).message(),
              HasSubstr("REPLACED by \"M2\""));

  ASSERT_TRUE(Apply(Card("M2", v1::MEMBER_CARD_ACTION_CANCEL)).ok());
  EXPECT_EQ(profile_.member_tier(), v1::MEMBER_TIER_UNSPECIFIED);
  EXPECT_TRUE(absl::IsFailedPrecondition(
      Apply(Card("M2", v1::MEMBER_CARD_ACTION_CANCEL))));
  EXPECT_TRUE(absl::IsFailedPrecondition(Apply(issue))) << "number reused";
}

TEST_F(RecordsTest, KeyPeopleMustExistToBeNamedOrRemoved) {
  v1::EventPayload save;
  auto* person = save.mutable_key_person_saved()->mutable_person();
  person->set_person_id("p1");
  person->set_name("王总");
  person->set_buying_role(v1::CONTACT_ROLE_DECISION_MAKER);
  person->set_attitude(v1::ATTITUDE_SUPPORTER);
  ASSERT_TRUE(Apply(save).ok());
  person->set_title("总经理");
  ASSERT_TRUE(Apply(save).ok());
  ASSERT_EQ(profile_.key_people_size(), 1) << "saved again = replaced";
  EXPECT_EQ(profile_.key_people(0).title(), "总经理");

  v1::EventPayload contact;
  contact.mutable_contact_logged()->set_channel(v1::CONTACT_CHANNEL_VISIT);
  contact.mutable_contact_logged()->set_content("demo");
  contact.mutable_contact_logged()->add_participants()->set_key_person_id("p1");
  ASSERT_TRUE(Apply(contact).ok());
  contact.mutable_contact_logged()->add_participants()->set_key_person_id("p2");
  EXPECT_THAT(Apply(contact).message(),
              HasSubstr("participants[1].key_person_id: \"p2\""));

  v1::EventPayload remove;
  remove.mutable_key_person_removed()->set_person_id("p1");
  ASSERT_TRUE(Apply(remove).ok());
  EXPECT_EQ(profile_.key_people_size(), 0);
  EXPECT_TRUE(absl::IsFailedPrecondition(Apply(remove)));
}

}  // namespace
}  // namespace ledger::projections
