// EventLog under concurrent appends: optimistic concurrency, gapless
// positions, group commit and its bounds, readers racing writers.

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "storage/event_log.h"
#include "tests/storage/storage_test_util.h"

namespace ledger::storage {
namespace {

using ::ledger::storage::test_util::AsyncResults;
using ::ledger::storage::test_util::EventLogFixture;
using ::ledger::storage::test_util::IsOk;
using ::ledger::storage::test_util::MakeEvent;
using ::ledger::storage::test_util::MakeRequest;
using ::ledger::storage::test_util::OneEvent;
using ::ledger::storage::test_util::Positions;
using ::ledger::storage::test_util::Range;
using ::ledger::storage::test_util::ReadEverything;
using ::ledger::storage::test_util::StatusIs;
using ::ledger::storage::test_util::WriterGate;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;

class EventLogConcurrencyTest : public EventLogFixture {
 protected:
  uint64_t StreamVersion(const std::string& stream) {
    absl::StatusOr<std::optional<StreamHead>> head =
        log().GetStreamHead(stream);
    EXPECT_THAT(head, IsOk());
    return head.ok() && head->has_value() ? (*head)->version : 0;
  }

  // Appends through AppendAsync and waits for the callback.
  absl::StatusOr<AppendResult> AppendViaAsync(AppendRequest request) {
    AsyncResults results(1);
    log().AppendAsync(std::move(request), results.Callback(0));
    if (!results.WaitAll()) return absl::DeadlineExceededError("no callback");
    return results.results()[0];
  }
};

TEST_F(EventLogConcurrencyTest, RacingExactAppendsHaveOneWinnerPerVersion) {
  constexpr int kThreads = 8;
  constexpr int kAttempts = 30;
  absl::Mutex mu;
  std::map<uint64_t, std::string> winners;  // version -> payload
  int successes = 0;
  int aborted = 0;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int a = 0; a < kAttempts; ++a) {
        const uint64_t seen = StreamVersion("hot");
        const std::string payload = absl::StrCat("t", t, "-a", a);
        AppendRequest request =
            OneEvent("hot", ExpectedVersion::Exact(seen), payload);
        // Half of the threads use the blocking form, half the async one.
        absl::StatusOr<AppendResult> result =
            t % 2 == 0 ? log().Append(std::move(request))
                       : AppendViaAsync(std::move(request));
        absl::MutexLock lock(&mu);
        if (result.ok()) {
          ++successes;
          EXPECT_EQ(result->first_version, seen + 1);
          EXPECT_TRUE(winners.emplace(result->first_version, payload).second)
              << "two winners for version " << result->first_version;
        } else {
          ++aborted;
          EXPECT_THAT(result, StatusIs(absl::StatusCode::kAborted,
                                       HasSubstr("is at version")));
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();

  ASSERT_EQ(successes + aborted, kThreads * kAttempts);
  ASSERT_GT(successes, 0);
  EXPECT_EQ(StreamVersion("hot"), static_cast<uint64_t>(successes));
  EXPECT_EQ(log().last_position(), static_cast<uint64_t>(successes));
  std::vector<uint64_t> won;
  for (const auto& [version, payload] : winners) won.push_back(version);
  EXPECT_THAT(won, ElementsAreArray(Range(1, successes)));

  absl::StatusOr<StreamPage> page = log().ReadStream("hot", 0, false, 10000);
  ASSERT_THAT(page, IsOk());
  ASSERT_EQ(page->records.size(), static_cast<size_t>(successes));
  for (const EventRecord& record : page->records) {
    EXPECT_EQ(record.payload, winners[record.version])
        << "version " << record.version;
  }
  EXPECT_THAT(Positions(ReadEverything(log())),
              ElementsAreArray(Range(1, successes)));
}

TEST_F(EventLogConcurrencyTest, SameExpectedVersionInOneGroupHasOneWinner) {
  WriterGate gate(log());
  gate.Arm();
  MustAppend(OneEvent("s"));  // "s" is at version 1
  ASSERT_TRUE(gate.WaitUntilParked());
  constexpr int kRacers = 20;
  AsyncResults results(kRacers);
  for (int i = 0; i < kRacers; ++i) {
    log().AppendAsync(
        OneEvent("s", ExpectedVersion::Exact(1), absl::StrCat("racer-", i)),
        results.Callback(i));
  }
  gate.Release();
  ASSERT_TRUE(results.WaitAll());
  int winners = 0;
  for (const auto& result : results.results()) {
    if (result.ok()) {
      ++winners;
      EXPECT_EQ(result->first_version, 2u);
      EXPECT_EQ(result->first_position, 2u);
    } else {
      EXPECT_THAT(result, StatusIs(absl::StatusCode::kAborted,
                                   HasSubstr("is at version 2")));
    }
  }
  EXPECT_EQ(winners, 1);
  EXPECT_EQ(StreamVersion("s"), 2u);
  EXPECT_EQ(log().last_position(), 2u);
}

TEST_F(EventLogConcurrencyTest, ManyThreadsOnManyStreamsFillEveryPositionOnce) {
  constexpr int kThreads = 8;
  constexpr int kAppends = 40;
  constexpr int kStreamsPerThread = 4;
  struct Appended {
    std::string stream;
    AppendResult result;
    size_t events;
  };
  std::vector<std::vector<Appended>> per_thread(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::vector<uint64_t> versions(kStreamsPerThread, 0);
      for (int i = 0; i < kAppends; ++i) {
        const int s = i % kStreamsPerThread;
        std::string stream = absl::StrCat("t", t, "-s", s);
        std::vector<ProposedEvent> events;
        const int n = i % 4 == 3 ? 3 : 1;
        for (int e = 0; e < n; ++e) {
          events.push_back(
              MakeEvent("T", absl::StrCat(stream, "/", i, "/", e)));
        }
        // Each thread owns its streams, so the exact version never misses.
        absl::StatusOr<AppendResult> result = log().Append(MakeRequest(
            stream, ExpectedVersion::Exact(versions[s]), std::move(events)));
        EXPECT_THAT(result, IsOk());
        if (!result.ok()) return;
        versions[s] = result->last_version;
        per_thread[t].push_back({stream, *result, static_cast<size_t>(n)});
      }
    });
  }
  for (std::thread& thread : threads) thread.join();

  uint64_t total_events = 0;
  uint64_t total_appends = 0;
  std::map<uint64_t, std::pair<std::string, uint64_t>> expected;  // pos->s,v
  for (const auto& appended : per_thread) {
    for (const Appended& a : appended) {
      ++total_appends;
      total_events += a.events;
      ASSERT_EQ(a.result.last_position - a.result.first_position + 1, a.events);
      for (uint64_t p = a.result.first_position; p <= a.result.last_position;
           ++p) {
        uint64_t version =
            a.result.first_version + (p - a.result.first_position);
        EXPECT_TRUE(
            expected.emplace(p, std::make_pair(a.stream, version)).second)
            << "position " << p << " handed out twice";
      }
    }
  }
  ASSERT_EQ(total_appends, static_cast<uint64_t>(kThreads * kAppends));
  EXPECT_EQ(log().last_position(), total_events);

  std::vector<EventRecord> all = ReadEverything(log());
  EXPECT_THAT(Positions(all), ElementsAreArray(Range(1, total_events)));
  std::map<std::string, uint64_t> last_version;
  for (const EventRecord& r : all) {
    auto it = expected.find(r.position);
    ASSERT_NE(it, expected.end()) << "unacknowledged position " << r.position;
    EXPECT_EQ(r.stream, it->second.first) << "position " << r.position;
    EXPECT_EQ(r.version, it->second.second) << "position " << r.position;
    EXPECT_EQ(r.version, ++last_version[r.stream]) << "stream " << r.stream;
  }
  EXPECT_EQ(last_version.size(),
            static_cast<size_t>(kThreads * kStreamsPerThread));

  LogStats stats = log().stats();
  EXPECT_EQ(stats.committed_appends, total_appends);
  EXPECT_EQ(stats.committed_events, total_events);
  EXPECT_GE(stats.commit_groups, 1u);
  EXPECT_LT(stats.commit_groups, stats.committed_appends)
      << "concurrent appends were never grouped";
  absl::StatusOr<ChainReport> chain = log().VerifyChain(0, 0);
  ASSERT_THAT(chain, IsOk());
  EXPECT_EQ(chain->verified_events, total_events);
}

TEST_F(EventLogConcurrencyTest, QueuedAppendsCommitAsOneGroup) {
  WriterGate gate(log());
  gate.Arm();
  MustAppend(OneEvent("trigger"));
  ASSERT_TRUE(gate.WaitUntilParked());
  constexpr int kQueued = 30;
  AsyncResults results(kQueued);
  for (int i = 0; i < kQueued; ++i) {
    std::vector<ProposedEvent> events = {MakeEvent("T", "x")};
    if (i % 3 == 0) events.push_back(MakeEvent("T", "y"));
    log().AppendAsync(MakeRequest(absl::StrCat("s", i % 7),
                                  ExpectedVersion::Any(), std::move(events)),
                      results.Callback(i));
  }
  gate.Release();
  ASSERT_TRUE(results.WaitAll());
  std::set<uint64_t> positions;
  for (const auto& result : results.results()) {
    ASSERT_THAT(result, IsOk());
    for (uint64_t p = result->first_position; p <= result->last_position; ++p) {
      EXPECT_TRUE(positions.insert(p).second);
    }
  }
  const uint64_t events = 1 + kQueued + kQueued / 3;
  EXPECT_EQ(positions.size(), events - 1);
  EXPECT_EQ(*positions.begin(), 2u);
  EXPECT_EQ(*positions.rbegin(), events);
  LogStats stats = log().stats();
  EXPECT_EQ(stats.commit_groups, 2u);
  EXPECT_EQ(stats.committed_appends, kQueued + 1u);
  EXPECT_EQ(stats.committed_events, events);
}

TEST_F(EventLogConcurrencyTest, GroupRespectsMaxGroupRequests) {
  options_.max_group_requests = 4;
  ASSERT_NO_FATAL_FAILURE(ReopenLog());
  WriterGate gate(log());
  gate.Arm();
  MustAppend(OneEvent("trigger"));
  ASSERT_TRUE(gate.WaitUntilParked());
  AsyncResults results(10);
  for (int i = 0; i < 10; ++i) {
    log().AppendAsync(OneEvent("s"), results.Callback(i));
  }
  gate.Release();
  ASSERT_TRUE(results.WaitAll());
  for (const auto& result : results.results()) EXPECT_THAT(result, IsOk());
  EXPECT_EQ(log().stats().commit_groups, 1u + 3u);  // 4 + 4 + 2
  EXPECT_EQ(log().stats().committed_appends, 11u);
}

TEST_F(EventLogConcurrencyTest, GroupRespectsMaxGroupBytes) {
  options_.max_group_bytes = 1000;
  ASSERT_NO_FATAL_FAILURE(ReopenLog());
  WriterGate gate(log());
  gate.Arm();
  MustAppend(OneEvent("trigger"));
  ASSERT_TRUE(gate.WaitUntilParked());
  AsyncResults results(4);
  for (int i = 0; i < 4; ++i) {  // each request alone exceeds half the bound
    log().AppendAsync(
        OneEvent("s", ExpectedVersion::Any(), std::string(600, 'x')),
        results.Callback(i));
  }
  // A request bigger than the bound still commits, alone.
  AsyncResults big(1);
  log().AppendAsync(
      OneEvent("s", ExpectedVersion::Any(), std::string(5000, 'x')),
      big.Callback(0));
  gate.Release();
  ASSERT_TRUE(results.WaitAll());
  ASSERT_TRUE(big.WaitAll());
  for (const auto& result : results.results()) EXPECT_THAT(result, IsOk());
  EXPECT_THAT(big.results()[0], IsOk());
  EXPECT_EQ(log().stats().commit_groups, 1u + 5u);
}

TEST_F(EventLogConcurrencyTest, FullQueueRefusesAppendsWithUnavailable) {
  options_.max_queued_requests = 5;
  ASSERT_NO_FATAL_FAILURE(ReopenLog());
  WriterGate gate(log());
  gate.Arm();
  MustAppend(OneEvent("trigger"));
  ASSERT_TRUE(gate.WaitUntilParked());
  AsyncResults results(8);
  for (int i = 0; i < 8; ++i) {
    log().AppendAsync(OneEvent("s"), results.Callback(i));
  }
  // The refusals are answered inline, while the writer is still parked.
  std::vector<int> calls = results.calls();
  EXPECT_EQ(std::count(calls.begin(), calls.end(), 1), 3);
  for (int i = 5; i < 8; ++i) {
    EXPECT_THAT(results.results()[i],
                StatusIs(absl::StatusCode::kUnavailable, HasSubstr("full")));
  }
  gate.Release();
  ASSERT_TRUE(results.WaitAll());
  for (int i = 0; i < 5; ++i) EXPECT_THAT(results.results()[i], IsOk());
  EXPECT_EQ(log().last_position(), 6u);
}

TEST_F(EventLogConcurrencyTest, ReadersNeverSeeGapsWhileWritersAppend) {
  constexpr int kWriters = 4;
  constexpr int kAppends = 100;
  constexpr uint64_t kTotal = kWriters * kAppends;
  std::atomic<int> writers_done{0};
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      for (int i = 0; i < kAppends; ++i) {
        EXPECT_THAT(log().Append(OneEvent(absl::StrCat("w", w))), IsOk());
      }
      writers_done.fetch_add(1);
    });
  }
  uint64_t next = 1;
  int pages = 0;
  while (next <= kTotal) {
    bool finished = writers_done.load() == kWriters;
    absl::StatusOr<LogPage> page = log().ReadAll(next, 37, LogFilter(), 1000);
    ASSERT_THAT(page, IsOk());
    ++pages;
    for (const EventRecord& r : page->records) {
      ASSERT_EQ(r.position, next) << "gap or reordering in ReadAll";
      ASSERT_LE(r.position, page->head_position);
      ++next;
    }
    if (page->records.empty()) {
      if (finished) break;
      std::this_thread::yield();
    }
  }
  for (std::thread& writer : writers) writer.join();
  EXPECT_EQ(next, kTotal + 1);
  EXPECT_GT(pages, 1);
}

TEST_F(EventLogConcurrencyTest, CommitListenerSeesEveryGroupInOrder) {
  absl::Mutex mu;
  std::vector<uint64_t> seen;
  log().AddCommitListener([&](uint64_t last_position) {
    absl::MutexLock lock(&mu);
    seen.push_back(last_position);
  });
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 25; ++i) {
        EXPECT_THAT(log().Append(OneEvent(absl::StrCat("s", t))), IsOk());
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  log().Shutdown();  // the last listener call has returned
  absl::MutexLock lock(&mu);
  ASSERT_FALSE(seen.empty());
  EXPECT_TRUE(std::is_sorted(seen.begin(), seen.end()));
  EXPECT_EQ(std::adjacent_find(seen.begin(), seen.end()), seen.end());
  EXPECT_EQ(seen.back(), 100u);
  EXPECT_EQ(seen.size(), log().stats().commit_groups);
}

}  // namespace
}  // namespace ledger::storage
