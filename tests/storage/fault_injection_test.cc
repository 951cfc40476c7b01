// EventLog over a RocksDB FileSystem whose WAL writes or syncs can be made to
// fail: a failed commit must be reported as UNAVAILABLE, leave nothing
// visible, never acknowledge an event that is then missing, and leave a log
// that reopens consistent.

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "rocksdb/env.h"
#include "rocksdb/file_system.h"
#include "spdlog/logger.h"
#include "spdlog/sinks/null_sink.h"
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
using ::rocksdb::IODebugContext;
using ::rocksdb::IOOptions;
using ::rocksdb::IOStatus;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;

struct Faults {
  std::atomic<bool> fail_wal_append{false};
  std::atomic<bool> fail_wal_sync{false};
  // Marks the errors retryable, which lets RocksDB resume by itself.
  std::atomic<bool> retryable{false};
  std::atomic<int> injected{0};

  IOStatus Inject() {
    ++injected;
    IOStatus s = IOStatus::IOError("injected WAL fault");
    s.SetRetryable(retryable);
    return s;
  }
};

// A WAL file whose Append/Sync fail while the switches are on.
class FaultyWalFile : public rocksdb::FSWritableFileOwnerWrapper {
 public:
  FaultyWalFile(std::unique_ptr<rocksdb::FSWritableFile> file,
                std::shared_ptr<Faults> faults)
      : FSWritableFileOwnerWrapper(std::move(file)),
        faults_(std::move(faults)) {}

  IOStatus Append(const rocksdb::Slice& data, const IOOptions& options,
                  IODebugContext* dbg) override {
    if (faults_->fail_wal_append) return faults_->Inject();
    return FSWritableFileOwnerWrapper::Append(data, options, dbg);
  }
  IOStatus Append(const rocksdb::Slice& data, const IOOptions& options,
                  const rocksdb::DataVerificationInfo& info,
                  IODebugContext* dbg) override {
    if (faults_->fail_wal_append) return faults_->Inject();
    return FSWritableFileOwnerWrapper::Append(data, options, info, dbg);
  }
  IOStatus PositionedAppend(const rocksdb::Slice& data, uint64_t offset,
                            const IOOptions& options,
                            IODebugContext* dbg) override {
    if (faults_->fail_wal_append) return faults_->Inject();
    return FSWritableFileOwnerWrapper::PositionedAppend(data, offset, options,
                                                        dbg);
  }
  IOStatus Sync(const IOOptions& options, IODebugContext* dbg) override {
    if (faults_->fail_wal_sync) return faults_->Inject();
    return FSWritableFileOwnerWrapper::Sync(options, dbg);
  }
  IOStatus Fsync(const IOOptions& options, IODebugContext* dbg) override {
    if (faults_->fail_wal_sync) return faults_->Inject();
    return FSWritableFileOwnerWrapper::Fsync(options, dbg);
  }

 private:
  std::shared_ptr<Faults> faults_;
};

class FaultyFileSystem : public rocksdb::FileSystemWrapper {
 public:
  FaultyFileSystem(const std::shared_ptr<rocksdb::FileSystem>& base,
                   std::shared_ptr<Faults> faults)
      : FileSystemWrapper(base), faults_(std::move(faults)) {}

  const char* Name() const override { return "FaultyFileSystem"; }

  IOStatus NewWritableFile(const std::string& name,
                           const rocksdb::FileOptions& options,
                           std::unique_ptr<rocksdb::FSWritableFile>* result,
                           IODebugContext* dbg) override {
    return Wrap(name, target()->NewWritableFile(name, options, result, dbg),
                result);
  }
  IOStatus ReopenWritableFile(const std::string& name,
                              const rocksdb::FileOptions& options,
                              std::unique_ptr<rocksdb::FSWritableFile>* result,
                              IODebugContext* dbg) override {
    return Wrap(name, target()->ReopenWritableFile(name, options, result, dbg),
                result);
  }
  IOStatus ReuseWritableFile(const std::string& name,
                             const std::string& old_name,
                             const rocksdb::FileOptions& options,
                             std::unique_ptr<rocksdb::FSWritableFile>* result,
                             IODebugContext* dbg) override {
    return Wrap(
        name, target()->ReuseWritableFile(name, old_name, options, result, dbg),
        result);
  }

 private:
  IOStatus Wrap(const std::string& name, IOStatus s,
                std::unique_ptr<rocksdb::FSWritableFile>* result) {
    if (s.ok() && absl::EndsWith(name, ".log")) {
      *result = std::make_unique<FaultyWalFile>(std::move(*result), faults_);
    }
    return s;
  }

  std::shared_ptr<Faults> faults_;
};

class FaultInjectionTest : public EventLogFixture {
 protected:
  FaultInjectionTest()
      : faults_(std::make_shared<Faults>()),
        env_(rocksdb::NewCompositeEnv(std::make_shared<FaultyFileSystem>(
            rocksdb::FileSystem::Default(), faults_))) {
    options_.env = env_.get();
    // Failed commits are expected here; keep their error logs out of the
    // test output.
    options_.logger = std::make_shared<spdlog::logger>(
        "fault-injection-test",
        std::make_shared<spdlog::sinks::null_sink_mt>());
  }
  // The log must go before the Env it uses.
  ~FaultInjectionTest() override { log_.reset(); }

  void FaultsOff() {
    faults_->fail_wal_append = false;
    faults_->fail_wal_sync = false;
  }

  // Closes the log and reopens it on the default Env.
  void ReopenWithoutFaults() {
    FaultsOff();
    CloseLog();
    options_.env = nullptr;
    OpenLog();
  }

  // Positions gapless from 1, the chain verifies, and every stream's head and
  // ReadStream agree with the global log.
  void ExpectConsistent() {
    std::vector<EventRecord> all = ReadEverything(log());
    EXPECT_THAT(Positions(all),
                ElementsAreArray(Range(1, log().last_position())));
    absl::StatusOr<ChainReport> chain = log().VerifyChain(0, 0);
    ASSERT_THAT(chain, IsOk());
    EXPECT_EQ(chain->verified_events, log().last_position());
    // A failed group must not have advanced the Merkle tree either.
    ASSERT_NO_FATAL_FAILURE(test_util::ExpectTreeMatchesEvents(log()));
    std::map<std::string, std::vector<uint64_t>> streams;
    for (const EventRecord& r : all) streams[r.stream].push_back(r.position);
    for (const auto& [stream, positions] : streams) {
      SCOPED_TRACE(stream);
      absl::StatusOr<std::optional<StreamHead>> head =
          log().GetStreamHead(stream);
      ASSERT_THAT(head, IsOk());
      ASSERT_TRUE(head->has_value());
      EXPECT_EQ((*head)->version, positions.size());
      EXPECT_EQ((*head)->last_position, positions.back());
      absl::StatusOr<StreamPage> page =
          log().ReadStream(stream, 0, false, 1000);
      ASSERT_THAT(page, IsOk());
      EXPECT_THAT(Positions(page->records), ElementsAreArray(positions));
      for (size_t i = 0; i < page->records.size(); ++i) {
        EXPECT_EQ(page->records[i].stream, stream);
        EXPECT_EQ(page->records[i].version, i + 1);
      }
    }
  }

  // Appends `payload` to `stream`; with faults on or after them it may fail,
  // but only with UNAVAILABLE. Remembers what was acknowledged.
  void TryAppend(const std::string& stream, const std::string& payload) {
    absl::StatusOr<AppendResult> result =
        log().Append(OneEvent(stream, ExpectedVersion::Any(), payload));
    if (result.ok()) {
      acknowledged_[result->first_position] = payload;
    } else {
      EXPECT_THAT(result, StatusIs(absl::StatusCode::kUnavailable));
    }
  }

  // Every acknowledged event is present, at its position, with its payload.
  void ExpectAcknowledgedPresent() {
    for (const auto& [position, payload] : acknowledged_) {
      absl::StatusOr<EventRecord> record = log().ReadAt(position);
      ASSERT_THAT(record, IsOk()) << "acknowledged position " << position;
      EXPECT_EQ(record->payload, payload) << "position " << position;
    }
  }

  // Runs one failed append under the current fault, then checks visibility,
  // recovery and that a retry with the same request_id appends it once.
  // With `retryable`, RocksDB recovers by itself, and the test waits until
  // it takes appends again before restarting.
  void CheckFailedAppend(std::atomic<bool> Faults::*fault,
                         bool retryable = false) {
    faults_->retryable = retryable;
    for (int i = 1; i <= 3; ++i) TryAppend("s", absl::StrCat("ok-", i));
    ASSERT_EQ(acknowledged_.size(), 3u);
    (*faults_).*fault = true;
    const Hash256 hash = log().head().hash;
    const LogStats stats = log().stats();
    AppendRequest lost = MakeRequest("s", ExpectedVersion::Exact(3),
                                     {MakeEvent("T", "lost")}, "req-lost");

    EXPECT_THAT(log().Append(lost),
                StatusIs(absl::StatusCode::kUnavailable,
                         HasSubstr("nothing was appended")));
    EXPECT_GT(faults_->injected.load(), 0);
    EXPECT_EQ(log().last_position(), 3u);
    EXPECT_EQ(log().head().hash, hash);
    EXPECT_EQ(log().stats().committed_appends, stats.committed_appends);
    EXPECT_EQ(ReadEverything(log()).size(), 3u);
    EXPECT_THAT(log().ReadAt(4), StatusIs(absl::StatusCode::kNotFound));
    absl::StatusOr<StreamPage> page = log().ReadStream("s", 0, false, 100);
    ASSERT_THAT(page, IsOk());
    EXPECT_EQ(page->records.size(), 3u);
    EXPECT_EQ(page->stream_version, 3u);
    absl::StatusOr<std::optional<StreamHead>> head = log().GetStreamHead("s");
    ASSERT_THAT(head, IsOk());
    EXPECT_EQ((*head)->version, 3u);
    TryAppend("other", "during");  // still failing
    EXPECT_EQ(log().last_position(), 3u);

    // With the fault gone RocksDB may stay read-only; whatever it accepts
    // must stay.
    FaultsOff();
    for (int i = 0; i < 3; ++i) TryAppend("after", absl::StrCat("after-", i));
    if (retryable) {
      absl::Time deadline = absl::Now() + absl::Seconds(10);
      while (acknowledged_.size() == 3 && absl::Now() < deadline) {
        absl::SleepFor(absl::Milliseconds(20));
        TryAppend("after", "after-recovery");
      }
      ASSERT_GT(acknowledged_.size(), 3u) << "RocksDB did not resume";
      EXPECT_EQ(acknowledged_.rbegin()->first, 4u)
          << "the next append takes the failed one's position";
    }
    ASSERT_NO_FATAL_FAILURE(ExpectConsistent());

    ASSERT_NO_FATAL_FAILURE(ReopenWithoutFaults());
    ASSERT_NO_FATAL_FAILURE(ExpectAcknowledgedPresent());
    ASSERT_NO_FATAL_FAILURE(ExpectConsistent());

    // The client's retry with the same request_id gets the event in once.
    absl::StatusOr<AppendResult> retry = log().Append(lost);
    ASSERT_THAT(retry, IsOk());
    int copies = 0;
    for (const EventRecord& r : ReadEverything(log())) {
      if (r.payload == "lost") {
        ++copies;
        EXPECT_EQ(r.position, retry->first_position);
        EXPECT_EQ(r.stream, "s");
      }
    }
    EXPECT_EQ(copies, 1);
    ASSERT_NO_FATAL_FAILURE(ExpectConsistent());
  }

  std::shared_ptr<Faults> faults_;
  std::unique_ptr<rocksdb::Env> env_;
  std::map<uint64_t, std::string> acknowledged_;  // position -> payload
};

TEST_F(FaultInjectionTest, FailedWalAppendIsUnavailableAndWritesNothing) {
  CheckFailedAppend(&Faults::fail_wal_append);
}

TEST_F(FaultInjectionTest, FailedWalSyncIsUnavailableAndWritesNothing) {
  CheckFailedAppend(&Faults::fail_wal_sync);
}

TEST_F(FaultInjectionTest, RetryableWalAppendFailureRecoversConsistently) {
  CheckFailedAppend(&Faults::fail_wal_append, /*retryable=*/true);
}

TEST_F(FaultInjectionTest, RetryableWalSyncFailureRecoversConsistently) {
  CheckFailedAppend(&Faults::fail_wal_sync, /*retryable=*/true);
}

// A commit group that fails must fail every append in it, including
// idempotent replays of a request that was staged in the same group: their
// "original" was never written. Regression test: CommitGroup used to answer
// those replays OK (duplicate=true) with positions that never existed.
TEST_F(FaultInjectionTest, FailedGroupAcknowledgesNoReplayOfItsOwnAppends) {
  WriterGate gate(log());
  gate.Arm();
  TryAppend("trigger", "trigger");
  ASSERT_TRUE(gate.WaitUntilParked());
  constexpr int kCopies = 8;
  AsyncResults results(kCopies + 1);
  auto keyed = [] {
    return MakeRequest("s", ExpectedVersion::NoStream(),
                       {MakeEvent("T", "keyed")}, "req-group");
  };
  for (int i = 0; i < kCopies; ++i) {
    log().AppendAsync(keyed(), results.Callback(i));
  }
  log().AppendAsync(OneEvent("plain"), results.Callback(kCopies));
  faults_->fail_wal_append = true;
  gate.Release();
  ASSERT_TRUE(results.WaitAll());

  std::vector<absl::StatusOr<AppendResult>> all = results.results();
  for (size_t i = 0; i < all.size(); ++i) {
    EXPECT_THAT(all[i], StatusIs(absl::StatusCode::kUnavailable))
        << "append " << i << " of a failed group";
    if (all[i].ok()) acknowledged_[all[i]->first_position] = "keyed";
  }
  EXPECT_EQ(log().last_position(), 1u);
  ASSERT_NO_FATAL_FAILURE(ReopenWithoutFaults());
  ASSERT_NO_FATAL_FAILURE(ExpectAcknowledgedPresent());
  ASSERT_NO_FATAL_FAILURE(ExpectConsistent());
}

// Writers keep appending while the WAL starts failing under them: every
// acknowledged event must be there after a restart.
TEST_F(FaultInjectionTest, NoAcknowledgedEventIsLostWhenSyncsStartFailing) {
  constexpr int kThreads = 4;
  constexpr int kAppends = 40;
  absl::Mutex mu;
  std::atomic<int> attempts{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kAppends; ++i) {
        if (attempts.fetch_add(1) == kThreads * kAppends / 3) {
          faults_->fail_wal_sync = true;
        }
        std::string payload = absl::StrCat("t", t, "-", i);
        absl::StatusOr<AppendResult> result = log().Append(
            OneEvent(absl::StrCat("w", t), ExpectedVersion::Any(), payload));
        absl::MutexLock lock(&mu);
        if (result.ok()) {
          EXPECT_TRUE(
              acknowledged_.emplace(result->first_position, payload).second)
              << "position " << result->first_position << " acknowledged twice";
        } else {
          EXPECT_THAT(result, StatusIs(absl::StatusCode::kUnavailable));
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_GT(faults_->injected.load(), 0);
  EXPECT_FALSE(acknowledged_.empty());
  EXPECT_LT(acknowledged_.size(), static_cast<size_t>(kThreads * kAppends));
  ASSERT_NO_FATAL_FAILURE(ReopenWithoutFaults());
  ASSERT_NO_FATAL_FAILURE(ExpectAcknowledgedPresent());
  ASSERT_NO_FATAL_FAILURE(ExpectConsistent());
  // The log takes appends again after the restart.
  TryAppend("fresh", "fresh");
  EXPECT_EQ(acknowledged_.count(log().last_position()), 1u);
  ASSERT_NO_FATAL_FAILURE(ExpectConsistent());
}

}  // namespace
}  // namespace ledger::storage
