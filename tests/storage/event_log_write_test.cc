// EventLog write semantics: expected versions, idempotency, request
// validation, shutdown, and persistence across a restart.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "storage/event_log.h"
#include "tests/storage/storage_test_util.h"

namespace ledger::storage {
namespace {

using ::ledger::storage::test_util::AsyncResults;
using ::ledger::storage::test_util::Describe;
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
using ::testing::Each;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;

// What a failed append must leave untouched.
struct LogState {
  uint64_t last_position;
  Hash256 last_hash;
  uint64_t committed_appends;
  size_t record_count;
};

class EventLogWriteTest : public EventLogFixture {
 protected:
  LogState State() {
    return {log().last_position(), log().head().hash,
            log().stats().committed_appends, ReadEverything(log()).size()};
  }
  void ExpectUnchanged(const LogState& before) {
    LogState now = State();
    EXPECT_EQ(now.last_position, before.last_position);
    EXPECT_EQ(now.last_hash, before.last_hash);
    EXPECT_EQ(now.committed_appends, before.committed_appends);
    EXPECT_EQ(now.record_count, before.record_count);
  }
  uint64_t StreamVersion(const std::string& stream) {
    absl::StatusOr<std::optional<StreamHead>> head =
        log().GetStreamHead(stream);
    EXPECT_THAT(head, IsOk());
    return head.ok() && head->has_value() ? (*head)->version : 0;
  }
};

using EventLogExpectedVersionTest = EventLogWriteTest;
using EventLogIdempotencyTest = EventLogWriteTest;
using EventLogValidationTest = EventLogWriteTest;
using EventLogShutdownTest = EventLogWriteTest;
using EventLogRestartTest = EventLogWriteTest;

// --- Expected version ------------------------------------------------------

TEST_F(EventLogExpectedVersionTest, AnyAppendsToNewAndExistingStreams) {
  EXPECT_EQ(MustAppend(OneEvent("s", ExpectedVersion::Any())).last_version, 1u);
  EXPECT_EQ(MustAppend(OneEvent("s", ExpectedVersion::Any())).last_version, 2u);
}

TEST_F(EventLogExpectedVersionTest, NoStreamSucceedsOnlyForANewStream) {
  EXPECT_EQ(MustAppend(OneEvent("s", ExpectedVersion::NoStream())).last_version,
            1u);
  MustAppend(OneEvent("s"));
  LogState before = State();
  EXPECT_THAT(log().Append(OneEvent("s", ExpectedVersion::NoStream())),
              StatusIs(absl::StatusCode::kAborted, HasSubstr("version 2")));
  ExpectUnchanged(before);
  EXPECT_EQ(StreamVersion("s"), 2u);
}

TEST_F(EventLogExpectedVersionTest, StreamExistsIsNotFoundForAMissingStream) {
  LogState before = State();
  EXPECT_THAT(log().Append(OneEvent("s", ExpectedVersion::StreamExists())),
              StatusIs(absl::StatusCode::kNotFound));
  ExpectUnchanged(before);
  EXPECT_EQ(StreamVersion("s"), 0u);
  MustAppend(OneEvent("s"));
  EXPECT_EQ(
      MustAppend(OneEvent("s", ExpectedVersion::StreamExists())).last_version,
      2u);
}

TEST_F(EventLogExpectedVersionTest, ExactMatchingVersionSucceeds) {
  MustAppend(MakeRequest("s", ExpectedVersion::Exact(0),
                         {MakeEvent("T", "1"), MakeEvent("T", "2")}));
  AppendResult third = MustAppend(OneEvent("s", ExpectedVersion::Exact(2)));
  EXPECT_EQ(third.first_version, 3u);
  EXPECT_EQ(third.first_position, 3u);
}

TEST_F(EventLogExpectedVersionTest, AppendRejectsStaleExpectedVersion) {
  MustAppend(MakeRequest(
      "s", ExpectedVersion::Any(),
      {MakeEvent("T", "1"), MakeEvent("T", "2"), MakeEvent("T", "3")}));
  MustAppend(OneEvent("other"));
  LogState before = State();
  EXPECT_THAT(
      log().Append(OneEvent("s", ExpectedVersion::Exact(2))),
      StatusIs(absl::StatusCode::kAborted, HasSubstr("is at version 3")));
  // Ahead of the stream is just as wrong.
  EXPECT_THAT(
      log().Append(OneEvent("s", ExpectedVersion::Exact(4))),
      StatusIs(absl::StatusCode::kAborted, HasSubstr("is at version 3")));
  ExpectUnchanged(before);
  EXPECT_EQ(StreamVersion("s"), 3u);
}

TEST_F(EventLogExpectedVersionTest, ExactZeroIsNoStream) {
  EXPECT_EQ(MustAppend(OneEvent("s", ExpectedVersion::Exact(0))).last_version,
            1u);
  LogState before = State();
  EXPECT_THAT(
      log().Append(OneEvent("s", ExpectedVersion::Exact(0))),
      StatusIs(absl::StatusCode::kAborted, HasSubstr("is at version 1")));
  ExpectUnchanged(before);
}

TEST_F(EventLogExpectedVersionTest, RejectedMultiEventAppendWritesNoEvent) {
  MustAppend(OneEvent("s"));
  LogState before = State();
  EXPECT_THAT(log().Append(MakeRequest(
                  "s", ExpectedVersion::NoStream(),
                  {MakeEvent("T", "1"), MakeEvent("T", "2")}, "req-x")),
              StatusIs(absl::StatusCode::kAborted));
  ExpectUnchanged(before);
  EXPECT_THAT(log().ReadAt(2), StatusIs(absl::StatusCode::kNotFound));
  // The failed request did not consume its request_id.
  AppendResult retry = MustAppend(MakeRequest("s", ExpectedVersion::Exact(1),
                                              {MakeEvent("T", "1")}, "req-x"));
  EXPECT_FALSE(retry.duplicate);
  EXPECT_EQ(retry.first_position, 2u);
}

// --- Idempotency -----------------------------------------------------------

AppendRequest Keyed(const std::string& request_id,
                    const std::string& payload = "p") {
  return MakeRequest("s", ExpectedVersion::NoStream(),
                     {MakeEvent("T", payload), MakeEvent("U", "second")},
                     request_id);
}

void ExpectSameResult(const AppendResult& replay,
                      const AppendResult& original) {
  EXPECT_TRUE(replay.duplicate);
  EXPECT_EQ(replay.first_position, original.first_position);
  EXPECT_EQ(replay.last_position, original.last_position);
  EXPECT_EQ(replay.first_version, original.first_version);
  EXPECT_EQ(replay.last_version, original.last_version);
  EXPECT_EQ(replay.recorded_at_micros, original.recorded_at_micros);
}

TEST_F(EventLogIdempotencyTest, SameRequestIdAndContentReturnsOriginalResult) {
  MustAppend(OneEvent("before"));
  AppendResult original = MustAppend(Keyed("req-1"));
  EXPECT_FALSE(original.duplicate);
  EXPECT_EQ(original.first_position, 2u);
  MustAppend(OneEvent("s"));  // the stream moves on: NoStream would now fail
  LogState before = State();

  absl::StatusOr<AppendResult> replay = log().Append(Keyed("req-1"));
  ASSERT_THAT(replay, IsOk());
  ExpectSameResult(*replay, original);
  ExpectUnchanged(before);
  EXPECT_EQ(StreamVersion("s"), 3u);
}

TEST_F(EventLogIdempotencyTest, SameRequestIdWithDifferentContentIsRejected) {
  MustAppend(Keyed("req-1"));
  LogState before = State();
  std::vector<AppendRequest> variants;
  variants.push_back(Keyed("req-1", "other payload"));
  variants.push_back(Keyed("req-1"));
  variants.back().stream = "other-stream";
  variants.push_back(Keyed("req-1"));
  variants.back().events[1].type = "V";
  variants.push_back(Keyed("req-1"));
  variants.back().events[0].metadata.actor = "mallory";
  variants.push_back(Keyed("req-1"));
  variants.back().events.pop_back();
  variants.push_back(Keyed("req-1"));
  variants.back().expected = ExpectedVersion::Any();
  for (size_t i = 0; i < variants.size(); ++i) {
    EXPECT_THAT(log().Append(variants[i]),
                StatusIs(absl::StatusCode::kAlreadyExists, HasSubstr("req-1")))
        << "variant " << i;
  }
  ExpectUnchanged(before);
}

TEST_F(EventLogIdempotencyTest, EmptyRequestIdIsNeverDeduplicated) {
  MustAppend(OneEvent("s"));
  AppendResult second = MustAppend(OneEvent("s"));
  EXPECT_FALSE(second.duplicate);
  EXPECT_EQ(log().last_position(), 2u);
}

TEST_F(EventLogIdempotencyTest, DeduplicatesAcrossReopen) {
  AppendResult original = MustAppend(Keyed("req-1"));
  ASSERT_NO_FATAL_FAILURE(ReopenLog());
  LogState before = State();
  absl::StatusOr<AppendResult> replay = log().Append(Keyed("req-1"));
  ASSERT_THAT(replay, IsOk());
  ExpectSameResult(*replay, original);
  EXPECT_THAT(log().Append(Keyed("req-1", "changed")),
              StatusIs(absl::StatusCode::kAlreadyExists));
  ExpectUnchanged(before);
}

TEST_F(EventLogIdempotencyTest, DeduplicatesWithinOneCommitGroup) {
  WriterGate gate(log());
  gate.Arm();
  MustAppend(OneEvent("trigger"));
  ASSERT_TRUE(gate.WaitUntilParked());

  // All of these wait in the queue, so the writer takes them as one group.
  constexpr int kCopies = 16;
  AsyncResults results(kCopies + 1);
  for (int i = 0; i < kCopies; ++i) {
    log().AppendAsync(Keyed("req-same"), results.Callback(i));
  }
  log().AppendAsync(Keyed("req-same", "conflicting"),
                    results.Callback(kCopies));
  gate.Release();
  ASSERT_TRUE(results.WaitAll());

  std::vector<absl::StatusOr<AppendResult>> all = results.results();
  int originals = 0;
  for (int i = 0; i < kCopies; ++i) {
    ASSERT_THAT(all[i], IsOk()) << "copy " << i;
    if (!all[i]->duplicate) ++originals;
    EXPECT_EQ(all[i]->first_position, 2u);
    EXPECT_EQ(all[i]->last_position, 3u);
    EXPECT_EQ(all[i]->first_version, 1u);
  }
  EXPECT_EQ(originals, 1);
  EXPECT_THAT(all[kCopies], StatusIs(absl::StatusCode::kAlreadyExists));
  EXPECT_EQ(log().last_position(), 3u);
  EXPECT_EQ(ReadEverything(log()).size(), 3u);
  EXPECT_EQ(log().stats().commit_groups, 2u);
  EXPECT_EQ(log().stats().committed_appends, 2u);
}

TEST_F(EventLogIdempotencyTest, ConcurrentRetriesFromManyThreadsAppendOnce) {
  constexpr int kThreads = 8;
  std::vector<absl::StatusOr<AppendResult>> results(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] { results[t] = log().Append(Keyed("req-r")); });
  }
  for (std::thread& thread : threads) thread.join();
  int originals = 0;
  for (const auto& result : results) {
    ASSERT_THAT(result, IsOk());
    if (!result->duplicate) ++originals;
    EXPECT_EQ(result->first_position, 1u);
  }
  EXPECT_EQ(originals, 1);
  EXPECT_EQ(log().last_position(), 2u);
}

// --- Request validation ----------------------------------------------------

TEST_F(EventLogValidationTest, BadRequestShapesAreInvalidArgument) {
  MustAppend(OneEvent("s"));
  LogState before = State();
  std::vector<AppendRequest> bad;
  bad.push_back(OneEvent(""));                                  // empty stream
  bad.push_back(MakeRequest("s", ExpectedVersion::Any(), {}));  // no events
  bad.push_back(MakeRequest("s", ExpectedVersion::Any(),
                            {MakeEvent("T", "ok"), MakeEvent("", "no type")}));
  bad.push_back(OneEvent(std::string("a\0b", 3)));  // NUL in the stream id
  for (size_t i = 0; i < bad.size(); ++i) {
    EXPECT_THAT(log().Append(bad[i]),
                StatusIs(absl::StatusCode::kInvalidArgument))
        << "request " << i;
    // Refused up front: the callback runs inline.
    AsyncResults inline_result(1);
    log().AppendAsync(bad[i], inline_result.Callback(0));
    EXPECT_THAT(inline_result.calls(), Each(1)) << "request " << i;
    EXPECT_THAT(inline_result.results()[0],
                StatusIs(absl::StatusCode::kInvalidArgument));
  }
  ExpectUnchanged(before);
}

// --- Shutdown --------------------------------------------------------------

TEST_F(EventLogShutdownTest, QueuedAppendsCompleteBeforeShutdownReturns) {
  WriterGate gate(log());
  gate.Arm();
  MustAppend(OneEvent("trigger"));
  ASSERT_TRUE(gate.WaitUntilParked());
  constexpr int kQueued = 50;
  AsyncResults results(kQueued);
  for (int i = 0; i < kQueued; ++i) {
    log().AppendAsync(OneEvent(absl::StrCat("s", i % 5)), results.Callback(i));
  }
  std::thread shutdown([&] { log().Shutdown(); });
  absl::SleepFor(absl::Milliseconds(50));  // let Shutdown() start waiting
  gate.Release();
  shutdown.join();
  // Shutdown() returned, so every queued append has been answered.
  EXPECT_THAT(results.calls(), Each(1));
  for (const auto& result : results.results()) EXPECT_THAT(result, IsOk());
  EXPECT_EQ(log().last_position(), kQueued + 1u);
  EXPECT_EQ(ReadEverything(log()).size(), kQueued + 1u);
  ASSERT_NO_FATAL_FAILURE(ReopenLog());
  EXPECT_EQ(log().last_position(), kQueued + 1u);
}

TEST_F(EventLogShutdownTest, AppendsAfterShutdownAreUnavailable) {
  MustAppend(OneEvent("s"));
  log().Shutdown();
  log().Shutdown();  // idempotent
  AsyncResults results(1);
  log().AppendAsync(OneEvent("s"), results.Callback(0));
  EXPECT_THAT(results.calls(), Each(1));  // refused inline
  EXPECT_THAT(results.results()[0], StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_THAT(log().Append(OneEvent("s")),
              StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_EQ(log().last_position(), 1u);
  // Reads keep working until the log is destroyed.
  EXPECT_THAT(log().ReadAt(1), IsOk());
  ASSERT_NO_FATAL_FAILURE(ReopenLog());
  EXPECT_EQ(log().last_position(), 1u);
}

// --- Restart ---------------------------------------------------------------

TEST_F(EventLogRestartTest, ReopenRestoresHeadStreamsAndRecords) {
  for (int i = 0; i < 20; ++i) {
    std::string stream = absl::StrCat("cust-", i % 4);
    if (i % 5 == 0) {
      MustAppend(MakeRequest(stream, ExpectedVersion::Any(),
                             {MakeEvent("A", absl::StrCat(i, "a")),
                              MakeEvent("B", absl::StrCat(i, "b"))},
                             absl::StrCat("req-", i)));
    } else {
      MustAppend(OneEvent(stream, ExpectedVersion::Any(), absl::StrCat(i)));
    }
  }
  const uint64_t last_position = log().last_position();
  const Hash256 last_hash = log().head().hash;
  ASSERT_EQ(last_position, 24u);
  std::vector<std::string> records;
  for (const EventRecord& r : ReadEverything(log())) {
    records.push_back(Describe(r));
  }
  std::vector<std::optional<StreamHead>> heads;
  for (int s = 0; s < 4; ++s) {
    auto head = log().GetStreamHead(absl::StrCat("cust-", s));
    ASSERT_THAT(head, IsOk());
    ASSERT_TRUE(head->has_value());
    heads.push_back(*head);
  }

  ASSERT_NO_FATAL_FAILURE(ReopenLog());
  EXPECT_EQ(log().last_position(), last_position);
  EXPECT_EQ(log().head().hash, last_hash);
  std::vector<std::string> reread;
  for (const EventRecord& r : ReadEverything(log())) {
    reread.push_back(Describe(r));
  }
  EXPECT_EQ(reread, records);
  for (int s = 0; s < 4; ++s) {
    auto head = log().GetStreamHead(absl::StrCat("cust-", s));
    ASSERT_THAT(head, IsOk());
    ASSERT_TRUE(head->has_value());
    EXPECT_EQ((*head)->version, heads[s]->version);
    EXPECT_EQ((*head)->last_position, heads[s]->last_position);
  }

  // New appends continue the positions, the versions and the chain.
  AppendResult next =
      MustAppend(OneEvent("cust-1", ExpectedVersion::Exact(heads[1]->version)));
  EXPECT_EQ(next.first_position, last_position + 1);
  EXPECT_EQ(next.first_version, heads[1]->version + 1);
  absl::StatusOr<EventRecord> record = log().ReadAt(next.first_position);
  ASSERT_THAT(record, IsOk());
  EXPECT_EQ(record->prev_hash, last_hash);
  EXPECT_GE(record->metadata.recorded_at_micros,
            log().ReadAt(last_position)->metadata.recorded_at_micros);
  absl::StatusOr<ChainReport> chain = log().VerifyChain(0, 0);
  ASSERT_THAT(chain, IsOk());
  EXPECT_EQ(chain->verified_events, last_position + 1);
  EXPECT_EQ(chain->last_hash, log().head().hash);
  EXPECT_THAT(Positions(ReadEverything(log())),
              ElementsAreArray(Range(1, last_position + 1)));
}

TEST_F(EventLogRestartTest, ReopenEmptyLogStaysEmpty) {
  ASSERT_NO_FATAL_FAILURE(ReopenLog());
  EXPECT_EQ(log().last_position(), 0u);
  EXPECT_EQ(log().head().hash, Hash256{});
  EXPECT_EQ(MustAppend(OneEvent("s")).first_position, 1u);
}

TEST_F(EventLogRestartTest, UnsyncedAppendsSurviveACleanShutdown) {
  options_.sync = false;
  ASSERT_NO_FATAL_FAILURE(ReopenLog());
  EXPECT_FALSE(log().sync_writes());
  for (int i = 0; i < 10; ++i) MustAppend(OneEvent("s"));
  const Hash256 last_hash = log().head().hash;
  ASSERT_NO_FATAL_FAILURE(ReopenLog());
  EXPECT_EQ(log().last_position(), 10u);
  EXPECT_EQ(log().head().hash, last_hash);
  EXPECT_THAT(log().VerifyChain(0, 0), IsOk());
}

// Bytes of write-ahead log in `dir` (RocksDB's *.log files). RocksDB may
// delete a file while we list: such a file counts as gone.
uintmax_t WalBytes(const std::string& dir) {
  uintmax_t total = 0;
  std::error_code ec;
  for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end;
       it.increment(ec)) {
    if (it->path().extension() != ".log") continue;
    const uintmax_t size = it->file_size(ec);
    if (!ec) total += size;
    ec.clear();
  }
  return total;
}

TEST_F(EventLogRestartTest, WalStaysNearMaxWalBytesAndLosesNothing) {
  options_.sync = false;  // the bound is the same either way; faster
  options_.max_wal_bytes = 1 << 20;
  ASSERT_NO_FATAL_FAILURE(ReopenLog());
  // ~8 MiB of events: 8 times the bound, and far below any write buffer,
  // so only the bound makes RocksDB flush.
  const std::string payload(1000, 'x');
  for (int i = 0; i < 400; ++i) {
    std::vector<ProposedEvent> events;
    for (int j = 0; j < 20; ++j) events.push_back(MakeEvent("Noted", payload));
    MustAppend(MakeRequest(absl::StrCat("s", i % 7), ExpectedVersion::Any(),
                           std::move(events)));
  }
  // The flushes it starts run in the background; the old WAL files go
  // once they finish.
  const uintmax_t bound = 3 << 20;
  const absl::Time deadline = absl::Now() + absl::Seconds(20);
  while (WalBytes(options_.path) > bound && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(50));
  }
  EXPECT_LE(WalBytes(options_.path), bound);
  const Hash256 last_hash = log().head().hash;
  ASSERT_NO_FATAL_FAILURE(ReopenLog());
  EXPECT_EQ(log().last_position(), 8000u);
  EXPECT_EQ(log().head().hash, last_hash);
  EXPECT_THAT(log().VerifyChain(0, 0), IsOk());
}

}  // namespace
}  // namespace ledger::storage
