#ifndef LEDGER_TESTS_SERVICES_CUSTOMER_QUERY_FIXTURE_H_
#define LEDGER_TESTS_SERVICES_CUSTOMER_QUERY_FIXTURE_H_

// A server with the CustomerQuery service and helpers that append and
// query customer files, shared by the CustomerQuery test files.

#include <atomic>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "google/protobuf/util/time_util.h"
#include "gtest/gtest.h"
#include "ledger/v1/customer.grpc.pb.h"
#include "tests/services/service_test_util.h"

namespace ledger::testing {

namespace v1 = ::ledger::v1;

inline constexpr int64_t kDaySeconds = 86400;

inline google::protobuf::Timestamp DaysAgo(int days, int extra_seconds = 0) {
  return google::protobuf::util::TimeUtil::SecondsToTimestamp(
      absl::ToUnixSeconds(absl::Now()) - days * kDaySeconds + extra_seconds);
}

inline v1::Date ToDate(absl::CivilDay day) {
  v1::Date d;
  d.set_year(static_cast<int>(day.year()));
  d.set_month(day.month());
  d.set_day(day.day());
  return d;
}

inline absl::CivilDay Today() {
  return absl::ToCivilDay(absl::Now(), absl::UTCTimeZone());
}

class CustomerQueryTest : public LedgerTestBase {
 protected:
  void SetUp() override {
    LedgerTestBase::SetUp();
    query_ = v1::CustomerQuery::NewStub(channel());
  }
  void RestartServer() {
    LedgerTestBase::RestartServer();
    query_ = v1::CustomerQuery::NewStub(channel());
  }

  grpc::Status GetProfile(const v1::GetProfileRequest& r,
                          v1::GetProfileResponse* out) {
    return query_->GetProfile(Context().get(), r, out);
  }
  v1::CustomerProfile Profile(const std::string& id) {
    v1::GetProfileRequest r;
    r.set_customer_id(id);
    v1::GetProfileResponse out;
    EXPECT_THAT(GetProfile(r, &out), GrpcOk()) << id;
    return out.profile();
  }
  grpc::Status Timeline(const v1::ListTimelineRequest& r,
                        v1::ListTimelineResponse* out) {
    return query_->ListTimeline(Context().get(), r, out);
  }
  // Every timeline entry, paging with page_size until the token is empty.
  std::vector<v1::TimelineEntry> AllTimeline(v1::ListTimelineRequest r) {
    std::vector<v1::TimelineEntry> all;
    for (int pages = 0; pages < 1000; ++pages) {
      v1::ListTimelineResponse out;
      EXPECT_THAT(Timeline(r, &out), GrpcOk());
      all.insert(all.end(), out.entries().begin(), out.entries().end());
      if (out.next_page_token().empty()) return all;
      r.set_page_token(out.next_page_token());
    }
    ADD_FAILURE() << "timeline paging never ended";
    return all;
  }
  grpc::Status Classification(const v1::GetClassificationRequest& r,
                              v1::GetClassificationResponse* out) {
    return query_->GetClassification(Context().get(), r, out);
  }
  grpc::Status Search(const v1::SearchCustomersRequest& r,
                      v1::SearchCustomersResponse* out) {
    return query_->SearchCustomers(Context().get(), r, out);
  }
  // Ids of all pages; duplicates kept so callers can detect them.
  std::vector<std::string> SearchAll(v1::SearchCustomersRequest r,
                                     int* pages_out = nullptr) {
    std::vector<std::string> ids;
    for (int pages = 1; pages < 1000; ++pages) {
      v1::SearchCustomersResponse out;
      EXPECT_THAT(Search(r, &out), GrpcOk());
      for (const auto& c : out.customers()) ids.push_back(c.customer_id());
      if (out.next_page_token().empty()) {
        if (pages_out != nullptr) *pages_out = pages;
        return ids;
      }
      r.set_page_token(out.next_page_token());
    }
    ADD_FAILURE() << "search paging never ended";
    return ids;
  }
  grpc::Status Due(const v1::ListDueFollowUpsRequest& r,
                   v1::ListDueFollowUpsResponse* out) {
    return query_->ListDueFollowUps(Context().get(), r, out);
  }

  // Appends one event with `payload` (and business time, if set).
  v1::AppendResponse AppendEvent(
      const std::string& id, const v1::EventPayload& payload,
      const google::protobuf::Timestamp* occurred = nullptr,
      const std::string& actor = "tester", const std::string& reason = "") {
    v1::AppendRequest r;
    r.set_customer_id(id);
    r.mutable_metadata()->set_actor(actor);
    r.mutable_metadata()->set_reason(reason);
    auto* e = r.add_events();
    *e->mutable_payload() = payload;
    if (occurred != nullptr) *e->mutable_occurred_at() = *occurred;
    return AppendOk(r);
  }
  v1::AppendResponse Register(const std::string& id, const std::string& name,
                              const std::string& owner = "",
                              const google::protobuf::Timestamp* at = nullptr) {
    v1::EventPayload p;
    auto* r = p.mutable_customer_registered();
    r->set_kind(v1::CUSTOMER_KIND_ORGANIZATION);
    r->mutable_profile()->set_name(name);
    r->set_owner_id(owner);
    return AppendEvent(id, p, at);
  }
  v1::AppendResponse Contact(const std::string& id, v1::ContactChannel channel,
                             const google::protobuf::Timestamp& at,
                             const v1::Date* follow_up = nullptr) {
    v1::EventPayload p;
    p.mutable_contact_logged()->set_channel(channel);
    p.mutable_contact_logged()->set_content("talked");
    if (follow_up != nullptr) {
      *p.mutable_contact_logged()->mutable_next_follow_up() = *follow_up;
    }
    return AppendEvent(id, p, &at);
  }
  v1::AppendResponse Classify(const std::string& id, v1::Grade grade,
                              const std::string& tag = "",
                              const std::string& rule = "",
                              const std::string& actor = "tester",
                              const std::string& reason = "") {
    v1::EventPayload p;
    auto* c = p.mutable_customer_classified();
    c->set_grade(grade);
    if (!tag.empty()) c->add_tags_added(tag);
    if (!rule.empty()) {
      c->set_by_rule(rule);
      c->set_rule_version(2);
    }
    return AppendEvent(id, p, nullptr, actor, reason);
  }
  v1::AppendResponse Archive(const std::string& id) {
    v1::EventPayload p;
    p.mutable_customer_archived();
    return AppendEvent(id, p);
  }

  std::unique_ptr<v1::CustomerQuery::Stub> query_;
};

}  // namespace ledger::testing

#endif  // LEDGER_TESTS_SERVICES_CUSTOMER_QUERY_FIXTURE_H_
