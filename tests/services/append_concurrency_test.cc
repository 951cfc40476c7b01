// Idempotent retries and concurrent appenders over gRPC.

#include <atomic>
#include <barrier>
#include <cstdint>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ledger/v1/ledger.grpc.pb.h"
#include "tests/services/service_test_util.h"

namespace ledger::testing {
namespace {

namespace v1 = ::ledger::v1;
using ::testing::HasSubstr;

// Gives every event of `request` an explicit business time, so the request's
// content does not depend on when the server validates it.
void SetOccurredAt(v1::AppendRequest& request) {
  for (v1::ProposedEvent& event : *request.mutable_events()) {
    event.mutable_occurred_at()->set_seconds(1700000000);
  }
}

void ExpectSameResult(const v1::AppendResponse& retry,
                      const v1::AppendResponse& original) {
  EXPECT_TRUE(retry.duplicate());
  EXPECT_EQ(retry.first_position(), original.first_position());
  EXPECT_EQ(retry.last_position(), original.last_position());
  EXPECT_EQ(retry.first_version(), original.first_version());
  EXPECT_EQ(retry.last_version(), original.last_version());
  EXPECT_EQ(Micros(retry.recorded_at()), Micros(original.recorded_at()));
}

class AppendIdempotencyTest : public LedgerTestBase {};

TEST_F(AppendIdempotencyTest, RetryWithSameRequestIdReturnsOriginalResult) {
  v1::AppendRequest registration = RegisterRequest("a");
  registration.set_request_id("reg-a");
  SetOccurredAt(registration);
  const v1::AppendResponse registered = AppendOk(registration);
  v1::AppendRequest contacts = ContactsRequest("a", 3, "c");
  contacts.set_request_id("contacts-a");
  contacts.mutable_expected_version()->set_exact(1);
  SetOccurredAt(contacts);
  const v1::AppendResponse original = AppendOk(contacts);
  EXPECT_FALSE(original.duplicate());
  EXPECT_EQ(original.first_position(), 2u);
  EXPECT_EQ(original.last_position(), 4u);
  AppendOk(ContactRequest("a", "later"));  // the stream moves on
  const uint64_t head = HeadPosition();
  ASSERT_EQ(head, 5u);

  // The retry returns the original result even though its expected version
  // is now stale, and appends nothing.
  for (int attempt = 0; attempt < 3; ++attempt) {
    SCOPED_TRACE(attempt);
    ExpectSameResult(AppendOk(contacts), original);
  }
  ExpectSameResult(AppendOk(registration), registered);
  EXPECT_EQ(HeadPosition(), head);
  const std::vector<v1::Event> events = StreamEvents("a");
  ASSERT_EQ(events.size(), 5u);
  for (int i = 1; i <= 3; ++i) {
    EXPECT_EQ(events[i].metadata().request_id(), "contacts-a");
  }
  EXPECT_EQ(events[4].metadata().request_id(), "");
}

// A client retrying an append must get duplicate=true even when it left
// occurred_at unset (the common case): the retry is the very same request.
TEST_F(AppendIdempotencyTest, RetryWithoutOccurredAtReturnsOriginalResult) {
  v1::AppendRequest request = RegisterRequest("b");
  request.set_request_id("reg-b");
  AddContact(request, "first call");
  const v1::AppendResponse original = AppendOk(request);
  absl::SleepFor(absl::Milliseconds(2));  // a retry comes later
  v1::AppendResponse retry;
  // Fails while the server defaults occurred_at to the time it validates the
  // request and the idempotency fingerprint includes occurred_at: the retry
  // then differs from the original and is refused with ALREADY_EXISTS.
  ASSERT_THAT(Append(request, &retry), GrpcOk());
  ExpectSameResult(retry, original);
  EXPECT_EQ(HeadPosition(), 2u);
}

TEST_F(AppendIdempotencyTest, RetryIsDuplicateAfterRestart) {
  AppendOk(RegisterRequest("a"));
  v1::AppendRequest request = ContactsRequest("a", 2, "c");
  request.set_request_id("req-restart");
  SetOccurredAt(request);
  const v1::AppendResponse original = AppendOk(request);
  RestartServer();
  ExpectSameResult(AppendOk(request), original);
  EXPECT_EQ(HeadPosition(), 3u);
  // The log goes on where it was.
  v1::AppendResponse next = AppendOk(ContactRequest("a", "after restart"));
  EXPECT_EQ(next.first_position(), 4u);
  EXPECT_EQ(next.first_version(), 4u);
  // And the conflict check survives the restart too.
  v1::AppendRequest changed = request;
  AddContact(changed, "extra");
  EXPECT_THAT(Append(changed), GrpcStatusIs(grpc::StatusCode::ALREADY_EXISTS));
}

TEST_F(AppendIdempotencyTest, ConcurrentRetriesOfOneRequestAppendOnce) {
  AppendOk(RegisterRequest("a"));
  v1::AppendRequest request = ContactsRequest("a", 3, "c");
  request.set_request_id("req-concurrent");
  SetOccurredAt(request);
  constexpr int kThreads = 8;
  std::vector<v1::AppendResponse> responses(kThreads);
  std::vector<grpc::Status> statuses(kThreads);
  std::barrier start(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      start.arrive_and_wait();
      statuses[t] = Append(request, &responses[t]);
    });
  }
  for (std::thread& thread : threads) thread.join();
  int originals = 0;
  for (int t = 0; t < kThreads; ++t) {
    ASSERT_THAT(statuses[t], GrpcOk());
    if (!responses[t].duplicate()) ++originals;
    EXPECT_EQ(responses[t].first_position(), 2u);
    EXPECT_EQ(responses[t].last_position(), 4u);
  }
  EXPECT_EQ(originals, 1);
  EXPECT_EQ(HeadPosition(), 4u);
}

class AppendConcurrencyTest : public LedgerTestBase {};

TEST_F(AppendConcurrencyTest, ConcurrentExactAppendersWinEachVersionOnce) {
  AppendOk(RegisterRequest("race"));
  constexpr int kThreads = 8;
  constexpr int kRounds = 15;
  std::barrier round_start(kThreads);
  absl::Mutex mu;
  std::map<int, std::vector<int>> winners;  // round -> threads that won
  std::map<int, int> aborted;               // round -> ABORTED count
  std::vector<std::string> unexpected;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 1; round <= kRounds; ++round) {
        round_start.arrive_and_wait();
        v1::AppendRequest request =
            ContactRequest("race", absl::StrCat("t", t, "-r", round));
        request.mutable_expected_version()->set_exact(round);
        const grpc::Status status = Append(request);
        absl::MutexLock lock(&mu);
        if (status.ok()) {
          winners[round].push_back(t);
        } else if (status.error_code() == grpc::StatusCode::ABORTED &&
                   absl::StrContains(status.error_message(),
                                     absl::StrCat("at version ", round + 1))) {
          ++aborted[round];
        } else {
          unexpected.push_back(
              absl::StrCat(status.error_code(), ": ", status.error_message()));
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();

  EXPECT_THAT(unexpected, ::testing::IsEmpty());
  const std::vector<v1::Event> events = StreamEvents("race");
  ASSERT_EQ(events.size(), static_cast<size_t>(kRounds + 1));
  for (int round = 1; round <= kRounds; ++round) {
    SCOPED_TRACE(round);
    ASSERT_EQ(winners[round].size(), 1u);
    EXPECT_EQ(aborted[round], kThreads - 1);
    const v1::Event& event = events[round];
    EXPECT_EQ(event.version(), static_cast<uint64_t>(round + 1));
    EXPECT_EQ(event.position(), static_cast<uint64_t>(round + 1));
    EXPECT_EQ(event.payload().contact_logged().content(),
              absl::StrCat("t", winners[round][0], "-r", round));
  }
  EXPECT_EQ(HeadPosition(), static_cast<uint64_t>(kRounds + 1));
}

TEST_F(AppendConcurrencyTest, ConcurrentAppendersKeepTheLogGapless) {
  constexpr int kThreads = 6;
  constexpr int kAppends = 25;
  AppendOk(RegisterRequest("shared"));
  std::atomic<int> failures{0};
  std::atomic<uint64_t> appended{1};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      const std::string own = absl::StrCat("own-", t);
      if (!Append(RegisterRequest(own)).ok()) ++failures;
      ++appended;
      for (int i = 0; i < kAppends; ++i) {
        const int count = 1 + (i % 3);
        const std::string tag = absl::StrCat(t, ".", i);
        const std::string customer = i % 2 == 0 ? own : "shared";
        if (!Append(ContactsRequest(customer, count, tag)).ok()) ++failures;
        appended += count;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  ASSERT_EQ(failures.load(), 0);

  const std::vector<v1::Event> events = AllEvents();
  ASSERT_EQ(events.size(), appended.load());
  std::map<std::string, uint64_t> versions;
  std::map<std::string, std::string> last_tag;  // per "<thread>.<append>"
  for (size_t i = 0; i < events.size(); ++i) {
    SCOPED_TRACE(i);
    const v1::Event& e = events[i];
    ASSERT_EQ(e.position(), i + 1);
    EXPECT_EQ(e.version(), ++versions[e.customer_id()]) << e.customer_id();
    EXPECT_EQ(e.prev_hash(), i == 0 ? ZeroHash() : events[i - 1].hash());
  }
  // The events of one append are contiguous and in request order.
  for (size_t i = 0; i < events.size(); ++i) {
    const std::string& content = events[i].payload().contact_logged().content();
    const size_t dash = content.rfind('-');
    if (dash == std::string::npos || dash == 0) continue;
    const int index = std::stoi(content.substr(dash + 1));
    if (index > 0) {
      EXPECT_EQ(events[i - 1].payload().contact_logged().content(),
                absl::StrCat(content.substr(0, dash + 1), index - 1));
    }
  }
  const v1::GetInfoResponse info = Info();
  EXPECT_EQ(info.head_position(), appended.load());
  EXPECT_EQ(info.committed_events(), appended.load());
  EXPECT_EQ(info.committed_appends(), 1u + kThreads * (1 + kAppends));
  EXPECT_LE(info.commit_groups(), info.committed_appends());
  EXPECT_EQ(info.head_hash(), events.back().hash());
}

}  // namespace
}  // namespace ledger::testing
