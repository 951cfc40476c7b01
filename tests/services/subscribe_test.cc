// Subscribe over gRPC: catch-up then live without gap or duplicate, filters,
// from_end, checkpoints, cancellation, shutdown and slow subscribers.

#include <chrono>
#include <cstdint>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ledger/v1/ledger.grpc.pb.h"
#include "tests/services/service_test_util.h"

namespace ledger::testing {
namespace {

namespace v1 = ::ledger::v1;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

// One Subscribe call. Cancels and finishes the call when destroyed.
class Subscription {
 public:
  Subscription(std::unique_ptr<grpc::ClientContext> context,
               v1::Ledger::Stub& stub, const v1::SubscribeRequest& request)
      : context_(std::move(context)),
        reader_(stub.Subscribe(context_.get(), request)) {}
  ~Subscription() {
    Cancel();
    Finish();
  }

  bool Read(v1::SubscribeResponse* message) { return reader_->Read(message); }

  // Reads the next event or caught_up, skipping periodic checkpoints.
  bool ReadSkippingCheckpoints(v1::SubscribeResponse* message) {
    while (Read(message)) {
      if (!message->has_checkpoint()) return true;
    }
    return false;
  }

  void Cancel() { context_->TryCancel(); }

  // Drains the stream and returns its status. Call after the stream ended or
  // was cancelled.
  grpc::Status Finish() {
    if (!finished_) {
      v1::SubscribeResponse ignored;
      while (reader_->Read(&ignored)) {
      }
      status_ = reader_->Finish();
      finished_ = true;
    }
    return status_;
  }

 private:
  std::unique_ptr<grpc::ClientContext> context_;
  std::unique_ptr<grpc::ClientReader<v1::SubscribeResponse>> reader_;
  bool finished_ = false;
  grpc::Status status_;
};

class SubscribeTest : public LedgerTestBase {
 protected:
  SubscribeTest() {
    options_.limits.checkpoint_interval = absl::Milliseconds(200);
  }

  std::unique_ptr<Subscription> Subscribe(const v1::SubscribeRequest& request) {
    return std::make_unique<Subscription>(Context(absl::Seconds(30)), stub(),
                                          request);
  }

  std::unique_ptr<Subscription> SubscribeFrom(
      uint64_t position, const v1::EventFilter& filter = {}) {
    v1::SubscribeRequest request;
    request.set_from_position(position);
    *request.mutable_filter() = filter;
    return Subscribe(request);
  }

  // Reads events until caught_up; returns their positions and stores the
  // caught_up position.
  std::vector<uint64_t> ReadUntilCaughtUp(Subscription& subscription,
                                          uint64_t* caught_up) {
    std::vector<uint64_t> positions;
    v1::SubscribeResponse message;
    while (subscription.ReadSkippingCheckpoints(&message)) {
      if (message.has_caught_up()) {
        *caught_up = message.caught_up().position();
        return positions;
      }
      positions.push_back(message.event().position());
    }
    ADD_FAILURE() << "the stream ended before caught_up: "
                  << subscription.Finish().error_message();
    return positions;
  }

  // Reads `count` events (checkpoints skipped; caught_up is a failure).
  std::vector<uint64_t> ReadEvents(Subscription& subscription, int count) {
    std::vector<uint64_t> positions;
    v1::SubscribeResponse message;
    while (static_cast<int>(positions.size()) < count &&
           subscription.ReadSkippingCheckpoints(&message)) {
      EXPECT_TRUE(message.has_event()) << message.DebugString();
      if (message.has_event()) positions.push_back(message.event().position());
    }
    EXPECT_EQ(static_cast<int>(positions.size()), count) << "stream ended";
    return positions;
  }
};

TEST_F(SubscribeTest, CatchUpThenLiveDeliversEveryEventOnce) {
  constexpr int kCustomers = 4;
  for (int c = 0; c < kCustomers; ++c)
    AppendOk(RegisterRequest(absl::StrCat("c", c)));
  for (int i = 0; i < 37; ++i) {
    AppendOk(ContactsRequest(absl::StrCat("c", i % kCustomers), 8,
                             absl::StrCat("old", i)));
  }
  constexpr uint64_t kInitial = kCustomers + 37 * 8;  // 300: more than a page
  ASSERT_EQ(HeadPosition(), kInitial);

  std::unique_ptr<Subscription> subscription = SubscribeFrom(1);
  v1::SubscribeResponse message;
  ASSERT_TRUE(subscription->Read(&message));
  ASSERT_TRUE(message.has_event()) << message.DebugString();
  ASSERT_EQ(message.event().position(), 1u);
  std::vector<v1::Event> received = {message.event()};

  // Live appends from several threads while the subscriber catches up.
  constexpr int kThreads = 4;
  constexpr int kAppendsPerThread = 25;
  constexpr int kEventsPerAppend = 2;
  std::vector<std::thread> appenders;
  for (int t = 0; t < kThreads; ++t) {
    appenders.emplace_back([&, t] {
      for (int i = 0; i < kAppendsPerThread; ++i) {
        EXPECT_THAT(
            Append(ContactsRequest(absl::StrCat("c", t), kEventsPerAppend,
                                   absl::StrCat("live", t, ".", i))),
            GrpcOk());
      }
    });
  }
  constexpr uint64_t kTotal =
      kInitial + kThreads * kAppendsPerThread * kEventsPerAppend;

  // No ASSERT until the appenders are joined: they use this frame.
  int caught_up_count = 0;
  bool checkpoint_after_all = false;
  while (!checkpoint_after_all && subscription->Read(&message)) {
    const uint64_t last = received.back().position();
    if (message.has_event()) {
      if (message.event().position() != last + 1) {
        ADD_FAILURE() << "gap or duplicate: " << message.event().position()
                      << " after " << last;
        break;
      }
      received.push_back(message.event());
    } else if (message.has_caught_up()) {
      ++caught_up_count;
      EXPECT_EQ(message.caught_up().position(), last);
      EXPECT_GE(message.caught_up().position(), kInitial);
    } else {
      EXPECT_TRUE(message.has_checkpoint()) << message.DebugString();
      EXPECT_EQ(message.checkpoint().position(), last);
      // Once everything arrived, one more checkpoint gives a second
      // caught_up the chance to show up.
      checkpoint_after_all = last == kTotal && caught_up_count > 0;
    }
  }
  for (std::thread& appender : appenders) appender.join();
  ASSERT_TRUE(checkpoint_after_all)
      << "stream ended: " << subscription->Finish().error_message();
  EXPECT_EQ(received.size(), kTotal);
  EXPECT_EQ(caught_up_count, 1);

  const std::vector<v1::Event> log = AllEvents();
  ASSERT_EQ(log.size(), kTotal);
  for (size_t i = 0; i < log.size(); ++i) {
    ASSERT_EQ(received[i].hash(), log[i].hash()) << "position " << i + 1;
    EXPECT_EQ(received[i].customer_id(), log[i].customer_id());
  }
}

TEST_F(SubscribeTest, FiltersByEventTypeAndCustomer) {
  AppendOk(RegisterRequest("a"));               // 1
  AppendOk(RegisterRequest("b"));               // 2
  AppendOk(ContactRequest("a", "a1"));          // 3
  AppendOk(ContactRequest("b", "b1"));          // 4
  AppendOk(ClassifyRequest("b", v1::GRADE_B));  // 5
  AppendOk(ContactsRequest("b", 2, "b"));       // 6, 7

  v1::EventFilter b_contacts;
  b_contacts.add_customer_ids("b");
  b_contacts.add_event_types("ContactLogged");
  v1::EventFilter types;
  types.add_event_types("CustomerClassified");
  types.add_event_types("CustomerRegistered");
  v1::EventFilter customer_a;
  customer_a.add_customer_ids("a");
  std::unique_ptr<Subscription> sub_b_contacts = SubscribeFrom(0, b_contacts);
  std::unique_ptr<Subscription> sub_types = SubscribeFrom(0, types);
  std::unique_ptr<Subscription> sub_a = SubscribeFrom(0, customer_a);

  uint64_t caught_up = 0;
  EXPECT_THAT(ReadUntilCaughtUp(*sub_b_contacts, &caught_up),
              ElementsAre(4, 6, 7));
  EXPECT_EQ(caught_up, 7u);
  EXPECT_THAT(ReadUntilCaughtUp(*sub_types, &caught_up), ElementsAre(1, 2, 5));
  EXPECT_EQ(caught_up, 7u);
  EXPECT_THAT(ReadUntilCaughtUp(*sub_a, &caught_up), ElementsAre(1, 3));
  EXPECT_EQ(caught_up, 7u);

  // Live: each subscriber's next event is its next match, nothing between.
  AppendOk(ContactRequest("a", "a2"));          // 8
  AppendOk(ClassifyRequest("b", v1::GRADE_C));  // 9
  AppendOk(ContactRequest("b", "b-marker"));    // 10
  AppendOk(RegisterRequest("c"));               // 11
  EXPECT_THAT(ReadEvents(*sub_b_contacts, 1), ElementsAre(10));
  EXPECT_THAT(ReadEvents(*sub_types, 2), ElementsAre(9, 11));
  EXPECT_THAT(ReadEvents(*sub_a, 1), ElementsAre(8));
}

TEST_F(SubscribeTest, RejectsUnknownEventTypeInFilter) {
  v1::EventFilter filter;
  filter.add_event_types("CustomerDeleted");
  std::unique_ptr<Subscription> subscription = SubscribeFrom(1, filter);
  v1::SubscribeResponse message;
  EXPECT_FALSE(subscription->Read(&message));
  EXPECT_THAT(subscription->Finish(),
              GrpcStatusIs(grpc::StatusCode::INVALID_ARGUMENT,
                           HasSubstr("filter.event_types[0]")));
}

TEST_F(SubscribeTest, FromEndDeliversOnlyNewEvents) {
  AppendOk(RegisterRequest("a"));
  AppendOk(ContactsRequest("a", 9, "old"));  // head 10
  v1::SubscribeRequest request;
  request.set_from_end(true);
  request.set_from_position(2);  // ignored with from_end
  request.set_include_raw_payload(true);
  std::unique_ptr<Subscription> subscription = Subscribe(request);
  v1::SubscribeResponse message;
  ASSERT_TRUE(subscription->ReadSkippingCheckpoints(&message));
  ASSERT_TRUE(message.has_caught_up()) << message.DebugString();
  EXPECT_EQ(message.caught_up().position(), 10u);

  AppendOk(ContactsRequest("a", 3, "new"));
  for (uint64_t position = 11; position <= 13; ++position) {
    ASSERT_TRUE(subscription->ReadSkippingCheckpoints(&message));
    ASSERT_TRUE(message.has_event()) << message.DebugString();
    const v1::Event& event = message.event();
    EXPECT_EQ(event.position(), position);
    EXPECT_EQ(event.payload().contact_logged().content(),
              absl::StrCat("new-", position - 11));
    EXPECT_EQ(event.payload_sha256(), Sha256(event.raw_payload()));
  }
}

TEST_F(SubscribeTest, IdleSubscriptionSendsCheckpointsAtTheHead) {
  AppendOk(RegisterRequest("a"));
  AppendOk(ContactsRequest("a", 4, "x"));  // head 5
  std::unique_ptr<Subscription> subscription = SubscribeFrom(1);
  uint64_t caught_up = 0;
  EXPECT_THAT(ReadUntilCaughtUp(*subscription, &caught_up),
              ElementsAre(1, 2, 3, 4, 5));
  EXPECT_EQ(caught_up, 5u);

  v1::SubscribeResponse first;
  v1::SubscribeResponse second;
  ASSERT_TRUE(subscription->Read(&first));
  ASSERT_TRUE(subscription->Read(&second));
  for (const v1::SubscribeResponse* m : {&first, &second}) {
    ASSERT_TRUE(m->has_checkpoint()) << m->DebugString();
    EXPECT_EQ(m->checkpoint().position(), 5u);
    EXPECT_NEAR(Micros(m->checkpoint().at()), NowMicros(), 10'000'000);
  }
  const int64_t gap =
      Micros(second.checkpoint().at()) - Micros(first.checkpoint().at());
  EXPECT_GE(gap, 200'000) << "checkpoints more often than configured";
  EXPECT_LT(gap, 3'000'000) << "checkpoint_interval was not applied";

  // Checkpoints follow the head.
  AppendOk(ContactsRequest("a", 2, "y"));
  EXPECT_THAT(ReadEvents(*subscription, 2), ElementsAre(6, 7));
  v1::SubscribeResponse next;
  ASSERT_TRUE(subscription->Read(&next));
  ASSERT_TRUE(next.has_checkpoint()) << next.DebugString();
  EXPECT_EQ(next.checkpoint().position(), 7u);
}

TEST_F(SubscribeTest, CheckpointsAdvanceWhenTheFilterMatchesNothing) {
  v1::EventFilter filter;
  filter.add_customer_ids("nobody");
  std::unique_ptr<Subscription> subscription = SubscribeFrom(1, filter);
  uint64_t caught_up = 99;
  EXPECT_TRUE(ReadUntilCaughtUp(*subscription, &caught_up).empty());
  EXPECT_EQ(caught_up, 0u);

  AppendOk(RegisterRequest("a"));
  uint64_t last_checkpoint = 0;
  for (int phase = 1; phase <= 4; ++phase) {
    for (int i = 0; i < 4; ++i) {
      AppendOk(ContactsRequest("a", 100, absl::StrCat("p", phase, ".", i)));
    }
    const uint64_t head = HeadPosition();
    ASSERT_EQ(head, 1u + phase * 400u);
    v1::SubscribeResponse message;
    while (last_checkpoint < head && subscription->Read(&message)) {
      ASSERT_TRUE(message.has_checkpoint()) << message.DebugString();
      EXPECT_GE(message.checkpoint().position(), last_checkpoint);
      EXPECT_LE(message.checkpoint().position(), head);
      last_checkpoint = message.checkpoint().position();
    }
    ASSERT_EQ(last_checkpoint, head) << "phase " << phase;
  }
}

TEST_F(SubscribeTest, CancelEndsTheCallAndTheServerKeepsServing) {
  AppendOk(RegisterRequest("a"));
  for (int i = 0; i < 6; ++i)
    AppendOk(ContactsRequest("a", 100, absl::StrCat(i)));
  const uint64_t head = HeadPosition();

  // Cancel in the middle of a catch-up backlog.
  std::unique_ptr<Subscription> busy = SubscribeFrom(1);
  EXPECT_THAT(ReadEvents(*busy, 10),
              ElementsAre(1, 2, 3, 4, 5, 6, 7, 8, 9, 10));
  busy->Cancel();
  EXPECT_THAT(busy->Finish(), GrpcStatusIs(grpc::StatusCode::CANCELLED));

  // Cancel an idle, parked subscription.
  std::unique_ptr<Subscription> idle = SubscribeFrom(0);
  uint64_t caught_up = 0;
  EXPECT_EQ(ReadUntilCaughtUp(*idle, &caught_up).size(), head);
  idle->Cancel();
  v1::SubscribeResponse message;
  EXPECT_FALSE(idle->Read(&message));
  EXPECT_THAT(idle->Finish(), GrpcStatusIs(grpc::StatusCode::CANCELLED));

  // The server still appends, reads and subscribes.
  EXPECT_EQ(AppendOk(ContactRequest("a", "after")).last_position(), head + 1);
  std::unique_ptr<Subscription> fresh = SubscribeFrom(head);
  EXPECT_THAT(ReadUntilCaughtUp(*fresh, &caught_up),
              ElementsAre(head, head + 1));
  EXPECT_EQ(caught_up, head + 1);
}

TEST_F(SubscribeTest, ShutdownEndsTheStreamWithUnavailable) {
  AppendOk(RegisterRequest("a"));
  AppendOk(ContactsRequest("a", 2, "x"));  // head 3
  std::unique_ptr<Subscription> subscription = SubscribeFrom(1);
  uint64_t caught_up = 0;
  EXPECT_THAT(ReadUntilCaughtUp(*subscription, &caught_up),
              ElementsAre(1, 2, 3));

  const absl::Time start = absl::Now();
  std::thread stopper([this] { server().Shutdown(); });
  v1::SubscribeResponse message;
  while (subscription->Read(&message)) {
    EXPECT_TRUE(message.has_checkpoint()) << message.DebugString();
  }
  const grpc::Status status = subscription->Finish();
  stopper.join();
  EXPECT_THAT(status, GrpcStatusIs(grpc::StatusCode::UNAVAILABLE,
                                   HasSubstr("resubscribe from position 4")));
  // Ended by the server, not by the shutdown grace period (2 s) running out.
  EXPECT_LT(absl::Now() - start, absl::Milliseconds(1500));

  // The advertised resume point works after a restart.
  RestartServer();
  AppendOk(ContactRequest("a", "after restart"));
  std::unique_ptr<Subscription> resumed = SubscribeFrom(4);
  EXPECT_THAT(ReadUntilCaughtUp(*resumed, &caught_up), ElementsAre(4));
}

TEST_F(SubscribeTest, SlowSubscriberDoesNotBlockAppends) {
  AppendOk(RegisterRequest("a"));
  std::unique_ptr<Subscription> slow = SubscribeFrom(1);
  uint64_t caught_up = 0;
  EXPECT_THAT(ReadUntilCaughtUp(*slow, &caught_up), ElementsAre(1));
  // Live and parked at the head; from now on nobody reads it for a while.

  constexpr int kThreads = 2;
  constexpr int kAppends = 150;
  constexpr int kEventsPerAppend = 10;
  const std::string notes(2048, 'n');
  auto append_all = [&](int t) {
    for (int i = 0; i < kAppends; ++i) {
      v1::AppendRequest request;
      request.set_customer_id("a");
      request.mutable_metadata()->set_actor("bulk");
      for (int e = 0; e < kEventsPerAppend; ++e) {
        v1::ProfileUpdated* update =
            request.add_events()->mutable_payload()->mutable_profile_updated();
        update->mutable_profile()->set_notes(
            absl::StrCat(t, ".", i, ".", e, notes));
        update->mutable_update_mask()->add_paths("notes");
      }
      if (!Append(request).ok()) return false;
    }
    return true;
  };
  std::vector<std::future<bool>> appenders;
  for (int t = 0; t < kThreads; ++t) {
    appenders.push_back(std::async(std::launch::async, append_all, t));
  }
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(20);
  for (std::future<bool>& appender : appenders) {
    ASSERT_EQ(appender.wait_until(deadline), std::future_status::ready)
        << "appends are blocked by a subscriber that does not read";
    EXPECT_TRUE(appender.get());
  }
  const uint64_t head = 1 + kThreads * kAppends * kEventsPerAppend;
  ASSERT_EQ(HeadPosition(), head);

  // The slow subscriber still gets every event, in order.
  v1::SubscribeResponse message;
  uint64_t expected = 2;
  while (expected <= head && slow->ReadSkippingCheckpoints(&message)) {
    ASSERT_TRUE(message.has_event()) << "a second caught_up";
    ASSERT_EQ(message.event().position(), expected++);
  }
  EXPECT_EQ(expected, head + 1);
}

}  // namespace
}  // namespace ledger::testing
