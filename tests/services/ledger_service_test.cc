// Append, ReadStream, ReadAll and GetInfo over gRPC against a real server.

#include <algorithm>
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "ledger/v1/ledger.grpc.pb.h"
#include "tests/services/service_test_util.h"

namespace ledger::testing {
namespace {

namespace v1 = ::ledger::v1;
using google::protobuf::util::MessageDifferencer;
using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;

class LedgerServiceTest : public LedgerTestBase {
 protected:
  v1::ReadStreamResponse StreamPage(const std::string& customer_id,
                                    uint64_t from_version, bool backwards,
                                    uint32_t limit) {
    v1::ReadStreamRequest request;
    request.set_customer_id(customer_id);
    request.set_from_version(from_version);
    request.set_direction(backwards ? v1::READ_DIRECTION_BACKWARDS
                                    : v1::READ_DIRECTION_FORWARDS);
    request.set_limit(limit);
    v1::ReadStreamResponse response;
    EXPECT_THAT(ReadStream(request, &response), GrpcOk());
    return response;
  }

  v1::ReadAllResponse AllPage(uint64_t from_position, uint32_t limit,
                              const v1::EventFilter& filter = {}) {
    v1::ReadAllRequest request;
    request.set_from_position(from_position);
    request.set_limit(limit);
    *request.mutable_filter() = filter;
    v1::ReadAllResponse response;
    EXPECT_THAT(ReadAll(request, &response), GrpcOk());
    return response;
  }

  // Customers "a" and "b", registered first, then `contacts` contacts each,
  // interleaved, so stream versions and log positions differ.
  void AppendInterleaved(int contacts) {
    AppendOk(RegisterRequest("a"));
    AppendOk(RegisterRequest("b"));
    for (int i = 0; i < contacts; ++i) {
      AppendOk(ContactRequest("a", "a-" + std::to_string(i)));
      AppendOk(ContactRequest("b", "b-" + std::to_string(i)));
    }
  }
};

std::vector<uint64_t> Versions(const v1::ReadStreamResponse& page) {
  std::vector<uint64_t> out;
  for (const v1::Event& e : page.events()) out.push_back(e.version());
  return out;
}

std::vector<uint64_t> Positions(const std::vector<v1::Event>& events) {
  std::vector<uint64_t> out;
  for (const v1::Event& e : events) out.push_back(e.position());
  return out;
}

std::vector<uint64_t> Positions(const v1::ReadAllResponse& page) {
  return Positions(
      std::vector<v1::Event>(page.events().begin(), page.events().end()));
}

TEST_F(LedgerServiceTest, AppendReturnsPositionsAndVersions) {
  v1::AppendResponse first = AppendOk(RegisterRequest("c1"));
  EXPECT_EQ(first.first_position(), 1u);
  EXPECT_EQ(first.last_position(), 1u);
  EXPECT_EQ(first.first_version(), 1u);
  EXPECT_EQ(first.last_version(), 1u);
  EXPECT_FALSE(first.duplicate());

  v1::AppendResponse second = AppendOk(ContactsRequest("c1", 3, "x"));
  EXPECT_EQ(second.first_position(), 2u);
  EXPECT_EQ(second.last_position(), 4u);
  EXPECT_EQ(second.first_version(), 2u);
  EXPECT_EQ(second.last_version(), 4u);
  EXPECT_GE(Micros(second.recorded_at()), Micros(first.recorded_at()));

  v1::AppendResponse other = AppendOk(RegisterRequest("c2"));
  EXPECT_EQ(other.first_position(), 5u);
  EXPECT_EQ(other.first_version(), 1u);
  EXPECT_EQ(other.last_version(), 1u);
}

TEST_F(LedgerServiceTest, ReadStreamReturnsPayloadAndMetadata) {
  v1::AppendRequest request = RegisterRequest("cust-1", "ACME Ltd");
  request.set_request_id("req-round-trip");
  v1::AppendMetadata* meta = request.mutable_metadata();
  meta->set_actor("alice");
  meta->set_reason("new lead");
  meta->set_correlation_id("corr-7");
  meta->set_causation_id("cmd-3");
  meta->set_service("crm-web");
  meta->set_on_behalf_of("bob");
  v1::CustomerRegistered* registered = request.mutable_events(0)
                                           ->mutable_payload()
                                           ->mutable_customer_registered();
  registered->set_owner_id("sales-1");
  registered->mutable_profile()->set_short_name("ACME");
  registered->mutable_profile()->add_phones("+86 (10) 1234-5678");
  registered->mutable_profile()->add_emails("info@acme.example");
  registered->mutable_profile()->mutable_address()->set_city("Beijing");
  registered->mutable_profile()->set_industry("machinery");

  v1::ProposedEvent* contact = request.add_events();
  contact->set_reason("follow-up call");
  contact->mutable_occurred_at()->set_seconds(1704164645);
  contact->mutable_occurred_at()->set_nanos(123456789);  // truncated to us
  v1::ContactLogged* logged =
      contact->mutable_payload()->mutable_contact_logged();
  logged->set_channel(v1::CONTACT_CHANNEL_VISIT);
  v1::ContactParticipant* person = logged->add_participants();
  person->set_name("Ms. Li");
  person->set_role(v1::CONTACT_ROLE_DECISION_MAKER);
  logged->set_content("product demo");
  logged->set_result("interested");
  logged->set_next_step("send a quote");
  logged->mutable_next_follow_up()->set_year(2024);
  logged->mutable_next_follow_up()->set_month(2);
  logged->mutable_next_follow_up()->set_day(29);

  v1::CustomerClassified* classified =
      request.add_events()->mutable_payload()->mutable_customer_classified();
  classified->set_grade(v1::GRADE_A);
  classified->add_tags_added("vip");

  const int64_t before = NowMicros();
  const v1::AppendResponse response = AppendOk(request);
  const int64_t after = NowMicros();
  EXPECT_EQ(response.first_position(), 1u);
  EXPECT_EQ(response.last_position(), 3u);
  EXPECT_EQ(response.first_version(), 1u);
  EXPECT_EQ(response.last_version(), 3u);
  EXPECT_FALSE(response.duplicate());
  EXPECT_GE(Micros(response.recorded_at()), before);
  EXPECT_LE(Micros(response.recorded_at()), after);

  v1::ReadStreamRequest read;
  read.set_customer_id("cust-1");
  v1::ReadStreamResponse page;
  ASSERT_THAT(ReadStream(read, &page), GrpcOk());
  EXPECT_EQ(page.stream_version(), 3u);
  EXPECT_EQ(page.next_version(), 0u);
  ASSERT_EQ(page.events_size(), 3);
  const char* const kTypes[] = {"CustomerRegistered", "ContactLogged",
                                "CustomerClassified"};
  for (int i = 0; i < 3; ++i) {
    SCOPED_TRACE(i);
    const v1::Event& event = page.events(i);
    EXPECT_EQ(event.position(), static_cast<uint64_t>(i + 1));
    EXPECT_EQ(event.version(), static_cast<uint64_t>(i + 1));
    EXPECT_EQ(event.customer_id(), "cust-1");
    EXPECT_EQ(event.event_type(), kTypes[i]);
    EXPECT_TRUE(MessageDifferencer::Equals(event.payload(),
                                           request.events(i).payload()))
        << event.payload().DebugString();
    const v1::EventMetadata& m = event.metadata();
    EXPECT_EQ(m.actor(), "alice");
    EXPECT_EQ(m.reason(), i == 1 ? "follow-up call" : "new lead");
    EXPECT_EQ(m.correlation_id(), "corr-7");
    EXPECT_EQ(m.causation_id(), "cmd-3");
    EXPECT_EQ(m.service(), "crm-web");
    EXPECT_EQ(m.on_behalf_of(), "bob");
    EXPECT_EQ(m.request_id(), "req-round-trip");
    EXPECT_EQ(Micros(m.recorded_at()), Micros(response.recorded_at()));
    if (i == 1) {
      EXPECT_EQ(Micros(m.occurred_at()), int64_t{1704164645123456});
    } else {
      // Defaults to the server's time of the append.
      EXPECT_GE(Micros(m.occurred_at()), before);
      EXPECT_LE(Micros(m.occurred_at()), after);
    }
    EXPECT_EQ(event.payload_sha256().size(), 32u);
    EXPECT_EQ(event.hash().size(), 32u);
    EXPECT_TRUE(event.raw_payload().empty());
  }
}

TEST_F(LedgerServiceTest, HashChainLinksConsecutiveEvents) {
  AppendInterleaved(3);
  AppendOk(ContactsRequest("a", 4, "batch"));
  const std::vector<v1::Event> events = AllEvents();
  ASSERT_EQ(events.size(), 12u);
  EXPECT_EQ(events[0].prev_hash(), ZeroHash());
  std::set<std::string> hashes;
  for (size_t i = 0; i < events.size(); ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(events[i].position(), i + 1);
    EXPECT_EQ(events[i].hash().size(), 32u);
    if (i > 0) {
      EXPECT_EQ(events[i].prev_hash(), events[i - 1].hash());
    }
    hashes.insert(events[i].hash());
  }
  EXPECT_EQ(hashes.size(), events.size()) << "hashes repeat";
  EXPECT_EQ(Info().head_hash(), events.back().hash());
}

TEST_F(LedgerServiceTest, RawPayloadIsReturnedOnlyWhenAsked) {
  AppendOk(RegisterRequest("a"));
  AppendOk(ContactsRequest("a", 3, "raw"));
  const std::vector<v1::Event> with_raw = StreamEvents("a", true);
  const std::vector<v1::Event> all_raw = AllEvents({}, true);
  const std::vector<v1::Event> without_raw = StreamEvents("a", false);
  const std::vector<v1::Event> all_without = AllEvents({}, false);
  ASSERT_EQ(with_raw.size(), 4u);
  ASSERT_EQ(all_raw.size(), 4u);
  ASSERT_EQ(without_raw.size(), 4u);
  ASSERT_EQ(all_without.size(), 4u);
  for (size_t i = 0; i < 4; ++i) {
    SCOPED_TRACE(i);
    for (const v1::Event* e : {&with_raw[i], &all_raw[i]}) {
      ASSERT_FALSE(e->raw_payload().empty());
      EXPECT_EQ(e->payload_sha256(), Sha256(e->raw_payload()));
      v1::EventPayload parsed;
      ASSERT_TRUE(parsed.ParseFromString(e->raw_payload()));
      // The registration's name is personal: stored sealed, shown opened.
      // Everything else is the stored payload.
      EXPECT_EQ(parsed.has_sealed(), i == 0);
      v1::EventPayload shown = e->payload();
      if (parsed.has_sealed()) {
        parsed.clear_sealed();
        EXPECT_EQ(parsed.customer_registered().profile().name(), "");
        EXPECT_EQ(shown.customer_registered().profile().name(), "ACME");
        shown.mutable_customer_registered()->mutable_profile()->clear_name();
      }
      EXPECT_TRUE(MessageDifferencer::Equals(parsed, shown));
    }
    for (const v1::Event* e : {&without_raw[i], &all_without[i]}) {
      EXPECT_TRUE(e->raw_payload().empty());
      EXPECT_EQ(e->payload_sha256(), with_raw[i].payload_sha256());
      EXPECT_EQ(e->hash(), with_raw[i].hash());
    }
  }
}

TEST_F(LedgerServiceTest, ReadStreamPagesForwards) {
  AppendInterleaved(9);  // "a" has versions 1..10

  v1::ReadStreamResponse page = StreamPage("a", 0, false, 4);
  EXPECT_THAT(Versions(page), ElementsAre(1, 2, 3, 4));
  EXPECT_EQ(page.stream_version(), 10u);
  EXPECT_EQ(page.next_version(), 5u);
  page = StreamPage("a", page.next_version(), false, 4);
  EXPECT_THAT(Versions(page), ElementsAre(5, 6, 7, 8));
  EXPECT_EQ(page.next_version(), 9u);
  page = StreamPage("a", page.next_version(), false, 4);
  EXPECT_THAT(Versions(page), ElementsAre(9, 10));
  EXPECT_EQ(page.next_version(), 0u);
  for (const v1::Event& e : page.events()) EXPECT_EQ(e.customer_id(), "a");
  EXPECT_EQ(page.events(1).payload().contact_logged().content(), "a-8");
  EXPECT_EQ(page.events(1).position(), 19u);  // a-8 follows b-7 at 18

  // Past the end: empty, but the stream version is reported.
  page = StreamPage("a", 11, false, 4);
  EXPECT_EQ(page.events_size(), 0);
  EXPECT_EQ(page.stream_version(), 10u);
  EXPECT_EQ(page.next_version(), 0u);
}

TEST_F(LedgerServiceTest, ReadStreamPagesBackwards) {
  AppendInterleaved(9);

  v1::ReadStreamResponse page = StreamPage("b", 0, true, 4);
  EXPECT_THAT(Versions(page), ElementsAre(10, 9, 8, 7));
  EXPECT_EQ(page.stream_version(), 10u);
  EXPECT_EQ(page.next_version(), 6u);
  EXPECT_EQ(page.events(0).payload().contact_logged().content(), "b-8");
  EXPECT_GT(page.events(0).position(), page.events(1).position());
  page = StreamPage("b", page.next_version(), true, 4);
  EXPECT_THAT(Versions(page), ElementsAre(6, 5, 4, 3));
  EXPECT_EQ(page.next_version(), 2u);
  page = StreamPage("b", page.next_version(), true, 4);
  EXPECT_THAT(Versions(page), ElementsAre(2, 1));
  EXPECT_EQ(page.next_version(), 0u);
  EXPECT_EQ(page.events(1).event_type(), "CustomerRegistered");

  // A start beyond the head starts at the head.
  page = StreamPage("b", 99, true, 2);
  EXPECT_THAT(Versions(page), ElementsAre(10, 9));
}

TEST_F(LedgerServiceTest, ReadAllPagesWithNextPosition) {
  AppendInterleaved(11);
  AppendOk(ContactsRequest("a", 1, "last"));  // 25 events

  v1::ReadAllResponse page = AllPage(0, 10);
  EXPECT_THAT(Positions(page), ElementsAre(1, 2, 3, 4, 5, 6, 7, 8, 9, 10));
  EXPECT_EQ(page.next_position(), 11u);
  EXPECT_EQ(page.head_position(), 25u);
  EXPECT_FALSE(page.end_of_log());
  page = AllPage(page.next_position(), 10);
  EXPECT_EQ(Positions(page).front(), 11u);
  EXPECT_EQ(Positions(page).back(), 20u);
  EXPECT_FALSE(page.end_of_log());
  page = AllPage(page.next_position(), 10);
  EXPECT_THAT(Positions(page), ElementsAre(21, 22, 23, 24, 25));
  EXPECT_EQ(page.next_position(), 26u);
  EXPECT_TRUE(page.end_of_log());
  EXPECT_EQ(page.events(4).payload().contact_logged().content(), "last-0");

  page = AllPage(26, 10);
  EXPECT_EQ(page.events_size(), 0);
  EXPECT_TRUE(page.end_of_log());
  EXPECT_EQ(page.head_position(), 25u);

  // from_position 1 is the beginning too; limit 0 means the default (100).
  EXPECT_EQ(Positions(AllPage(1, 3)), Positions(AllPage(0, 3)));
  page = AllPage(0, 0);
  EXPECT_EQ(page.events_size(), 25);
  EXPECT_TRUE(page.end_of_log());
}

TEST_F(LedgerServiceTest, ReadPageSizeIsCappedByTheServer) {
  options_.limits.max_read_page = 7;
  options_.limits.default_read_page = 5;
  RestartServer();
  AppendInterleaved(9);
  EXPECT_EQ(AllPage(0, 100).events_size(), 7);
  EXPECT_EQ(AllPage(0, 0).events_size(), 5);
  EXPECT_EQ(StreamPage("a", 0, false, 100).events_size(), 7);
  EXPECT_EQ(StreamPage("a", 0, true, 0).events_size(), 5);
}

class LedgerFilterTest : public LedgerServiceTest {
 protected:
  void SetUp() override {
    LedgerServiceTest::SetUp();
    AppendOk(RegisterRequest("a"));
    AppendOk(RegisterRequest("b"));
    AppendOk(ContactRequest("a", "a1"));
    AppendOk(ClassifyRequest("b", v1::GRADE_B));
    AppendOk(ContactsRequest("b", 2, "b"));
    AppendOk(RegisterRequest("c"));
    AppendOk(ClassifyRequest("a", v1::GRADE_K));
    AppendOk(ContactRequest("c", "c1"));
    AppendOk(ContactRequest("b", "b3"));
    all_ = AllEvents();
    ASSERT_EQ(all_.size(), 10u);
  }

  // Positions of all_ that `keep` accepts.
  template <typename Pred>
  std::vector<uint64_t> Expected(Pred keep) const {
    std::vector<uint64_t> out;
    for (const v1::Event& e : all_) {
      if (keep(e)) out.push_back(e.position());
    }
    return out;
  }

  std::vector<v1::Event> all_;
};

TEST_F(LedgerFilterTest, ReadAllFiltersByEventType) {
  v1::EventFilter filter;
  filter.add_event_types("ContactLogged");
  const std::vector<uint64_t> contacts = Expected(
      [](const v1::Event& e) { return e.event_type() == "ContactLogged"; });
  EXPECT_THAT(Positions(AllEvents(filter)), ElementsAre(3, 5, 6, 9, 10));
  EXPECT_THAT(Positions(AllEvents(filter)), ElementsAreArray(contacts));

  filter.add_event_types("CustomerClassified");
  EXPECT_THAT(Positions(AllEvents(filter)),
              ElementsAreArray(Expected([](const v1::Event& e) {
                return e.event_type() != "CustomerRegistered";
              })));
}

TEST_F(LedgerFilterTest, ReadAllFiltersByCustomer) {
  v1::EventFilter filter;
  filter.add_customer_ids("b");
  EXPECT_THAT(Positions(AllEvents(filter)), ElementsAre(2, 4, 5, 6, 10));
  filter.add_customer_ids("c");
  EXPECT_THAT(Positions(AllEvents(filter)),
              ElementsAreArray(Expected(
                  [](const v1::Event& e) { return e.customer_id() != "a"; })));
  v1::EventFilter nobody;
  nobody.add_customer_ids("nobody");
  EXPECT_TRUE(AllEvents(nobody).empty());
}

TEST_F(LedgerFilterTest, ReadAllCombinesFiltersWithAnd) {
  v1::EventFilter filter;
  filter.add_customer_ids("b");
  filter.add_event_types("ContactLogged");
  EXPECT_THAT(Positions(AllEvents(filter)), ElementsAre(5, 6, 10));
  for (const v1::Event& e : AllEvents(filter)) {
    EXPECT_EQ(e.customer_id(), "b");
    EXPECT_EQ(e.event_type(), "ContactLogged");
  }
}

TEST_F(LedgerServiceTest, FilteredReadAllResumesAfterTheScanLimit) {
  options_.limits.max_scan = 5;
  RestartServer();
  AppendInterleaved(9);            // 20 events
  AppendOk(RegisterRequest("z"));  // position 21
  v1::EventFilter filter;
  filter.add_customer_ids("z");
  v1::ReadAllResponse page = AllPage(0, 10, filter);
  EXPECT_EQ(page.events_size(), 0);
  EXPECT_FALSE(page.end_of_log());
  EXPECT_EQ(page.next_position(), 6u);  // scanned 1..5
  EXPECT_EQ(page.head_position(), 21u);
  EXPECT_THAT(Positions(AllEvents(filter)), ElementsAre(21));
}

TEST_F(LedgerServiceTest, GetInfoReportsHeadAndCounters) {
  v1::GetInfoResponse info = Info();
  EXPECT_EQ(info.head_position(), 0u);
  EXPECT_EQ(info.head_hash(), ZeroHash());
  EXPECT_EQ(info.commit_groups(), 0u);
  EXPECT_EQ(info.committed_appends(), 0u);
  EXPECT_EQ(info.committed_events(), 0u);
  EXPECT_TRUE(info.sync_writes());
  EXPECT_FALSE(info.server_version().empty());
  EXPECT_LE(Micros(info.started_at()), NowMicros());
  EXPECT_GT(Micros(info.started_at()), NowMicros() - 60'000'000);

  AppendOk(RegisterRequest("a"));
  AppendOk(ContactsRequest("a", 3, "x"));
  v1::AppendRequest stale = ContactRequest("a");
  stale.mutable_expected_version()->set_exact(1);
  EXPECT_THAT(Append(stale), GrpcStatusIs(grpc::StatusCode::ABORTED));

  info = Info();
  EXPECT_EQ(info.head_position(), 4u);
  EXPECT_EQ(info.head_hash(), AllEvents().back().hash());
  EXPECT_EQ(info.commit_groups(), 2u);  // sequential appends: one group each
  EXPECT_EQ(info.committed_appends(), 2u);
  EXPECT_EQ(info.committed_events(), 4u);

  // Counters are per process; the head survives a restart.
  const std::string head_hash = info.head_hash();
  options_.sync = false;
  RestartServer();
  info = Info();
  EXPECT_EQ(info.head_position(), 4u);
  EXPECT_EQ(info.head_hash(), head_hash);
  EXPECT_EQ(info.committed_events(), 0u);
  EXPECT_FALSE(info.sync_writes());
}

TEST_F(LedgerServiceTest, AppendAcceptsMatchingExactExpectedVersion) {
  AppendOk(RegisterRequest("a"));
  v1::AppendRequest request = ContactsRequest("a", 2, "x");
  request.mutable_expected_version()->set_exact(1);
  v1::AppendResponse response = AppendOk(request);
  EXPECT_EQ(response.last_version(), 3u);
  request.mutable_expected_version()->set_exact(response.last_version());
  EXPECT_EQ(AppendOk(request).last_version(), 5u);
  v1::AppendRequest exists = ContactRequest("a");
  exists.mutable_expected_version()->mutable_stream_exists();
  EXPECT_EQ(AppendOk(exists).last_version(), 6u);
}

TEST_F(LedgerServiceTest, AppendRejectsStaleExpectedVersion) {
  AppendOk(RegisterRequest("a"));
  AppendOk(ContactsRequest("a", 2, "x"));  // now at version 3
  const uint64_t head = HeadPosition();
  v1::AppendRequest stale = ContactRequest("a", "late");
  stale.mutable_expected_version()->set_exact(1);
  EXPECT_THAT(Append(stale), GrpcStatusIs(grpc::StatusCode::ABORTED,
                                          HasSubstr("at version 3")));
  stale.mutable_expected_version()->set_exact(7);
  EXPECT_THAT(Append(stale), GrpcStatusIs(grpc::StatusCode::ABORTED,
                                          HasSubstr("at version 3")));
  EXPECT_EQ(HeadPosition(), head);
  EXPECT_EQ(StreamEvents("a").size(), 3u);
}

}  // namespace
}  // namespace ledger::testing
