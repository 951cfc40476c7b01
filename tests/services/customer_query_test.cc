// ledger.v1.CustomerQuery against a real in-process server.

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
namespace {

namespace v1 = ::ledger::v1;
using google::protobuf::util::MessageDifferencer;
using google::protobuf::util::TimeUtil;
using ::testing::HasSubstr;
using ::testing::UnorderedElementsAreArray;

constexpr int64_t kDaySeconds = 86400;

google::protobuf::Timestamp DaysAgo(int days, int extra_seconds = 0) {
  return TimeUtil::SecondsToTimestamp(absl::ToUnixSeconds(absl::Now()) -
                                      days * kDaySeconds + extra_seconds);
}

v1::Date ToDate(absl::CivilDay day) {
  v1::Date d;
  d.set_year(static_cast<int>(day.year()));
  d.set_month(day.month());
  d.set_day(day.day());
  return d;
}

absl::CivilDay Today() {
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

TEST_F(CustomerQueryTest, GetProfileReadsItsOwnWrites) {
  Register("c-1", "Acme");
  const v1::AppendResponse appended =
      Contact("c-1", v1::CONTACT_CHANNEL_PHONE, DaysAgo(1));
  v1::GetProfileRequest r;
  r.set_customer_id("c-1");
  r.set_min_position(appended.last_position());
  v1::GetProfileResponse out;
  ASSERT_THAT(GetProfile(r, &out), GrpcOk());
  EXPECT_GE(out.as_of_position(), appended.last_position());
  EXPECT_EQ(out.profile().customer_id(), "c-1");
  EXPECT_EQ(out.profile().version(), 2u);
  EXPECT_EQ(out.profile().last_position(), appended.last_position());
  EXPECT_EQ(out.profile().contact_count(), 1u);
  EXPECT_EQ(out.profile().profile().name(), "Acme");
}

TEST_F(CustomerQueryTest, GetProfileErrors) {
  Register("c-1", "Acme");
  v1::GetProfileRequest r;
  r.set_customer_id("c-missing");
  v1::GetProfileResponse out;
  EXPECT_THAT(GetProfile(r, &out), GrpcStatusIs(grpc::StatusCode::NOT_FOUND));
  r.set_customer_id("c-1");
  r.set_min_position(HeadPosition() + 5);
  EXPECT_THAT(GetProfile(r, &out), GrpcStatusIs(grpc::StatusCode::OUT_OF_RANGE,
                                                HasSubstr("min_position")));
}

TEST_F(CustomerQueryTest, ArchivedCustomerIsStillReturned) {
  Register("c-1", "Acme");
  Archive("c-1");
  const v1::CustomerProfile p = Profile("c-1");
  EXPECT_TRUE(p.archived());
  EXPECT_TRUE(p.has_archived_at());
  EXPECT_EQ(p.profile().name(), "Acme");
}

TEST_F(CustomerQueryTest, TimeTravelReturnsTheOlderState) {
  const v1::AppendResponse registered = Register("c-1", "Old Name");
  absl::SleepFor(absl::Milliseconds(5));  // distinct commit times
  Classify("c-1", v1::GRADE_A);
  const uint64_t classified_a = HeadPosition();
  v1::EventPayload update;
  update.mutable_profile_updated()->mutable_profile()->set_name("New Name");
  update.mutable_profile_updated()->mutable_update_mask()->add_paths("name");
  AppendEvent("c-1", update);
  Classify("c-1", v1::GRADE_B);
  ASSERT_EQ(Profile("c-1").profile().name(), "New Name");

  v1::GetProfileRequest r;
  r.set_customer_id("c-1");
  r.set_as_of_position(registered.last_position());
  v1::GetProfileResponse out;
  ASSERT_THAT(GetProfile(r, &out), GrpcOk());
  EXPECT_EQ(out.profile().profile().name(), "Old Name");
  EXPECT_EQ(out.profile().version(), 1u);
  EXPECT_EQ(out.as_of_position(), registered.last_position());

  r.clear_as_of_position();
  *r.mutable_as_of_time() = registered.recorded_at();
  ASSERT_THAT(GetProfile(r, &out), GrpcOk());
  EXPECT_EQ(out.profile().profile().name(), "Old Name");
  EXPECT_EQ(out.profile().classification().grade(), v1::GRADE_UNSPECIFIED);

  v1::GetClassificationRequest c;
  c.set_customer_id("c-1");
  c.set_as_of_position(classified_a);
  v1::GetClassificationResponse cls;
  ASSERT_THAT(Classification(c, &cls), GrpcOk());
  EXPECT_EQ(cls.classification().grade(), v1::GRADE_A);
  EXPECT_EQ(cls.history_size(), 1);
  c.clear_as_of_position();
  ASSERT_THAT(Classification(c, &cls), GrpcOk());
  EXPECT_EQ(cls.classification().grade(), v1::GRADE_B);
  EXPECT_EQ(cls.history_size(), 2);

  // Before the customer existed.
  r.clear_as_of_time();
  *r.mutable_as_of_time() = TimeUtil::SecondsToTimestamp(1000);
  EXPECT_THAT(GetProfile(r, &out), GrpcStatusIs(grpc::StatusCode::NOT_FOUND));
}

TEST_F(CustomerQueryTest, TimelineNewestFirstWithFiltersAndPaging) {
  Register("c-1", "Acme");
  Register("c-2", "Other");
  Contact("c-2", v1::CONTACT_CHANNEL_VISIT, DaysAgo(3));  // not c-1's
  const v1::ContactChannel channels[] = {v1::CONTACT_CHANNEL_PHONE,
                                         v1::CONTACT_CHANNEL_VISIT,
                                         v1::CONTACT_CHANNEL_EMAIL};
  // Logged out of business-time order: day offsets shuffled.
  const int days[] = {5, 1, 9, 3, 12, 7, 2, 11, 4, 8, 6, 10};
  int visits = 0;
  for (int i = 0; i < 12; ++i) {
    Contact("c-1", channels[i % 3], DaysAgo(days[i]));
    if (i % 3 == 1) ++visits;
  }
  v1::ListTimelineRequest r;
  r.set_customer_id("c-1");
  r.set_page_size(5);
  std::vector<v1::TimelineEntry> all = AllTimeline(r);
  ASSERT_EQ(all.size(), 12u);
  std::set<uint64_t> positions;
  for (size_t i = 0; i < all.size(); ++i) {
    positions.insert(all[i].position());
    if (i > 0) {
      EXPECT_GT(TimeUtil::TimestampToSeconds(all[i - 1].occurred_at()),
                TimeUtil::TimestampToSeconds(all[i].occurred_at()));
    }
  }
  EXPECT_EQ(positions.size(), 12u) << "an entry was listed twice";

  r.set_oldest_first(true);
  std::vector<v1::TimelineEntry> oldest = AllTimeline(r);
  ASSERT_EQ(oldest.size(), 12u);
  EXPECT_EQ(oldest.front().position(), all.back().position());

  r.set_oldest_first(false);
  r.add_channels(v1::CONTACT_CHANNEL_VISIT);
  r.set_page_size(2);
  std::vector<v1::TimelineEntry> only_visits = AllTimeline(r);
  EXPECT_EQ(static_cast<int>(only_visits.size()), visits);
  for (const auto& e : only_visits) {
    EXPECT_EQ(e.channel(), v1::CONTACT_CHANNEL_VISIT);
  }

  // [10 days ago, 4 days ago): offsets 10, 9, 8, 7, 6, 5.
  r.clear_channels();
  *r.mutable_from_time() = DaysAgo(10, -60);
  *r.mutable_to_time() = DaysAgo(4, -60);
  std::vector<v1::TimelineEntry> ranged = AllTimeline(r);
  EXPECT_EQ(ranged.size(), 6u);
  for (const auto& e : ranged) {
    EXPECT_GE(TimeUtil::TimestampToSeconds(e.occurred_at()),
              TimeUtil::TimestampToSeconds(r.from_time()));
    EXPECT_LT(TimeUtil::TimestampToSeconds(e.occurred_at()),
              TimeUtil::TimestampToSeconds(r.to_time()));
  }
}

TEST_F(CustomerQueryTest, ClassificationHistoryShowsWhoWhyAndRule) {
  Register("c-1", "Acme");
  Classify("c-1", v1::GRADE_A, "vip", "", "alice", "met the CEO");
  Classify("c-1", v1::GRADE_C, "", "rule-9", "engine", "revenue dropped");
  v1::GetClassificationRequest r;
  r.set_customer_id("c-1");
  v1::GetClassificationResponse out;
  ASSERT_THAT(Classification(r, &out), GrpcOk());
  EXPECT_EQ(out.customer_id(), "c-1");
  EXPECT_EQ(out.classification().grade(), v1::GRADE_C);
  EXPECT_THAT(out.classification().tags(), ::testing::ElementsAre("vip"));
  ASSERT_EQ(out.history_size(), 2);
  EXPECT_EQ(out.history(0).actor(), "alice");
  EXPECT_EQ(out.history(0).reason(), "met the CEO");
  EXPECT_EQ(out.history(0).by_rule(), "");
  EXPECT_EQ(out.history(0).before().grade(), v1::GRADE_UNSPECIFIED);
  EXPECT_EQ(out.history(0).after().grade(), v1::GRADE_A);
  EXPECT_EQ(out.history(1).actor(), "engine");
  EXPECT_EQ(out.history(1).reason(), "revenue dropped");
  EXPECT_EQ(out.history(1).by_rule(), "rule-9");
  EXPECT_EQ(out.history(1).rule_version(), 2u);
  EXPECT_EQ(out.history(1).before().grade(), v1::GRADE_A);
  EXPECT_LT(out.history(0).position(), out.history(1).position());
}

TEST_F(CustomerQueryTest, SearchAndsFiltersAndMatchesNamePrefixes) {
  Register("c-1", "ACME Steel", "u-1");
  Register("c-2", "acme bank", "u-2");
  Register("c-3", "北京钢铁", "u-1");
  Register("c-4", "北京银行", "u-1");
  Register("c-5", "上海北京", "u-1");
  Classify("c-1", v1::GRADE_A, "vip");
  Classify("c-3", v1::GRADE_A);
  Classify("c-4", v1::GRADE_B, "vip");
  Register("c-6", "Acme Archived", "u-1");
  Classify("c-6", v1::GRADE_A);
  Archive("c-6");

  auto ids = [&](const v1::CustomerFilter& f, uint64_t* total = nullptr) {
    v1::SearchCustomersRequest r;
    *r.mutable_filter() = f;
    v1::SearchCustomersResponse out;
    EXPECT_THAT(Search(r, &out), GrpcOk());
    if (total != nullptr) *total = out.total_count();
    std::vector<std::string> v;
    for (const auto& c : out.customers()) v.push_back(c.customer_id());
    return v;
  };
  v1::CustomerFilter f;
  f.set_owner_id("u-1");
  f.set_grade(v1::GRADE_A);
  EXPECT_THAT(ids(f), UnorderedElementsAreArray({"c-1", "c-3"}));
  f.set_tag("vip");
  EXPECT_THAT(ids(f), UnorderedElementsAreArray({"c-1"}));
  f.set_include_archived(true);
  f.clear_tag();
  EXPECT_THAT(ids(f), UnorderedElementsAreArray({"c-1", "c-3", "c-6"}));

  v1::CustomerFilter name;
  name.set_name_prefix("aCmE");
  EXPECT_THAT(ids(name), UnorderedElementsAreArray({"c-1", "c-2"}));
  name.set_name_prefix("北京");
  EXPECT_THAT(ids(name), UnorderedElementsAreArray({"c-3", "c-4"}));
  name.set_owner_id("u-1");
  name.set_grade(v1::GRADE_B);
  EXPECT_THAT(ids(name), UnorderedElementsAreArray({"c-4"}));
  v1::CustomerFilter archived_name;
  archived_name.set_name_prefix("acme");
  archived_name.set_include_archived(true);
  uint64_t total = 0;
  EXPECT_THAT(ids(archived_name, &total),
              UnorderedElementsAreArray({"c-1", "c-2", "c-6"}));
  EXPECT_EQ(total, 3u);

  // No filter: every customer, archived ones only when asked for.
  v1::CustomerFilter none;
  EXPECT_THAT(ids(none, &total),
              UnorderedElementsAreArray({"c-1", "c-2", "c-3", "c-4", "c-5"}));
  EXPECT_EQ(total, 5u);
  none.set_include_archived(true);
  EXPECT_THAT(ids(none, &total), ::testing::SizeIs(6));
  EXPECT_EQ(total, 6u);

  v1::SearchCustomersRequest r;
  r.mutable_filter()->set_owner_id("u-1");
  r.set_page_size(2);
  v1::SearchCustomersResponse out;
  ASSERT_THAT(Search(r, &out), GrpcOk());
  EXPECT_EQ(out.customers_size(), 2);
  EXPECT_EQ(out.total_count(), 4u);  // c-1, c-3, c-4, c-5 (c-6 archived)
  EXPECT_FALSE(out.next_page_token().empty());
  int pages = 0;
  EXPECT_THAT(SearchAll(r, &pages),
              UnorderedElementsAreArray({"c-1", "c-3", "c-4", "c-5"}));
  EXPECT_EQ(pages, 2);

  // Two equality filters (an index intersection) paged one at a time.
  v1::SearchCustomersRequest both;
  both.mutable_filter()->set_owner_id("u-1");
  both.mutable_filter()->set_grade(v1::GRADE_A);
  both.mutable_filter()->set_include_archived(true);
  both.set_page_size(1);
  v1::SearchCustomersResponse first;
  ASSERT_THAT(Search(both, &first), GrpcOk());
  EXPECT_EQ(first.total_count(), 3u);
  pages = 0;
  EXPECT_THAT(SearchAll(both, &pages),
              UnorderedElementsAreArray({"c-1", "c-3", "c-6"}));
  EXPECT_EQ(pages, 3);
}

TEST_F(CustomerQueryTest, SearchPagesEachMatchExactlyOnceWhileAppending) {
  std::set<std::string> expected;
  for (int i = 0; i < 40; ++i) {
    const std::string id = absl::StrCat("p-", 100 + i);
    Register(id, absl::StrCat("Pager ", i), "pager");
    expected.insert(id);
  }
  std::atomic<bool> stop{false};
  std::atomic<int> writes{0};
  std::thread writer([&] {
    for (int i = 0; !stop.load(); ++i) {
      Contact(absl::StrCat("p-", 100 + i % 40), v1::CONTACT_CHANNEL_PHONE,
              DaysAgo(i % 30));
      ++writes;
      // Sorts between the matches, but has another owner and name.
      Register(absl::StrCat("p-", 100 + i % 40, "-x", i), "Other", "nobody");
      ++writes;
    }
  });
  for (const char* mode : {"owner", "name", "owner+name"}) {
    SCOPED_TRACE(mode);
    v1::SearchCustomersRequest r;
    if (std::string(mode) != "name") r.mutable_filter()->set_owner_id("pager");
    if (std::string(mode) != "owner") {
      r.mutable_filter()->set_name_prefix("pAGER");
    }
    r.set_page_size(3);
    std::vector<std::string> seen;
    int pages = 0;
    for (; pages < 100; ++pages) {
      // Let at least one append commit between consecutive pages.
      const int writes_before = writes.load();
      const absl::Time deadline = absl::Now() + absl::Seconds(10);
      while (writes.load() == writes_before && absl::Now() < deadline) {
        absl::SleepFor(absl::Milliseconds(1));
      }
      // EXPECT + break, never ASSERT: the writer thread must be joined.
      EXPECT_GT(writes.load(), writes_before) << "the writer is stuck";
      v1::SearchCustomersResponse out;
      const grpc::Status status = Search(r, &out);
      EXPECT_THAT(status, GrpcOk());
      if (!status.ok()) break;
      for (const auto& c : out.customers()) seen.push_back(c.customer_id());
      if (out.next_page_token().empty()) break;
      r.set_page_token(out.next_page_token());
    }
    EXPECT_EQ(pages + 1, 14);
    EXPECT_EQ(seen.size(), expected.size()) << "duplicates or misses";
    EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()), expected);
  }
  stop = true;
  writer.join();
}

TEST_F(CustomerQueryTest, DueFollowUpsByDateAndRevisitInterval) {
  const absl::CivilDay today = Today();
  const v1::Date overdue = ToDate(today - 3);
  const v1::Date future = ToDate(today + 10);
  const auto long_ago = DaysAgo(400);
  Register("due-date", "A", "u-1", &long_ago);
  Contact("due-date", v1::CONTACT_CHANNEL_PHONE, DaysAgo(5), &overdue);
  Register("revisit", "B", "u-1", &long_ago);
  Contact("revisit", v1::CONTACT_CHANNEL_VISIT, DaysAgo(100));
  Register("fresh", "C", "u-1", &long_ago);
  Contact("fresh", v1::CONTACT_CHANNEL_VISIT, DaysAgo(1), &future);
  Register("never-contacted", "D", "u-2", &long_ago);
  Register("archived", "E", "u-1", &long_ago);
  Contact("archived", v1::CONTACT_CHANNEL_PHONE, DaysAgo(100), &overdue);
  Archive("archived");
  Register("new", "F", "u-1");  // registered today

  v1::ListDueFollowUpsRequest r;
  *r.mutable_as_of() = ToDate(today);
  r.set_revisit_interval_days(30);
  r.set_page_size(1);
  std::map<std::string, v1::DueFollowUp> due;
  for (int pages = 0; pages < 20; ++pages) {
    v1::ListDueFollowUpsResponse out;
    ASSERT_THAT(Due(r, &out), GrpcOk());
    EXPECT_LE(out.due_size(), 1);
    for (const auto& d : out.due()) {
      EXPECT_TRUE(due.emplace(d.customer().customer_id(), d).second)
          << "listed twice: " << d.customer().customer_id();
    }
    if (out.next_page_token().empty()) break;
    r.set_page_token(out.next_page_token());
  }
  ASSERT_EQ(due.size(), 3u);
  ASSERT_TRUE(due.count("due-date"));
  EXPECT_EQ(due["due-date"].reason(), v1::DueFollowUp::REASON_FOLLOW_UP_DATE);
  EXPECT_TRUE(MessageDifferencer::Equals(due["due-date"].due_date(), overdue));
  ASSERT_TRUE(due.count("revisit"));
  EXPECT_EQ(due["revisit"].reason(), v1::DueFollowUp::REASON_REVISIT);
  const absl::CivilDay contacted = absl::ToCivilDay(
      absl::FromUnixSeconds(DaysAgo(100).seconds()), absl::UTCTimeZone());
  EXPECT_TRUE(MessageDifferencer::Equals(due["revisit"].due_date(),
                                         ToDate(contacted + 30)));
  ASSERT_TRUE(due.count("never-contacted"));
  EXPECT_EQ(due["never-contacted"].reason(), v1::DueFollowUp::REASON_REVISIT);

  r.clear_page_token();
  r.set_page_size(0);
  r.set_owner_id("u-2");
  v1::ListDueFollowUpsResponse out;
  ASSERT_THAT(Due(r, &out), GrpcOk());
  ASSERT_EQ(out.due_size(), 1);
  EXPECT_EQ(out.due(0).customer().customer_id(), "never-contacted");
}

TEST_F(CustomerQueryTest, AnswersSurviveRestartAndRebuild) {
  const auto old = DaysAgo(200);
  for (int i = 0; i < 6; ++i) {
    const std::string id = absl::StrCat("c-", i);
    Register(id, absl::StrCat("Firm ", i), i % 2 ? "u-1" : "u-2", &old);
    Contact(id, v1::CONTACT_CHANNEL_PHONE, DaysAgo(i * 20));
    Classify(id, i % 3 ? v1::GRADE_A : v1::GRADE_B, "vip", i % 2 ? "r" : "");
  }
  Archive("c-5");
  auto answers = [&] {
    std::vector<std::string> all;
    for (int i = 0; i < 6; ++i) {
      const std::string id = absl::StrCat("c-", i);
      v1::GetProfileRequest p;
      p.set_customer_id(id);
      v1::GetProfileResponse pr;
      EXPECT_THAT(GetProfile(p, &pr), GrpcOk());
      v1::ListTimelineRequest t;
      t.set_customer_id(id);
      v1::ListTimelineResponse tr;
      EXPECT_THAT(Timeline(t, &tr), GrpcOk());
      v1::GetClassificationRequest c;
      c.set_customer_id(id);
      v1::GetClassificationResponse cr;
      EXPECT_THAT(Classification(c, &cr), GrpcOk());
      for (const auto* m :
           {static_cast<const google::protobuf::Message*>(&pr),
            static_cast<const google::protobuf::Message*>(&tr),
            static_cast<const google::protobuf::Message*>(&cr)}) {
        all.push_back(m->DebugString());
      }
    }
    v1::SearchCustomersRequest s;
    s.mutable_filter()->set_tag("vip");
    s.mutable_filter()->set_include_archived(true);
    v1::SearchCustomersResponse sr;
    EXPECT_THAT(Search(s, &sr), GrpcOk());
    all.push_back(sr.DebugString());
    v1::ListDueFollowUpsRequest d;
    *d.mutable_as_of() = ToDate(Today());
    d.set_revisit_interval_days(50);
    v1::ListDueFollowUpsResponse dr;
    EXPECT_THAT(Due(d, &dr), GrpcOk());
    EXPECT_GT(dr.due_size(), 0);
    all.push_back(dr.DebugString());
    return all;
  };
  const std::vector<std::string> before = answers();
  RestartServer();
  EXPECT_EQ(answers(), before) << "after a restart";
  options_.rebuild_projections = true;
  RestartServer();
  EXPECT_EQ(answers(), before) << "after a rebuild";
}

TEST_F(CustomerQueryTest, InvalidInputsNameTheField) {
  Register("c-1", "Acme");
  const auto invalid = [](const std::string& field) {
    return GrpcStatusIs(grpc::StatusCode::INVALID_ARGUMENT, HasSubstr(field));
  };
  v1::GetProfileRequest p;
  p.set_customer_id("bad id!");
  v1::GetProfileResponse pr;
  EXPECT_THAT(GetProfile(p, &pr), invalid("customer_id"));
  p.set_customer_id("c-1");
  p.set_as_of_position(1);
  *p.mutable_as_of_time() = DaysAgo(0);
  EXPECT_THAT(GetProfile(p, &pr), invalid("as_of"));

  v1::GetClassificationRequest c;
  c.set_customer_id("c-1");
  c.set_as_of_position(1);
  *c.mutable_as_of_time() = DaysAgo(0);
  v1::GetClassificationResponse cr;
  EXPECT_THAT(Classification(c, &cr), invalid("as_of"));

  v1::ListTimelineRequest t;
  t.set_customer_id("c-1");
  t.set_page_token("!!not base64!!");
  v1::ListTimelineResponse tr;
  EXPECT_THAT(Timeline(t, &tr), invalid("page_token"));
  t.set_customer_id("");
  EXPECT_THAT(Timeline(t, &tr), invalid("customer_id"));

  v1::SearchCustomersRequest s;
  s.set_page_token("%%%");
  v1::SearchCustomersResponse sr;
  EXPECT_THAT(Search(s, &sr), invalid("page_token"));

  v1::ListDueFollowUpsRequest d;
  d.mutable_as_of()->set_year(2023);
  d.mutable_as_of()->set_month(2);
  d.mutable_as_of()->set_day(30);
  v1::ListDueFollowUpsResponse dr;
  EXPECT_THAT(Due(d, &dr), invalid("as_of"));
  d.clear_as_of();
  EXPECT_THAT(Due(d, &dr), invalid("as_of"));
  *d.mutable_as_of() = ToDate(Today());
  d.set_page_token("%%%");
  EXPECT_THAT(Due(d, &dr), invalid("page_token"));
}

}  // namespace
}  // namespace ledger::testing
