#ifndef LEDGER_TESTS_STORAGE_STORAGE_TEST_UTIL_H_
#define LEDGER_TESTS_STORAGE_STORAGE_TEST_UTIL_H_

// Helpers shared by the storage tests: request builders, an EventLog fixture
// over a real RocksDB in a temporary directory, a gate that parks the writer
// thread so that tests can build a commit group deterministically, and a
// collector for AppendAsync results.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "storage/append_request.h"
#include "storage/event_log.h"
#include "storage/event_log_options.h"
#include "storage/event_record.h"
#include "storage/hash_chain.h"
#include "tests/testing/rfc6962_verifier.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace ledger::storage::test_util {

using ::ledger::testing::IsOk;
using ::ledger::testing::StatusIs;

inline ProposedEvent MakeEvent(std::string type, std::string payload,
                               std::string actor = "tester") {
  ProposedEvent event;
  event.type = std::move(type);
  event.payload = std::move(payload);
  event.metadata.actor = std::move(actor);
  event.metadata.reason = "test";
  event.metadata.occurred_at_micros = 1'700'000'000'000'000;
  return event;
}

inline AppendRequest MakeRequest(std::string stream, ExpectedVersion expected,
                                 std::vector<ProposedEvent> events,
                                 std::string request_id = "") {
  AppendRequest request;
  request.stream = std::move(stream);
  request.expected = expected;
  request.request_id = std::move(request_id);
  request.events = std::move(events);
  return request;
}

// A request appending one event of `type` with `payload` to `stream`.
inline AppendRequest OneEvent(std::string stream,
                              ExpectedVersion expected = ExpectedVersion::Any(),
                              std::string payload = "payload",
                              std::string type = "Noted") {
  std::vector<ProposedEvent> events;
  events.push_back(MakeEvent(std::move(type), std::move(payload)));
  return MakeRequest(std::move(stream), expected, std::move(events));
}

// Every field of a record, hashes in hex; comparing two descriptions compares
// two records field by field with a readable diff.
inline std::string Describe(const EventRecord& r) {
  const EventMetadata& m = r.metadata;
  return absl::StrCat(
      "position=", r.position, " stream=", r.stream, " version=", r.version,
      " type=", r.type, " payload=", absl::CEscape(r.payload),
      " payload_sha256=", HexDigest(r.payload_sha256), " actor=", m.actor,
      " reason=", m.reason, " request_id=", m.request_id,
      " correlation_id=", m.correlation_id, " causation_id=", m.causation_id,
      " service=", m.service, " on_behalf_of=", m.on_behalf_of,
      " occurred_at=", m.occurred_at_micros,
      " recorded_at=", m.recorded_at_micros,
      " prev_hash=", HexDigest(r.prev_hash), " hash=", HexDigest(r.hash));
}

// All records of the log, read through ReadAll in pages.
inline std::vector<EventRecord> ReadEverything(const EventLog& log) {
  std::vector<EventRecord> all;
  uint64_t next = 1;
  for (;;) {
    absl::StatusOr<LogPage> page = log.ReadAll(next, 500, LogFilter(), 100000);
    EXPECT_THAT(page, IsOk());
    if (!page.ok() || page->records.empty()) break;
    for (EventRecord& record : page->records) all.push_back(std::move(record));
    EXPECT_GT(page->next_position, next);
    next = page->next_position;
  }
  return all;
}

inline std::vector<uint64_t> Positions(
    const std::vector<EventRecord>& records) {
  std::vector<uint64_t> positions;
  for (const EventRecord& r : records) positions.push_back(r.position);
  return positions;
}

inline std::vector<uint64_t> Range(uint64_t first, uint64_t last) {
  std::vector<uint64_t> out;
  for (uint64_t i = first; i <= last; ++i) out.push_back(i);
  return out;
}

// The chain hash of every event of the log, as bytes: the Merkle tree's
// leaf inputs.
inline std::vector<std::string> EventHashes(const EventLog& log) {
  std::vector<std::string> hashes;
  for (const EventRecord& r : ReadEverything(log)) {
    hashes.emplace_back(reinterpret_cast<const char*>(r.hash.data()),
                        r.hash.size());
  }
  return hashes;
}

inline std::string Bytes(const Hash256& hash) {
  return std::string(reinterpret_cast<const char*>(hash.data()), hash.size());
}

// The log's Merkle root at its head equals the root the independent
// verifier computes from the events' hashes, and VerifyMerkle passes.
inline void ExpectTreeMatchesEvents(const EventLog& log) {
  const std::vector<std::string> hashes = EventHashes(log);
  ASSERT_EQ(hashes.size(), log.last_position());
  absl::StatusOr<TreeHead> head = log.GetTreeHead(hashes.size());
  ASSERT_THAT(head, IsOk());
  const std::string expected = ::ledger::testing::Rfc6962Root(hashes);
  EXPECT_EQ(absl::BytesToHexString(Bytes(head->root_hash)),
            absl::BytesToHexString(expected))
      << "tree of " << hashes.size() << " events";
  absl::StatusOr<TreeHead> verified = log.VerifyMerkle();
  ASSERT_THAT(verified, IsOk());
  EXPECT_EQ(verified->tree_size, hashes.size());
  EXPECT_EQ(Bytes(verified->root_hash), expected);
}

// Owns an EventLog over a fresh temporary directory.
class EventLogFixture : public ::testing::Test {
 protected:
  EventLogFixture() { options_.path = dir_.Sub("log"); }

  void SetUp() override { OpenLog(); }

  void OpenLog() {
    absl::StatusOr<std::unique_ptr<EventLog>> log = EventLog::Open(options_);
    ASSERT_THAT(log, IsOk());
    log_ = std::move(log).value();
  }
  void CloseLog() { log_.reset(); }
  // Destroys the EventLog and opens a new one on the same directory.
  void ReopenLog() {
    CloseLog();
    OpenLog();
  }

  EventLog& log() { return *log_; }

  // Appends and requires success.
  AppendResult MustAppend(AppendRequest request) {
    absl::StatusOr<AppendResult> result = log_->Append(std::move(request));
    EXPECT_THAT(result, IsOk());
    return result.ok() ? *result : AppendResult();
  }

  ::ledger::testing::TempDir dir_;
  EventLogOptions options_;
  std::unique_ptr<EventLog> log_;
};

// Parks the writer thread inside a commit listener after the next commit
// group, so the test can queue appends that the writer must then take as
// ONE group. Listeners cannot be removed, so the state is shared with the
// listener and outlives the gate.
class WriterGate {
 public:
  explicit WriterGate(EventLog& log) : state_(std::make_shared<State>()) {
    log.AddCommitListener([state = state_](uint64_t) { state->OnCommit(); });
  }
  ~WriterGate() { Release(); }

  WriterGate(const WriterGate&) = delete;
  WriterGate& operator=(const WriterGate&) = delete;

  // The writer blocks after the next commit group that appends something.
  void Arm() {
    absl::MutexLock lock(&state_->mu);
    state_->armed = true;
    state_->released = false;
  }
  // True once the writer is parked (false after a 30 s timeout).
  bool WaitUntilParked() {
    absl::MutexLock lock(&state_->mu);
    return state_->mu.AwaitWithTimeout(absl::Condition(&state_->parked),
                                       absl::Seconds(30));
  }
  void Release() {
    absl::MutexLock lock(&state_->mu);
    state_->released = true;
  }

 private:
  struct State {
    absl::Mutex mu;
    bool armed = false;
    bool parked = false;
    bool released = false;

    void OnCommit() {
      absl::MutexLock lock(&mu);
      if (!armed) return;
      armed = false;
      parked = true;
      mu.Await(absl::Condition(&released));
      parked = false;
    }
  };
  std::shared_ptr<State> state_;
};

// Collects the results of AppendAsync calls; the callbacks share the state,
// so a late callback after a failed wait is harmless.
class AsyncResults {
 public:
  explicit AsyncResults(size_t n) : state_(std::make_shared<State>()) {
    state_->results.resize(n, absl::UnknownError("callback did not run"));
    state_->calls.resize(n, 0);
  }

  EventLog::AppendCallback Callback(size_t i) {
    return [state = state_, i](absl::StatusOr<AppendResult> result) {
      absl::MutexLock lock(&state->mu);
      state->results[i] = std::move(result);
      ++state->calls[i];
      ++state->done;
    };
  }

  // True once every callback ran (false after `timeout`).
  bool WaitAll(absl::Duration timeout = absl::Seconds(60)) {
    absl::MutexLock lock(&state_->mu);
    auto all_done = [](State* s) { return s->done >= s->results.size(); };
    return state_->mu.AwaitWithTimeout(absl::Condition(+all_done, state_.get()),
                                       timeout);
  }

  std::vector<absl::StatusOr<AppendResult>> results() const {
    absl::MutexLock lock(&state_->mu);
    return state_->results;
  }
  // How often each callback ran.
  std::vector<int> calls() const {
    absl::MutexLock lock(&state_->mu);
    return state_->calls;
  }

 private:
  struct State {
    absl::Mutex mu;
    std::vector<absl::StatusOr<AppendResult>> results;
    std::vector<int> calls;
    size_t done = 0;
  };
  std::shared_ptr<State> state_;
};

}  // namespace ledger::storage::test_util

#endif  // LEDGER_TESTS_STORAGE_STORAGE_TEST_UTIL_H_
