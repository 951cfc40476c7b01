// Ledger.MergeCustomers over gRPC: the merged customer's stream ends with
// CustomerMerged and stays readable, lookups of its id land on the
// survivor, whose profile, timeline and record lists take in the merged
// file (also in time travel and after a rebuild); refusals append nothing.

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "ledger/v1/admin.grpc.pb.h"
#include "tests/services/merge_customers_fixture.h"
#include "tests/testing/status_matchers.h"

namespace ledger::testing {
namespace {

namespace v1 = ::ledger::v1;
using google::protobuf::util::MessageDifferencer;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::UnorderedElementsAre;
using Code = ::grpc::StatusCode;

TEST_F(MergeCustomersTest,
       MergedHistoryStaysReadableAndEndsWithCustomerMerged) {
  Register("A", "ACME");
  Register("B", "ACME Dup");
  Contact("B", v1::CONTACT_CHANNEL_PHONE, DaysAgo(3));
  Contact("B", v1::CONTACT_CHANNEL_VISIT, DaysAgo(2));
  const v1::AppendResponse merged = MergeOk("A", "B");
  EXPECT_EQ(merged.first_version(), 4u);
  EXPECT_EQ(merged.last_version(), 4u);
  EXPECT_FALSE(merged.duplicate());

  const std::vector<v1::Event> events = StreamEvents("B");
  ASSERT_EQ(events.size(), 4u);
  EXPECT_EQ(events[0].event_type(), "CustomerRegistered");
  EXPECT_EQ(events[1].event_type(), "ContactLogged");
  EXPECT_EQ(events[2].event_type(), "ContactLogged");
  EXPECT_EQ(events[3].event_type(), "CustomerMerged");
  EXPECT_EQ(events[3].payload().customer_merged().survivor_id(), "A");
  EXPECT_EQ(events[3].position(), merged.last_position());
  EXPECT_EQ(events[3].metadata().actor(), "merger");
  EXPECT_EQ(events[3].metadata().reason(), "duplicate file");
  EXPECT_EQ(StreamEvents("A").size(), 1u)
      << "the survivor's stream is untouched";
}

TEST_F(MergeCustomersTest, OldIdResolvesToTheSurvivor) {
  Register("A", "ACME");
  Register("B", "ACME Dup");
  const v1::AppendResponse merged = MergeOk("A", "B");
  const v1::GetProfileResponse via_b = ProfileAs("B");
  EXPECT_EQ(via_b.profile().customer_id(), "A");
  EXPECT_EQ(via_b.resolved_from(), "B");
  EXPECT_EQ(via_b.profile().profile().name(), "ACME");
  const v1::GetProfileResponse direct = ProfileAs("A");
  EXPECT_EQ(direct.resolved_from(), "");
  EXPECT_TRUE(MessageDifferencer::Equals(direct.profile(), via_b.profile()));
  ASSERT_EQ(direct.profile().merged_from_size(), 1);
  const v1::MergedCustomer& m = direct.profile().merged_from(0);
  EXPECT_EQ(m.customer_id(), "B");
  EXPECT_EQ(m.position(), merged.last_position());
  EXPECT_EQ(Micros(m.merged_at()), Micros(merged.recorded_at()));
  EXPECT_EQ(m.via(), "");
  EXPECT_EQ(direct.profile().merged_into(), "");

  v1::GetClassificationRequest c;
  c.set_customer_id("B");
  v1::GetClassificationResponse classification;
  ASSERT_THAT(Classification(c, &classification), GrpcOk());
  EXPECT_EQ(classification.customer_id(), "A");
}

TEST_F(MergeCustomersTest, SurvivorUnitesListsFillsEmptyFieldsAndSumsFigures) {
  v1::EventPayload reg;
  auto* r = reg.mutable_customer_registered();
  r->set_kind(v1::CUSTOMER_KIND_ORGANIZATION);
  r->mutable_profile()->set_name("ACME");
  r->mutable_profile()->add_phones("13800138000");
  r->set_owner_id("u-a");
  AppendEvent("A", reg);
  r->mutable_profile()->set_name("ACME Dup");
  r->mutable_profile()->add_phones("13900139000");
  r->mutable_profile()->add_emails("b@example.com");
  r->mutable_profile()->set_industry("制造");
  r->mutable_profile()->set_region("华东");
  r->set_owner_id("u-b");
  AppendEvent("B", reg);

  KeyPerson("A", "boss", "王总");
  KeyPerson("B", "boss", "李总");
  KeyPerson("B", "cfo", "张三");
  Contact("A", v1::CONTACT_CHANNEL_PHONE, DaysAgo(9));
  Contact("B", v1::CONTACT_CHANNEL_PHONE, DaysAgo(8));
  Contact("B", v1::CONTACT_CHANNEL_VISIT, DaysAgo(7));
  Txn("A", "T-A", Day(2026, 3, 1), 1000);
  Txn("B", "T-B1", Day(2026, 1, 5), 500);
  Txn("B", "T-B2", Day(2026, 5, 10), 200, "USD");
  Revisit("A", 2);
  Revisit("B", 4);
  Card("A", "VIP-A", v1::MEMBER_TIER_SILVER);
  Card("B", "VIP-B", v1::MEMBER_TIER_GOLD);
  OpenRecords("B", "1");  // an open opportunity, an open case, a gold card
  Classify("B", v1::GRADE_A, "vip");

  MergeOk("A", "B");
  const v1::CustomerProfile p = Profile("A");
  EXPECT_EQ(p.profile().name(), "ACME") << "the survivor's value wins";
  EXPECT_THAT(p.profile().phones(), ElementsAre("13800138000", "13900139000"));
  EXPECT_THAT(p.profile().emails(), ElementsAre("b@example.com"));
  EXPECT_EQ(p.profile().industry(), "制造");
  EXPECT_EQ(p.profile().region(), "华东");
  EXPECT_EQ(p.owner_id(), "u-a");
  ASSERT_EQ(p.key_people_size(), 2);
  EXPECT_EQ(p.key_people(0).person_id(), "boss");
  EXPECT_EQ(p.key_people(0).name(), "王总");
  EXPECT_EQ(p.key_people(1).person_id(), "cfo");
  EXPECT_EQ(p.contact_count(), 3u);
  EXPECT_EQ(p.transaction_count(), 3u);
  EXPECT_TRUE(
      MessageDifferencer::Equals(p.first_transaction_on(), Day(2026, 1, 5)));
  EXPECT_TRUE(
      MessageDifferencer::Equals(p.last_transaction_on(), Day(2026, 5, 10)));
  ASSERT_EQ(p.total_amounts_size(), 2);
  EXPECT_TRUE(MessageDifferencer::Equals(p.total_amounts(0), Money(1500)));
  EXPECT_TRUE(
      MessageDifferencer::Equals(p.total_amounts(1), Money(200, "USD")));
  EXPECT_EQ(p.satisfaction_count(), 2u);
  EXPECT_EQ(p.satisfaction_sum(), 6u);
  EXPECT_EQ(p.revisit_count(), 2u);
  EXPECT_EQ(p.active_cards_size(), 3);
  EXPECT_EQ(p.active_cards().at("VIP-A"), v1::MEMBER_TIER_SILVER);
  EXPECT_EQ(p.active_cards().at("VIP-B"), v1::MEMBER_TIER_GOLD);
  EXPECT_EQ(p.member_tier(), v1::MEMBER_TIER_GOLD);
  EXPECT_EQ(p.open_opportunity_count(), 1u);
  EXPECT_EQ(p.open_service_case_count(), 1u);
  EXPECT_EQ(p.classification().grade(), v1::GRADE_UNSPECIFIED)
      << "the classification stays the survivor's";
  EXPECT_EQ(p.classification().tags_size(), 0);
}

TEST_F(MergeCustomersTest, TimelineInterleavesBothCustomersByTime) {
  Register("A", "ACME");
  Register("B", "ACME Dup");
  Note("A", "a1", DaysAgo(50));
  Note("B", "b1", DaysAgo(40));
  Note("A", "a2", DaysAgo(30));
  Note("B", "b2", DaysAgo(20));
  Note("A", "a3", DaysAgo(10));
  Note("B", "b3", DaysAgo(5));
  MergeOk("A", "B");
  const std::vector<std::string> oldest = {"A:a1", "B:b1", "A:a2",
                                           "B:b2", "A:a3", "B:b3"};
  EXPECT_EQ(TimelineOf("A"), oldest);
  EXPECT_EQ(TimelineOf("B"), oldest) << "the old id resolves";
  const std::vector<std::string> newest(oldest.rbegin(), oldest.rend());
  EXPECT_EQ(TimelineOf("A", /*oldest_first=*/false), newest);
  for (uint32_t page : {1u, 2u, 4u}) {
    SCOPED_TRACE(page);
    EXPECT_EQ(TimelineOf("A", true, page), oldest);
    EXPECT_EQ(TimelineOf("A", false, page), newest);
  }
  v1::ListTimelineRequest r;
  r.set_customer_id("A");
  r.set_oldest_first(true);
  r.set_page_size(4);
  v1::ListTimelineResponse first;
  ASSERT_THAT(Timeline(r, &first), GrpcOk());
  EXPECT_EQ(first.entries_size(), 4);
  EXPECT_FALSE(first.next_page_token().empty());
  r.set_page_token(first.next_page_token());
  v1::ListTimelineResponse second;
  ASSERT_THAT(Timeline(r, &second), GrpcOk());
  EXPECT_EQ(second.entries_size(), 2);
  EXPECT_EQ(second.next_page_token(), "");
  // A window cuts across both streams.
  v1::ListTimelineRequest window;
  window.set_customer_id("A");
  window.set_oldest_first(true);
  *window.mutable_from_time() = DaysAgo(45);
  *window.mutable_to_time() = DaysAgo(15);
  std::vector<std::string> in_window;
  for (const auto& e : AllTimeline(window)) in_window.push_back(e.content());
  EXPECT_THAT(in_window, ElementsAre("b1", "a2", "b2"));
}

TEST_F(MergeCustomersTest, RecordListsIncludeTheMergedCustomersRecords) {
  Register("A", "ACME");
  Register("B", "ACME Dup");
  Txn("A", "T-A", Day(2026, 2, 1), 10);
  Txn("B", "T-B", Day(2026, 3, 1), 20);
  OpenRecords("A", "2");
  OpenRecords("B", "1");
  MergeOk("A", "B");
  for (const std::string id : {"A", "B"}) {
    SCOPED_TRACE(id);
    EXPECT_THAT(TransactionIds(id), ElementsAre("T-B", "T-A"))
        << "newest first";
    EXPECT_THAT(OpportunityIds(id), UnorderedElementsAre("O-1", "O-2"));
    EXPECT_THAT(CaseIds(id), UnorderedElementsAre("S-1", "S-2"));
    EXPECT_THAT(CardNos(id), UnorderedElementsAre("VIP-1", "VIP-2"));
  }
}

// customer.proto: opportunities "by opportunity_id", cases "by case_id",
// cards "by card_no" — also when the file spans two streams.
TEST_F(MergeCustomersTest, MergedRecordListsStayOrderedById) {
  Register("A", "ACME");
  Register("B", "ACME Dup");
  OpenRecords("A", "2");
  OpenRecords("B", "1");
  MergeOk("A", "B");
  EXPECT_THAT(OpportunityIds("A"), ElementsAre("O-1", "O-2"));
  EXPECT_THAT(CaseIds("A"), ElementsAre("S-1", "S-2"));
  EXPECT_THAT(CardNos("A"), ElementsAre("VIP-1", "VIP-2"));
}

TEST_F(MergeCustomersTest, PaymentOnSurvivorSettlesMergedTransaction) {
  Register("A", "ACME");
  Register("B", "ACME Dup");
  Txn("B", "T-1", Day(2026, 4, 1), 1000);
  MergeOk("A", "B");
  v1::EventPayload pay;
  pay.mutable_payment_recorded()->set_transaction_id("T-1");
  pay.mutable_payment_recorded()->set_payment_status(v1::PAYMENT_STATUS_PAID);
  *pay.mutable_payment_recorded()->mutable_paid_amount() = Money(1000);
  const v1::AppendResponse paid = AppendEvent("A", pay);
  v1::ListTransactionsRequest r;
  r.set_customer_id("A");
  v1::ListTransactionsResponse out;
  ASSERT_THAT(query_->ListTransactions(Context().get(), r, &out), GrpcOk());
  ASSERT_EQ(out.transactions_size(), 1);
  const v1::Transaction& t = out.transactions(0);
  EXPECT_EQ(t.details().payment_status(), v1::PAYMENT_STATUS_PAID);
  EXPECT_EQ(t.details().paid_amount().units(), 1000);
  ASSERT_EQ(t.payments_size(), 1);
  EXPECT_EQ(t.payments(0).position(), paid.last_position());
  EXPECT_EQ(Profile("A").transaction_count(), 1u) << "a payment is no sale";
  // Time travel replays the same settlement.
  const v1::GetProfileResponse now = ProfileAs("A");
  EXPECT_TRUE(MessageDifferencer::Equals(
      ProfileAs("A", paid.last_position()).profile(), now.profile()));
}

TEST_F(MergeCustomersTest, SurvivorCannotReuseAMergedTransactionId) {
  Register("A", "ACME");
  Register("B", "ACME Dup");
  const v1::AppendResponse recorded = Txn("B", "T-1", Day(2026, 4, 1), 1000);
  MergeOk("A", "B");
  v1::AppendRequest again;
  again.set_customer_id("A");
  again.mutable_metadata()->set_actor("tester");
  auto* t =
      again.add_events()->mutable_payload()->mutable_transaction_recorded();
  t->set_transaction_id("T-1");
  *t->mutable_date() = Day(2026, 5, 1);
  *t->mutable_amount() = Money(5);
  EXPECT_THAT(
      Reject(again),
      GrpcStatusIs(Code::FAILED_PRECONDITION,
                   HasSubstr("\"T-1\" was already recorded at position " +
                             std::to_string(recorded.last_position()))));
  t->set_transaction_id("T-2");
  EXPECT_THAT(Append(again), GrpcOk());
  EXPECT_THAT(TransactionIds("A"), ElementsAre("T-2", "T-1"));
}

TEST_F(MergeCustomersTest, AppendsToTheMergedCustomerAreRefused) {
  Register("A", "ACME");
  Register("B", "ACME Dup");
  MergeOk("A", "B");
  EXPECT_THAT(Reject(ContactRequest("B")),
              GrpcStatusIs(Code::FAILED_PRECONDITION,
                           HasSubstr("customer B was merged into A; its file "
                                     "continues there: append to A")));
  EXPECT_THAT(
      Reject(ClassifyRequest("B", v1::GRADE_B)),
      GrpcStatusIs(Code::FAILED_PRECONDITION, HasSubstr("append to A")));
  v1::AppendRequest exact = ContactRequest("B");
  exact.mutable_expected_version()->set_exact(2);
  EXPECT_THAT(Reject(exact), GrpcStatusIs(Code::FAILED_PRECONDITION));
  EXPECT_EQ(StreamEvents("B").size(), 2u);
}

TEST_F(MergeCustomersTest, MergingTwiceIsRefused) {
  Register("A", "ACME");
  Register("B", "ACME Dup");
  Register("C", "Other");
  MergeOk("A", "B");
  EXPECT_THAT(
      RejectMerge(MergeRequest("A", "B", "second")),
      GrpcStatusIs(Code::FAILED_PRECONDITION, HasSubstr("merged into A")));
  EXPECT_THAT(
      RejectMerge(MergeRequest("C", "B")),
      GrpcStatusIs(Code::FAILED_PRECONDITION, HasSubstr("merged into A")));
  EXPECT_EQ(Profile("C").merged_from_size(), 0);
  EXPECT_EQ(Profile("A").merged_from_size(), 1);
}

TEST_F(MergeCustomersTest, SurvivorThatWasMergedIsRefusedNamingItsSurvivor) {
  Register("A", "ACME");
  Register("B", "ACME Dup");
  Register("C", "Other");
  MergeOk("A", "B");
  EXPECT_THAT(RejectMerge(MergeRequest("B", "C")),
              GrpcStatusIs(Code::FAILED_PRECONDITION,
                           HasSubstr("survivor_id: customer B was merged into "
                                     "A; merge into A instead")));
  EXPECT_THAT(RejectMerge(MergeRequest("nobody", "C")),
              GrpcStatusIs(Code::NOT_FOUND, HasSubstr("survivor_id")));
  EXPECT_EQ(StreamEvents("C").size(), 1u);
  EXPECT_EQ(ProfileAs("C").resolved_from(), "");
}

// ledger.proto: "FAILED_PRECONDITION: a customer does not exist or was
// merged already".
TEST_F(MergeCustomersTest, UnknownCustomersAreNotFound) {
  Register("A", "ACME");
  EXPECT_THAT(RejectMerge(MergeRequest("A", "ghost")),
              GrpcStatusIs(Code::NOT_FOUND, HasSubstr("ghost")));
  EXPECT_THAT(RejectMerge(MergeRequest("ghost", "A")),
              GrpcStatusIs(Code::NOT_FOUND, HasSubstr("survivor_id")));
}

TEST_F(MergeCustomersTest, SelfMergeAndMissingIdsAreInvalidArgument) {
  Register("A", "ACME");
  EXPECT_THAT(RejectMerge(MergeRequest("A", "A")),
              GrpcStatusIs(Code::INVALID_ARGUMENT,
                           HasSubstr("merged_id: is the survivor A itself")));
  EXPECT_THAT(RejectMerge(MergeRequest("", "A")),
              GrpcStatusIs(Code::INVALID_ARGUMENT, HasSubstr("survivor_id")));
  EXPECT_THAT(RejectMerge(MergeRequest("A", "")),
              GrpcStatusIs(Code::INVALID_ARGUMENT, HasSubstr("merged_id")));
  Register("B", "ACME Dup");
  v1::MergeCustomersRequest no_actor = MergeRequest("A", "B");
  no_actor.mutable_metadata()->clear_actor();
  EXPECT_THAT(RejectMerge(no_actor), GrpcStatusIs(Code::INVALID_ARGUMENT,
                                                  HasSubstr("metadata.actor")));
}

TEST_F(MergeCustomersTest, ChainedMergesFoldAllThreeIntoTheLastSurvivor) {
  Register("A", "ACME");
  Register("B", "ACME Dup");
  Register("C", "ACME Group");
  Note("B", "b", DaysAgo(30));
  Note("A", "a", DaysAgo(20));
  Note("C", "c", DaysAgo(10));
  Txn("A", "T-A", Day(2026, 1, 1), 1);
  Txn("B", "T-B", Day(2026, 2, 1), 2);
  Txn("C", "T-C", Day(2026, 3, 1), 3);
  const v1::AppendResponse first = MergeOk("A", "B");
  const v1::AppendResponse second = MergeOk("C", "A");
  const v1::CustomerProfile c = Profile("C");
  EXPECT_EQ(c.contact_count(), 3u);
  EXPECT_EQ(c.transaction_count(), 3u);
  EXPECT_EQ(c.total_amounts(0).units(), 6);
  ASSERT_EQ(c.merged_from_size(), 2);
  EXPECT_EQ(c.merged_from(0).customer_id(), "A");
  EXPECT_EQ(c.merged_from(0).via(), "");
  EXPECT_EQ(c.merged_from(0).position(), second.last_position());
  EXPECT_EQ(c.merged_from(1).customer_id(), "B");
  EXPECT_EQ(c.merged_from(1).via(), "A");
  EXPECT_EQ(c.merged_from(1).position(), first.last_position());
  EXPECT_THAT(TimelineOf("C"), ElementsAre("B:b", "A:a", "C:c"));
  EXPECT_THAT(TransactionIds("C"), ElementsAre("T-C", "T-B", "T-A"));
  for (const std::string id : {"A", "B"}) {
    const v1::GetProfileResponse resolved = ProfileAs(id);
    EXPECT_EQ(resolved.profile().customer_id(), "C") << id;
    EXPECT_EQ(resolved.resolved_from(), id);
    EXPECT_THAT(TimelineOf(id), ElementsAre("B:b", "A:a", "C:c"));
  }
  EXPECT_THAT(
      RejectMerge(MergeRequest("A", "C")),
      GrpcStatusIs(Code::FAILED_PRECONDITION, HasSubstr("merge into C")));
  EXPECT_TRUE(MessageDifferencer::Equals(
      ProfileAs("C", second.last_position()).profile(), c))
      << "time travel folds the chain the same way";
}

TEST_F(MergeCustomersTest, TimeTravelBeforeAndAfterTheMerge) {
  Register("A", "ACME");
  Register("B", "ACME Dup");
  Contact("A", v1::CONTACT_CHANNEL_PHONE, DaysAgo(5));
  Contact("B", v1::CONTACT_CHANNEL_PHONE, DaysAgo(4));
  const v1::AppendResponse b_last =
      Contact("B", v1::CONTACT_CHANNEL_PHONE, DaysAgo(3));
  const v1::AppendResponse merged = MergeOk("A", "B");
  const v1::AppendResponse later =
      Contact("A", v1::CONTACT_CHANNEL_VISIT, DaysAgo(1));

  const v1::GetProfileResponse before = ProfileAs("A", b_last.last_position());
  EXPECT_EQ(before.profile().contact_count(), 1u) << "the survivor alone";
  EXPECT_EQ(before.profile().merged_from_size(), 0);
  const v1::GetProfileResponse at = ProfileAs("A", merged.last_position());
  EXPECT_EQ(at.profile().contact_count(), 3u);
  EXPECT_EQ(at.as_of_position(), merged.last_position());
  ASSERT_EQ(at.profile().merged_from_size(), 1);
  EXPECT_EQ(at.profile().merged_from(0).customer_id(), "B");
  EXPECT_EQ(ProfileAs("A", later.last_position()).profile().contact_count(),
            4u);
  EXPECT_TRUE(MessageDifferencer::Equals(
      ProfileAs("A", later.last_position()).profile(), Profile("A")));

  const v1::GetProfileResponse b_then = ProfileAs("B", b_last.last_position());
  EXPECT_EQ(b_then.resolved_from(), "");
  EXPECT_EQ(b_then.profile().customer_id(), "B");
  EXPECT_EQ(b_then.profile().contact_count(), 2u);
  EXPECT_EQ(b_then.profile().merged_into(), "");
  const v1::GetProfileResponse b_after = ProfileAs("B", merged.last_position());
  EXPECT_EQ(b_after.resolved_from(), "B");
  EXPECT_EQ(b_after.profile().customer_id(), "A");
  EXPECT_EQ(b_after.profile().contact_count(), 3u);
}

TEST_F(MergeCustomersTest, RetryWithTheSameRequestIdIsADuplicate) {
  Register("A", "ACME");
  Register("B", "ACME Dup");
  Register("C", "Other");
  v1::AppendResponse first;
  ASSERT_THAT(Merge(MergeRequest("A", "B", "merge-1"), &first), GrpcOk());
  EXPECT_FALSE(first.duplicate());
  const uint64_t head = HeadPosition();
  v1::AppendResponse retry;
  ASSERT_THAT(Merge(MergeRequest("A", "B", "merge-1"), &retry), GrpcOk());
  EXPECT_TRUE(retry.duplicate());
  EXPECT_EQ(retry.first_position(), first.first_position());
  EXPECT_EQ(retry.last_version(), first.last_version());
  EXPECT_EQ(HeadPosition(), head);
  EXPECT_THAT(RejectMerge(MergeRequest("A", "C", "merge-1")),
              GrpcStatusIs(Code::ALREADY_EXISTS));
}

TEST_F(MergeCustomersTest, ValidateOnlyChecksEverythingAndAppendsNothing) {
  Register("A", "ACME");
  Register("B", "ACME Dup");
  Contact("B", v1::CONTACT_CHANNEL_PHONE, DaysAgo(1));
  v1::MergeCustomersRequest dry = MergeRequest("A", "B", "dry-1");
  dry.set_validate_only(true);
  const uint64_t head = HeadPosition();
  v1::AppendResponse out;
  ASSERT_THAT(Merge(dry, &out), GrpcOk());
  EXPECT_EQ(out.first_position(), head + 1);
  EXPECT_EQ(out.last_version(), 3u);
  EXPECT_FALSE(out.duplicate());
  EXPECT_EQ(HeadPosition(), head);
  EXPECT_EQ(ProfileAs("B").resolved_from(), "");
  EXPECT_EQ(Profile("A").merged_from_size(), 0);
  EXPECT_EQ(Profile("A").contact_count(), 0u);

  v1::MergeCustomersRequest bad = MergeRequest("nobody", "B");
  bad.set_validate_only(true);
  EXPECT_THAT(RejectMerge(bad), GrpcStatusIs(Code::NOT_FOUND));

  dry.set_validate_only(false);  // the request_id was not used up
  ASSERT_THAT(Merge(dry, &out), GrpcOk());
  EXPECT_FALSE(out.duplicate());
  EXPECT_EQ(ProfileAs("B").resolved_from(), "B");
}

TEST_F(MergeCustomersTest, SearchNoLongerFindsTheMergedCustomer) {
  Register("A", "ACME", "u-1");
  Register("B", "ACME Dup", "u-1");
  v1::EventPayload phones;
  phones.mutable_profile_updated()->mutable_profile()->add_phones(
      "13900139000");
  phones.mutable_profile_updated()->mutable_update_mask()->add_paths("phones");
  AppendEvent("B", phones);
  v1::SearchCustomersRequest r;
  r.mutable_filter()->set_name_prefix("acme");
  EXPECT_THAT(SearchAll(r), UnorderedElementsAre("A", "B"));
  v1::SearchCustomersRequest missing;
  missing.mutable_filter()->set_missing_field("phones");
  EXPECT_THAT(SearchAll(missing), ElementsAre("A"));

  MergeOk("A", "B");
  EXPECT_THAT(SearchAll(r), ElementsAre("A"));
  r.mutable_filter()->set_include_archived(true);
  EXPECT_THAT(SearchAll(r), ElementsAre("A"));
  v1::SearchCustomersRequest owner;
  owner.mutable_filter()->set_owner_id("u-1");
  EXPECT_THAT(SearchAll(owner), ElementsAre("A"));
  EXPECT_THAT(SearchAll(missing), ::testing::IsEmpty())
      << "the survivor has the merged customer's phone now";
}

TEST_F(MergeCustomersTest, RebuildGivesTheSameSurvivorAsInline) {
  Register("A", "ACME");
  Register("B", "ACME Dup");
  Register("C", "ACME Group");
  Note("A", "a", DaysAgo(9));
  Note("B", "b", DaysAgo(8));
  Note("C", "c", DaysAgo(7));
  Txn("B", "T-B", Day(2026, 2, 1), 200);
  Txn("C", "T-C", Day(2026, 3, 1), 300);
  MergeOk("A", "B");
  v1::EventPayload pay;
  pay.mutable_payment_recorded()->set_transaction_id("T-B");
  pay.mutable_payment_recorded()->set_payment_status(v1::PAYMENT_STATUS_PAID);
  AppendEvent("A", pay);
  MergeOk("C", "A");
  Note("C", "c2", DaysAgo(1));

  const v1::CustomerProfile inline_profile = Profile("C");
  const std::vector<std::string> timeline = TimelineOf("C");
  v1::ListTransactionsRequest tr;
  tr.set_customer_id("C");
  v1::ListTransactionsResponse inline_txns;
  ASSERT_THAT(query_->ListTransactions(Context().get(), tr, &inline_txns),
              GrpcOk());

  auto admin = v1::Admin::NewStub(channel());
  v1::RebuildProjectionsResponse rebuilt;
  ASSERT_THAT(
      admin->RebuildProjections(Context(absl::Seconds(60)).get(), {}, &rebuilt),
      GrpcOk());
  const v1::CustomerProfile after = Profile("C");
  EXPECT_TRUE(MessageDifferencer::Equals(after, inline_profile))
      << after.DebugString() << "\nvs inline\n"
      << inline_profile.DebugString();
  EXPECT_EQ(TimelineOf("C"), timeline);
  v1::ListTransactionsResponse txns;
  ASSERT_THAT(query_->ListTransactions(Context().get(), tr, &txns), GrpcOk());
  EXPECT_TRUE(MessageDifferencer::Equals(txns, inline_txns));
  EXPECT_EQ(ProfileAs("B").resolved_from(), "B");
  EXPECT_EQ(ProfileAs("B").profile().customer_id(), "C");
  v1::SearchCustomersRequest r;
  r.mutable_filter()->set_name_prefix("acme");
  EXPECT_THAT(SearchAll(r), ElementsAre("C"));
}

}  // namespace
}  // namespace ledger::testing
