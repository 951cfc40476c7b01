// The records of the customer file over gRPC: every new event type goes
// through Append, the inline projection and the CustomerQuery RPCs, and
// the answers stay the same after a restart, a rebuild and in time travel.
// Also: refusals by the records' state, and an event stored in a retired
// payload revision read back upcast.

#include <map>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "google/protobuf/util/time_util.h"
#include "gtest/gtest.h"
#include "ledger/v1/admin.grpc.pb.h"
#include "storage/append_request.h"
#include "storage/event_log.h"
#include "tests/services/customer_query_fixture.h"
#include "tests/testing/status_matchers.h"

namespace ledger::testing {
namespace {

namespace v1 = ::ledger::v1;
using google::protobuf::util::MessageDifferencer;
using google::protobuf::util::TimeUtil;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using Code = ::grpc::StatusCode;

v1::Money Cny(int64_t units) {
  v1::Money m;
  m.set_currency_code("CNY");
  m.set_units(units);
  return m;
}

v1::Date Day(int y, int m, int d) {
  v1::Date date;
  date.set_year(y);
  date.set_month(m);
  date.set_day(d);
  return date;
}

class CustomerRecordsTest : public CustomerQueryTest {
 protected:
  v1::ListTransactionsResponse Transactions(v1::ListTransactionsRequest r) {
    v1::ListTransactionsResponse out;
    EXPECT_THAT(query_->ListTransactions(Context().get(), r, &out), GrpcOk());
    return out;
  }

  // Every query answer about customer `id`, for comparing states.
  std::vector<std::string> Snapshot(const std::string& id) {
    std::vector<std::string> out;
    out.push_back(Profile(id).SerializeAsString());
    v1::ListTransactionsRequest t;
    t.set_customer_id(id);
    out.push_back(Transactions(t).SerializeAsString());
    v1::ListOpportunitiesRequest o;
    o.set_customer_id(id);
    o.set_include_closed(true);
    v1::ListOpportunitiesResponse opportunities;
    EXPECT_THAT(query_->ListOpportunities(Context().get(), o, &opportunities),
                GrpcOk());
    out.push_back(opportunities.SerializeAsString());
    v1::ListServiceCasesRequest c;
    c.set_customer_id(id);
    v1::ListServiceCasesResponse cases;
    EXPECT_THAT(query_->ListServiceCases(Context().get(), c, &cases), GrpcOk());
    out.push_back(cases.SerializeAsString());
    v1::ListMemberCardsRequest m;
    m.set_customer_id(id);
    v1::ListMemberCardsResponse cards;
    EXPECT_THAT(query_->ListMemberCards(Context().get(), m, &cards), GrpcOk());
    out.push_back(cards.SerializeAsString());
    v1::ListTimelineRequest tl;
    tl.set_customer_id(id);
    for (const auto& e : AllTimeline(tl)) out.push_back(e.SerializeAsString());
    return out;
  }

  // A customer file with one of everything.
  void FillCustomer(const std::string& id) {
    Register(id, "杭州示例科技有限公司", "sales-li");
    v1::EventPayload p;
    auto* person = p.mutable_key_person_saved()->mutable_person();
    person->set_person_id("boss");
    person->set_name("王总");
    person->set_title("总经理");
    person->set_buying_role(v1::CONTACT_ROLE_DECISION_MAKER);
    person->set_attitude(v1::ATTITUDE_CHAMPION);
    AppendEvent(id, p);

    p.Clear();
    auto* contact = p.mutable_contact_logged();
    contact->set_channel(v1::CONTACT_CHANNEL_VISIT);
    contact->add_participants()->set_key_person_id("boss");
    contact->set_subject("新产品线");
    contact->set_content("介绍新产品线");
    contact->set_duration_minutes(45);
    AppendEvent(id, p);

    p.Clear();
    auto* t = p.mutable_transaction_recorded();
    t->set_transaction_id("T-1");
    *t->mutable_date() = Day(2026, 3, 15);
    *t->mutable_amount() = Cny(12000);
    auto* item = t->add_items();
    item->set_product("控制器");
    item->set_quantity(4);
    *item->mutable_unit_price() = Cny(3000);
    t->set_contract_no("HT-2026-001");
    AppendEvent(id, p);
    p.Clear();
    p.mutable_payment_recorded()->set_transaction_id("T-1");
    p.mutable_payment_recorded()->set_payment_status(v1::PAYMENT_STATUS_PAID);
    *p.mutable_payment_recorded()->mutable_paid_amount() = Cny(12000);
    AppendEvent(id, p);

    p.Clear();
    p.mutable_opportunity_opened()->set_opportunity_id("O-1");
    p.mutable_opportunity_opened()->set_title("二期扩容");
    *p.mutable_opportunity_opened()->mutable_expected_amount() = Cny(50000);
    AppendEvent(id, p);
    p.Clear();
    p.mutable_opportunity_stage_changed()->set_opportunity_id("O-1");
    p.mutable_opportunity_stage_changed()->set_stage(v1::OPPORTUNITY_STAGE_WON);
    AppendEvent(id, p);

    p.Clear();
    p.mutable_service_case_opened()->set_case_id("S-1");
    p.mutable_service_case_opened()->set_kind(v1::SERVICE_CASE_KIND_COMPLAINT);
    p.mutable_service_case_opened()->set_subject("发货延迟");
    AppendEvent(id, p);
    p.Clear();
    p.mutable_service_case_updated()->set_case_id("S-1");
    p.mutable_service_case_updated()->set_status(
        v1::SERVICE_CASE_STATUS_RESOLVED);
    p.mutable_service_case_updated()->set_resolution("补发");
    AppendEvent(id, p);
    p.Clear();
    p.mutable_revisit_logged()->set_case_id("S-1");
    p.mutable_revisit_logged()->set_channel(v1::CONTACT_CHANNEL_PHONE);
    p.mutable_revisit_logged()->set_satisfaction(4);
    p.mutable_revisit_logged()->set_content("回访");
    AppendEvent(id, p);

    p.Clear();
    auto* plan = p.mutable_maintenance_plan_set();
    plan->set_visit_interval_days(14);
    plan->set_visit_weekday(2);
    auto* greeting = plan->add_greetings();
    greeting->set_occasion(v1::GREETING_OCCASION_BIRTHDAY);
    *greeting->mutable_date() = Day(0, 8, 8);
    greeting->set_person("王总");
    AppendEvent(id, p);

    p.Clear();
    auto* card = p.mutable_member_card_issued();
    card->set_card_no("VIP-8");
    card->set_tier(v1::MEMBER_TIER_GOLD);
    *card->mutable_valid_from() = Day(2026, 1, 1);
    *card->mutable_valid_until() = Day(2020 + 10, 12, 31);
    AppendEvent(id, p);
    p.Clear();
    p.mutable_member_card_changed()->set_card_no("VIP-8");
    p.mutable_member_card_changed()->set_action(v1::MEMBER_CARD_ACTION_UPGRADE);
    p.mutable_member_card_changed()->set_tier(v1::MEMBER_TIER_PLATINUM);
    AppendEvent(id, p);
  }
};

TEST_F(CustomerRecordsTest, EveryRecordEventReachesItsQuery) {
  FillCustomer("C-1");
  const v1::CustomerProfile p = Profile("C-1");
  EXPECT_EQ(p.version(), 13u);
  ASSERT_EQ(p.key_people_size(), 1);
  EXPECT_EQ(p.key_people(0).title(), "总经理");
  EXPECT_EQ(p.transaction_count(), 1u);
  ASSERT_EQ(p.total_amounts_size(), 1);
  EXPECT_EQ(p.total_amounts(0).units(), 12000);
  EXPECT_EQ(p.last_transaction_on().day(), 15);
  EXPECT_EQ(p.open_opportunity_count(), 0u);
  EXPECT_EQ(p.open_service_case_count(), 0u);
  EXPECT_EQ(p.satisfaction_sum(), 4u);
  EXPECT_EQ(p.maintenance_plan().visit_interval_days(), 14u);
  EXPECT_EQ(p.member_tier(), v1::MEMBER_TIER_PLATINUM);

  v1::ListTransactionsRequest tr;
  tr.set_customer_id("C-1");
  const v1::ListTransactionsResponse transactions = Transactions(tr);
  ASSERT_EQ(transactions.transactions_size(), 1);
  EXPECT_EQ(transactions.transactions(0).details().payment_status(),
            v1::PAYMENT_STATUS_PAID);
  EXPECT_EQ(transactions.transactions(0).details().items(0).product(),
            "控制器");

  v1::ListOpportunitiesRequest orq;
  orq.set_customer_id("C-1");
  v1::ListOpportunitiesResponse open;
  ASSERT_THAT(query_->ListOpportunities(Context().get(), orq, &open), GrpcOk());
  EXPECT_EQ(open.opportunities_size(), 0) << "won: closed, hidden by default";
  orq.set_include_closed(true);
  v1::ListOpportunitiesResponse all;
  ASSERT_THAT(query_->ListOpportunities(Context().get(), orq, &all), GrpcOk());
  ASSERT_EQ(all.opportunities_size(), 1);
  EXPECT_EQ(all.opportunities(0).stage(), v1::OPPORTUNITY_STAGE_WON);
  EXPECT_EQ(all.opportunities(0).history_size(), 2);

  v1::ListServiceCasesRequest crq;
  crq.set_customer_id("C-1");
  crq.add_statuses(v1::SERVICE_CASE_STATUS_RESOLVED);
  v1::ListServiceCasesResponse cases;
  ASSERT_THAT(query_->ListServiceCases(Context().get(), crq, &cases), GrpcOk());
  ASSERT_EQ(cases.cases_size(), 1);
  EXPECT_EQ(cases.cases(0).resolution(), "补发");
  EXPECT_THAT(cases.cases(0).satisfaction_scores(), ElementsAre(4u));

  v1::ListMemberCardsRequest mrq;
  mrq.set_customer_id("C-1");
  v1::ListMemberCardsResponse cards;
  ASSERT_THAT(query_->ListMemberCards(Context().get(), mrq, &cards), GrpcOk());
  ASSERT_EQ(cards.cards_size(), 1);
  EXPECT_EQ(cards.cards(0).tier(), v1::MEMBER_TIER_PLATINUM);
  EXPECT_FALSE(cards.cards(0).expired());

  v1::ListTimelineRequest tl;
  tl.set_customer_id("C-1");
  tl.set_oldest_first(true);
  const std::vector<v1::TimelineEntry> timeline = AllTimeline(tl);
  ASSERT_EQ(timeline.size(), 2u);
  EXPECT_EQ(timeline[0].event_type(), "ContactLogged");
  EXPECT_EQ(timeline[0].participants(0).key_person_id(), "boss");
  EXPECT_EQ(timeline[0].duration_minutes(), 45u);
  EXPECT_EQ(timeline[1].event_type(), "RevisitLogged");
  EXPECT_EQ(timeline[1].satisfaction(), 4u);
  EXPECT_EQ(timeline[1].case_id(), "S-1");

  v1::GetProfileRequest at_head;
  at_head.set_customer_id("C-1");
  at_head.set_as_of_position(p.last_position());
  v1::GetProfileResponse replayed;
  ASSERT_THAT(GetProfile(at_head, &replayed), GrpcOk());
  EXPECT_TRUE(MessageDifferencer::Equals(replayed.profile(), p))
      << "time travel folds records the same way:\n"
      << replayed.profile().DebugString() << "\nvs\n"
      << p.DebugString();
}

TEST_F(CustomerRecordsTest, AnswersSurviveRestartAndRebuild) {
  FillCustomer("C-1");
  FillCustomer("C-2");
  const std::vector<std::string> before = Snapshot("C-2");
  RestartServer();
  EXPECT_EQ(Snapshot("C-2"), before);
  auto admin = v1::Admin::NewStub(channel());
  v1::RebuildProjectionsResponse rebuilt;
  ASSERT_THAT(
      admin->RebuildProjections(Context(absl::Seconds(60)).get(), {}, &rebuilt),
      GrpcOk());
  EXPECT_EQ(Snapshot("C-2"), before);
}

TEST_F(CustomerRecordsTest, StateRefusalIsFailedPreconditionAndAppendsNothing) {
  Register("C-1", "ACME");
  v1::AppendRequest r;
  r.set_customer_id("C-1");
  r.mutable_metadata()->set_actor("tester");
  auto* open = r.add_events()->mutable_payload()->mutable_opportunity_opened();
  open->set_opportunity_id("O-1");
  open->set_title("pilot");
  auto* change =
      r.add_events()->mutable_payload()->mutable_opportunity_stage_changed();
  change->set_opportunity_id("O-2");  // unknown: the whole append is refused
  change->set_stage(v1::OPPORTUNITY_STAGE_QUOTATION);
  const uint64_t version = Profile("C-1").version();
  v1::AppendResponse response;
  EXPECT_THAT(Append(r, &response),
              GrpcStatusIs(Code::FAILED_PRECONDITION,
                           HasSubstr("opportunity_stage_changed.opportunity_id:"
                                     " \"O-2\" is not an opportunity")));
  EXPECT_EQ(Profile("C-1").version(), version);
  EXPECT_EQ(Profile("C-1").open_opportunity_count(), 0u);

  change->set_opportunity_id("O-1");  // now consistent within the append
  ASSERT_THAT(Append(r, &response), GrpcOk());
  EXPECT_EQ(Profile("C-1").open_opportunity_count(), 1u);
}

TEST_F(CustomerRecordsTest, ValidateOnlyRunsEveryCheckAndAppendsNothing) {
  Register("C-1", "ACME");
  v1::AppendRequest r;
  r.set_customer_id("C-1");
  r.set_request_id("dry-1");
  r.set_validate_only(true);
  r.mutable_metadata()->set_actor("tester");
  auto* change =
      r.add_events()->mutable_payload()->mutable_opportunity_stage_changed();
  change->set_opportunity_id("O-1");
  change->set_stage(v1::OPPORTUNITY_STAGE_QUOTATION);
  v1::AppendResponse response;
  EXPECT_THAT(Append(r, &response),
              GrpcStatusIs(Code::FAILED_PRECONDITION, HasSubstr("\"O-1\"")));

  r.mutable_events(0)
      ->mutable_payload()
      ->mutable_opportunity_opened()
      ->set_opportunity_id("O-1");
  r.mutable_events(0)
      ->mutable_payload()
      ->mutable_opportunity_opened()
      ->set_title("pilot");
  const uint64_t head = Info().head_position();
  ASSERT_THAT(Append(r, &response), GrpcOk());
  EXPECT_EQ(response.first_position(), head + 1) << "where it would go";
  EXPECT_EQ(response.last_version(), 2u);
  EXPECT_FALSE(response.duplicate());
  EXPECT_EQ(Info().head_position(), head) << "nothing appended";
  EXPECT_EQ(Profile("C-1").open_opportunity_count(), 0u);

  r.set_validate_only(false);  // the request_id was not used up
  ASSERT_THAT(Append(r, &response), GrpcOk());
  EXPECT_FALSE(response.duplicate());
  EXPECT_EQ(Profile("C-1").open_opportunity_count(), 1u);
}

TEST_F(CustomerRecordsTest, DueVisitsFollowPlanOrGradeAndGreetingsComeEarly) {
  const absl::CivilDay today = Today();
  const auto long_ago = DaysAgo(400);
  Register("grade-a-due", "A1", "u-1", &long_ago);
  Classify("grade-a-due", v1::GRADE_A);  // every 14 days by default
  Contact("grade-a-due", v1::CONTACT_CHANNEL_VISIT, DaysAgo(20));
  Register("grade-a-fresh", "A2", "u-1", &long_ago);
  Classify("grade-a-fresh", v1::GRADE_A);
  Contact("grade-a-fresh", v1::CONTACT_CHANNEL_VISIT, DaysAgo(5));
  Register("planned", "P", "u-1", &long_ago);
  v1::EventPayload plan;
  plan.mutable_maintenance_plan_set()->set_visit_interval_days(3);
  AppendEvent("planned", plan);
  Contact("planned", v1::CONTACT_CHANNEL_PHONE, DaysAgo(4));
  Register("birthday", "G", "u-1", &long_ago);
  Contact("birthday", v1::CONTACT_CHANNEL_PHONE, DaysAgo(1));
  v1::EventPayload person;
  auto* p = person.mutable_key_person_saved()->mutable_person();
  p->set_person_id("boss");
  p->set_name("王总");
  const absl::CivilDay birthday = today + 2;
  *p->mutable_birthday() =
      ToDate(absl::CivilDay(1970, birthday.month(), birthday.day()));
  AppendEvent("birthday", person);

  auto due_on = [&](uint32_t lead) {
    v1::ListDueFollowUpsRequest r;
    *r.mutable_as_of() = ToDate(today);
    r.set_greeting_lead_days(lead);
    r.set_page_size(1);
    std::map<std::string, v1::DueFollowUp> due;
    for (int pages = 0; pages < 20; ++pages) {
      v1::ListDueFollowUpsResponse out;
      EXPECT_THAT(Due(r, &out), GrpcOk());
      for (const auto& d : out.due()) {
        EXPECT_TRUE(due.emplace(d.customer().customer_id(), d).second)
            << "listed twice: " << d.customer().customer_id();
      }
      if (out.next_page_token().empty()) break;
      r.set_page_token(out.next_page_token());
    }
    return due;
  };
  std::map<std::string, v1::DueFollowUp> due = due_on(0);
  EXPECT_EQ(due.size(), 2u);
  ASSERT_TRUE(due.count("grade-a-due"));
  EXPECT_EQ(due["grade-a-due"].reason(), v1::DueFollowUp::REASON_VISIT_PLAN);
  EXPECT_THAT(due["grade-a-due"].note(), HasSubstr("every 14 days (grade A)"));
  const absl::CivilDay contacted = absl::ToCivilDay(
      absl::FromUnixSeconds(DaysAgo(20).seconds()), absl::UTCTimeZone());
  EXPECT_TRUE(MessageDifferencer::Equals(due["grade-a-due"].due_date(),
                                         ToDate(contacted + 14)));
  ASSERT_TRUE(due.count("planned"));
  EXPECT_THAT(due["planned"].note(), HasSubstr("maintenance plan"));

  due = due_on(3);
  EXPECT_EQ(due.size(), 3u);
  ASSERT_TRUE(due.count("birthday"));
  EXPECT_EQ(due["birthday"].reason(), v1::DueFollowUp::REASON_GREETING);
  EXPECT_EQ(due["birthday"].note(), "birthday of 王总");
  EXPECT_TRUE(
      MessageDifferencer::Equals(due["birthday"].due_date(), ToDate(birthday)));
}

TEST_F(CustomerRecordsTest, TransactionsPageNewestFirstWithinDates) {
  Register("C-1", "ACME");
  for (int i = 1; i <= 7; ++i) {
    v1::EventPayload p;
    auto* t = p.mutable_transaction_recorded();
    t->set_transaction_id("T-" + std::to_string(i));
    *t->mutable_date() = Day(2026, 1 + i % 3, 10);  // several per date
    *t->mutable_amount() = Cny(i);
    AppendEvent("C-1", p);
  }
  v1::ListTransactionsRequest r;
  r.set_customer_id("C-1");
  r.set_page_size(2);
  *r.mutable_from_date() = Day(2026, 2, 1);
  std::vector<std::string> seen;
  for (int pages = 0; pages < 10; ++pages) {
    const v1::ListTransactionsResponse page = Transactions(r);
    for (const auto& t : page.transactions()) {
      seen.push_back(t.details().transaction_id());
    }
    if (page.next_page_token().empty()) break;
    r.set_page_token(page.next_page_token());
  }
  // Dates: T-1,4,7 Feb 10; T-2,5 Mar 10; T-3,6 Jan 10 (filtered out).
  EXPECT_THAT(seen, ElementsAre("T-5", "T-2", "T-7", "T-4", "T-1"));
}

TEST_F(CustomerRecordsTest, RetiredContactRevisionIsUpcastWhenRead) {
  Register("C-1", "ACME");
  // ContactLogged as revision 1 stored it: EventPayload field 3 holding
  // {channel: VISIT, contact_person: "Wang", contact_role: DECISION_MAKER,
  // content: "demo"}, written by hand as an old build wrote it.
  const std::string old_bytes = absl::HexStringToBytes(
      "1a10"            // field 3, 16 bytes
      "0801"            // channel = 1 (visit)
      "120457616e67"    // contact_person = "Wang"
      "1801"            // contact_role = 1 (decision maker)
      "220464656d6f");  // content = "demo"
  storage::AppendRequest old;
  old.stream = "C-1";
  old.expected = storage::ExpectedVersion::StreamExists();
  storage::ProposedEvent& event = old.events.emplace_back();
  event.type = "ContactLogged";
  event.payload = old_bytes;
  event.metadata.actor = "old-build";
  ASSERT_THAT(server().log()->Append(std::move(old)), IsOk());

  v1::ReadStreamRequest read;
  read.set_customer_id("C-1");
  read.set_include_raw_payload(true);
  v1::ReadStreamResponse stream;
  ASSERT_THAT(stub().ReadStream(Context().get(), read, &stream), GrpcOk());
  ASSERT_EQ(stream.events_size(), 2);
  const v1::Event& e = stream.events(1);
  EXPECT_EQ(e.event_type(), "ContactLogged");
  EXPECT_EQ(e.stored_revision(), 1u);
  EXPECT_EQ(e.raw_payload(), old_bytes) << "history is not rewritten";
  ASSERT_TRUE(e.payload().has_contact_logged());
  ASSERT_EQ(e.payload().contact_logged().participants_size(), 1);
  EXPECT_EQ(e.payload().contact_logged().participants(0).name(), "Wang");
  EXPECT_EQ(e.payload().contact_logged().participants(0).role(),
            v1::CONTACT_ROLE_DECISION_MAKER);
  EXPECT_EQ(stream.events(0).stored_revision(), 0u);

  v1::ListTimelineRequest tl;
  tl.set_customer_id("C-1");
  const std::vector<v1::TimelineEntry> timeline = AllTimeline(tl);
  ASSERT_EQ(timeline.size(), 1u);
  EXPECT_EQ(timeline[0].contact_person(), "Wang");
  EXPECT_EQ(timeline[0].content(), "demo");
  EXPECT_EQ(Profile("C-1").contact_count(), 1u);

  // A client still sending revision 1 is told what to send instead.
  v1::AppendRequest retired;
  retired.set_customer_id("C-1");
  retired.mutable_metadata()->set_actor("tester");
  auto* v1_contact =
      retired.add_events()->mutable_payload()->mutable_contact_logged_v1();
  v1_contact->set_channel(v1::CONTACT_CHANNEL_PHONE);
  v1_contact->set_content("call");
  v1::AppendResponse response;
  EXPECT_THAT(Append(retired, &response),
              GrpcStatusIs(Code::INVALID_ARGUMENT,
                           HasSubstr("events[0].payload.contact_logged_v1: is "
                                     "revision 1 of ContactLogged, retired; "
                                     "send contact_logged")));
}

}  // namespace
}  // namespace ledger::testing
