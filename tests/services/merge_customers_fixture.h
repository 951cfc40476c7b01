#ifndef LEDGER_TESTS_SERVICES_MERGE_CUSTOMERS_FIXTURE_H_
#define LEDGER_TESTS_SERVICES_MERGE_CUSTOMERS_FIXTURE_H_

// The fixture of the MergeCustomers tests: merge calls and builders of the
// records a merged file brings along.

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/services/customer_query_fixture.h"
#include "tests/testing/status_matchers.h"

namespace ledger::testing {

inline v1::Money Money(int64_t units, const std::string& currency = "CNY") {
  v1::Money m;
  m.set_currency_code(currency);
  m.set_units(units);
  return m;
}

inline v1::Date Day(int y, int m, int d) {
  v1::Date date;
  date.set_year(y);
  date.set_month(m);
  date.set_day(d);
  return date;
}

class MergeCustomersTest : public CustomerQueryTest {
 protected:
  v1::MergeCustomersRequest MergeRequest(const std::string& survivor,
                                         const std::string& merged,
                                         const std::string& request_id = "") {
    v1::MergeCustomersRequest r;
    r.set_survivor_id(survivor);
    r.set_merged_id(merged);
    r.set_request_id(request_id);
    r.mutable_metadata()->set_actor("merger");
    r.mutable_metadata()->set_reason("duplicate file");
    return r;
  }
  grpc::Status Merge(const v1::MergeCustomersRequest& r,
                     v1::AppendResponse* out = nullptr) {
    v1::AppendResponse ignored;
    return stub().MergeCustomers(Context().get(), r,
                                 out != nullptr ? out : &ignored);
  }
  v1::AppendResponse MergeOk(const std::string& survivor,
                             const std::string& merged) {
    v1::AppendResponse out;
    EXPECT_THAT(Merge(MergeRequest(survivor, merged), &out), GrpcOk())
        << merged << " into " << survivor;
    return out;
  }
  // A merge expected to be refused with nothing appended.
  grpc::Status RejectMerge(const v1::MergeCustomersRequest& r) {
    const v1::GetInfoResponse before = Info();
    const grpc::Status status = Merge(r);
    EXPECT_FALSE(status.ok()) << r.DebugString();
    EXPECT_EQ(Info().head_position(), before.head_position());
    EXPECT_EQ(Info().head_hash(), before.head_hash());
    return status;
  }

  v1::AppendResponse Txn(const std::string& id, const std::string& tid,
                         const v1::Date& date, int64_t units,
                         const std::string& currency = "CNY") {
    v1::EventPayload p;
    auto* t = p.mutable_transaction_recorded();
    t->set_transaction_id(tid);
    *t->mutable_date() = date;
    *t->mutable_amount() = Money(units, currency);
    return AppendEvent(id, p);
  }
  v1::AppendResponse Note(const std::string& id, const std::string& content,
                          const google::protobuf::Timestamp& at) {
    v1::EventPayload p;
    p.mutable_contact_logged()->set_channel(v1::CONTACT_CHANNEL_PHONE);
    p.mutable_contact_logged()->set_content(content);
    return AppendEvent(id, p, &at);
  }
  v1::GetProfileResponse ProfileAs(const std::string& id,
                                   uint64_t as_of_position = 0) {
    v1::GetProfileRequest r;
    r.set_customer_id(id);
    r.set_as_of_position(as_of_position);
    v1::GetProfileResponse out;
    EXPECT_THAT(GetProfile(r, &out), GrpcOk()) << id << " @" << as_of_position;
    return out;
  }
  std::vector<std::string> TimelineOf(const std::string& id,
                                      bool oldest_first = true,
                                      uint32_t page_size = 0) {
    v1::ListTimelineRequest r;
    r.set_customer_id(id);
    r.set_oldest_first(oldest_first);
    r.set_page_size(page_size);
    std::vector<std::string> out;
    for (const auto& e : AllTimeline(r)) {
      out.push_back(e.customer_id() + ":" + e.content());
    }
    return out;
  }
  std::vector<std::string> TransactionIds(const std::string& id) {
    v1::ListTransactionsRequest r;
    r.set_customer_id(id);
    v1::ListTransactionsResponse out;
    EXPECT_THAT(query_->ListTransactions(Context().get(), r, &out), GrpcOk());
    std::vector<std::string> ids;
    for (const auto& t : out.transactions()) {
      ids.push_back(t.details().transaction_id());
    }
    return ids;
  }
  // Opens opportunity O-<no>, service case S-<no> and member card VIP-<no>
  // for customer `id`.
  void OpenRecords(const std::string& id, const std::string& no) {
    v1::EventPayload p;
    p.mutable_opportunity_opened()->set_opportunity_id("O-" + no);
    p.mutable_opportunity_opened()->set_title("deal");
    AppendEvent(id, p);
    p.Clear();
    p.mutable_service_case_opened()->set_case_id("S-" + no);
    p.mutable_service_case_opened()->set_kind(v1::SERVICE_CASE_KIND_COMPLAINT);
    p.mutable_service_case_opened()->set_subject("late");
    AppendEvent(id, p);
    Card(id, "VIP-" + no, v1::MEMBER_TIER_GOLD);
  }
  void Card(const std::string& id, const std::string& no, v1::MemberTier tier) {
    v1::EventPayload p;
    auto* c = p.mutable_member_card_issued();
    c->set_card_no(no);
    c->set_tier(tier);
    *c->mutable_valid_from() = Day(2026, 1, 1);
    *c->mutable_valid_until() = Day(2030, 12, 31);
    AppendEvent(id, p);
  }
  void KeyPerson(const std::string& id, const std::string& person_id,
                 const std::string& name) {
    v1::EventPayload p;
    p.mutable_key_person_saved()->mutable_person()->set_person_id(person_id);
    p.mutable_key_person_saved()->mutable_person()->set_name(name);
    AppendEvent(id, p);
  }
  void Revisit(const std::string& id, uint32_t satisfaction) {
    v1::EventPayload p;
    p.mutable_revisit_logged()->set_channel(v1::CONTACT_CHANNEL_PHONE);
    p.mutable_revisit_logged()->set_satisfaction(satisfaction);
    p.mutable_revisit_logged()->set_content("回访");
    AppendEvent(id, p);
  }
  // The ids of `id`'s opportunities, service cases or member cards, in the
  // order listed.
  std::vector<std::string> OpportunityIds(const std::string& id) {
    v1::ListOpportunitiesRequest r;
    r.set_customer_id(id);
    v1::ListOpportunitiesResponse out;
    EXPECT_THAT(query_->ListOpportunities(Context().get(), r, &out), GrpcOk());
    std::vector<std::string> ids;
    for (const auto& o : out.opportunities()) {
      ids.push_back(o.details().opportunity_id());
    }
    return ids;
  }
  std::vector<std::string> CaseIds(const std::string& id) {
    v1::ListServiceCasesRequest r;
    r.set_customer_id(id);
    v1::ListServiceCasesResponse out;
    EXPECT_THAT(query_->ListServiceCases(Context().get(), r, &out), GrpcOk());
    std::vector<std::string> ids;
    for (const auto& c : out.cases()) ids.push_back(c.details().case_id());
    return ids;
  }
  std::vector<std::string> CardNos(const std::string& id) {
    v1::ListMemberCardsRequest r;
    r.set_customer_id(id);
    v1::ListMemberCardsResponse out;
    EXPECT_THAT(query_->ListMemberCards(Context().get(), r, &out), GrpcOk());
    std::vector<std::string> ids;
    for (const auto& c : out.cards()) ids.push_back(c.card_no());
    return ids;
  }
};

}  // namespace ledger::testing

#endif  // LEDGER_TESTS_SERVICES_MERGE_CUSTOMERS_FIXTURE_H_
