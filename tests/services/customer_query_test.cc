// ledger.v1.CustomerQuery against a real in-process server.

#include "tests/services/customer_query_fixture.h"

namespace ledger::testing {
namespace {

using google::protobuf::util::MessageDifferencer;
using google::protobuf::util::TimeUtil;
using ::testing::HasSubstr;
using ::testing::UnorderedElementsAreArray;

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
