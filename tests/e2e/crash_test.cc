// Whole-process durability: a real customer-ledgerd under concurrent appends
// is killed (SIGKILL) or stopped (SIGTERM), restarted on the same data
// directory, and every acknowledged append must be there, unchanged, at its
// acknowledged position, in a gapless and intact hash chain.

#include <signal.h>
#include <sys/wait.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "google/protobuf/util/time_util.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "ledger/v1/ledger.grpc.pb.h"
#include "storage/event_record.h"
#include "storage/hash_chain.h"
#include "tests/e2e/ledgerd_process.h"
#include "tests/testing/requests.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace ledger::testing {
namespace {

namespace v1 = ::ledger::v1;
using google::protobuf::util::MessageDifferencer;
using google::protobuf::util::TimeUtil;

constexpr int kWriters = 8;
constexpr int kCustomersPerWriter = 4;
constexpr int kMaxRequestsPerWriter = 200000;  // bounds every writer loop

std::unique_ptr<grpc::ClientContext> Context(
    absl::Duration timeout = absl::Seconds(5)) {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(std::chrono::system_clock::now() +
                        absl::ToChronoMicroseconds(timeout));
  return context;
}

// An explicit business time, so that a retry is byte-for-byte the same
// request. (Without it the server stamps its validation time, which makes a
// retry differ; AppendIdempotencyTest.RetryWithoutOccurredAtReturnsOriginal-
// Result covers that case.)
void SetOccurredAt(v1::AppendRequest& request) {
  for (v1::ProposedEvent& event : *request.mutable_events()) {
    event.mutable_occurred_at()->set_seconds(1700000000);
  }
}

struct Ack {
  v1::AppendRequest request;
  v1::AppendResponse response;
};

// kWriters threads, each appending to its own customers one request at a
// time (register first, then 1-3 contacts with an exact expected version),
// each request with a unique request_id. A writer stops at its first failed
// call: after a kill the server is gone.
class AppendLoad {
 public:
  explicit AppendLoad(const LedgerdProcess& server) {
    for (int w = 0; w < kWriters; ++w) {
      threads_.emplace_back(
          [this, w, channel = server.NewChannel()] { Writer(w, channel); });
    }
  }
  ~AppendLoad() { Stop(); }

  // From now on failures are expected (the server is being stopped).
  void MarkServerStopping() { stopping_ = true; }

  void Stop() {
    stop_ = true;
    for (auto& t : threads_) {
      if (t.joinable()) t.join();
    }
  }

  int64_t ack_count() const { return ack_count_.load(); }

  std::vector<Ack> acks() const {
    absl::MutexLock lock(&mu_);
    return acks_;
  }
  // Requests whose call failed: each may or may not have been committed.
  std::vector<v1::AppendRequest> unacknowledged() const {
    absl::MutexLock lock(&mu_);
    return unacknowledged_;
  }
  // Failures that happened while the server should have been healthy.
  std::vector<std::string> early_failures() const {
    absl::MutexLock lock(&mu_);
    return early_failures_;
  }

 private:
  void Writer(int writer, std::shared_ptr<grpc::Channel> channel) {
    auto stub = v1::Ledger::NewStub(std::move(channel));
    std::mt19937_64 rng(static_cast<uint64_t>(writer) + 1);
    uint64_t versions[kCustomersPerWriter] = {};
    for (int seq = 0; !stop_ && seq < kMaxRequestsPerWriter; ++seq) {
      const int c = static_cast<int>(rng() % kCustomersPerWriter);
      const std::string customer = absl::StrCat("crash-w", writer, "-c", c);
      v1::AppendRequest request;
      if (versions[c] == 0) {
        request =
            RegisterRequest(customer, absl::StrCat("Customer ", customer));
      } else {
        const int contacts = 1 + static_cast<int>(rng() % 3);
        request =
            ContactRequest(customer, absl::StrCat("call ", seq, "/0 ", rng()));
        for (int k = 1; k < contacts; ++k) {
          AddContact(request, absl::StrCat("call ", seq, "/", k, " ", rng()));
        }
        request.mutable_expected_version()->set_exact(versions[c]);
      }
      request.set_request_id(absl::StrCat("crash-w", writer, "-r", seq));
      SetOccurredAt(request);
      v1::AppendResponse response;
      const grpc::Status status =
          stub->Append(Context().get(), request, &response);
      absl::MutexLock lock(&mu_);
      if (!status.ok()) {
        unacknowledged_.push_back(request);
        if (!stopping_) {
          early_failures_.push_back(absl::StrCat(request.request_id(), ": ",
                                                 status.error_code(), " ",
                                                 status.error_message()));
        }
        return;
      }
      versions[c] = response.last_version();
      acks_.push_back({std::move(request), response});
      ++ack_count_;
    }
  }

  std::atomic<bool> stop_{false};
  std::atomic<bool> stopping_{false};
  std::atomic<int64_t> ack_count_{0};
  mutable absl::Mutex mu_;
  std::vector<Ack> acks_ ABSL_GUARDED_BY(mu_);
  std::vector<v1::AppendRequest> unacknowledged_ ABSL_GUARDED_BY(mu_);
  std::vector<std::string> early_failures_ ABSL_GUARDED_BY(mu_);
  std::vector<std::thread> threads_;
};

// Runs `load` for about `duration`, then waits (bounded) until it has
// acknowledged something.
void RunLoad(const AppendLoad& load, absl::Duration duration) {
  absl::SleepFor(duration);
  for (int i = 0; i < 100 && load.ack_count() < 100; ++i) {
    absl::SleepFor(absl::Milliseconds(100));
  }
}

storage::Hash256 ToHash(const std::string& bytes) {
  storage::Hash256 hash{};
  if (bytes.size() == hash.size()) std::memcpy(hash.data(), bytes.data(), 32);
  return hash;
}

std::string FromHash(const storage::Hash256& hash) {
  return std::string(reinterpret_cast<const char*>(hash.data()), hash.size());
}

// The storage record an event was made from, to recompute its hash.
storage::EventRecord ToRecord(const v1::Event& event) {
  storage::EventRecord record;
  record.position = event.position();
  record.stream = event.customer_id();
  record.version = event.version();
  record.type = event.event_type();
  record.payload = event.raw_payload();
  record.payload_sha256 = ToHash(event.payload_sha256());
  const v1::EventMetadata& m = event.metadata();
  record.metadata.actor = m.actor();
  record.metadata.reason = m.reason();
  record.metadata.request_id = m.request_id();
  record.metadata.correlation_id = m.correlation_id();
  record.metadata.causation_id = m.causation_id();
  record.metadata.service = m.service();
  record.metadata.on_behalf_of = m.on_behalf_of();
  record.metadata.occurred_at_micros =
      TimeUtil::TimestampToMicroseconds(m.occurred_at());
  record.metadata.recorded_at_micros =
      TimeUtil::TimestampToMicroseconds(m.recorded_at());
  record.prev_hash = ToHash(event.prev_hash());
  return record;
}

// Reads the whole log with ReadAll (raw payloads included) and checks it is
// gapless from 1 to the head and an intact hash chain ending at the head
// hash. Returns the events (index = position - 1).
std::vector<v1::Event> ReadAndVerifyLog(v1::Ledger::Stub& stub) {
  v1::GetInfoResponse info;
  EXPECT_THAT(stub.GetInfo(Context().get(), v1::GetInfoRequest(), &info),
              GrpcOk());
  const uint64_t head = info.head_position();
  std::vector<v1::Event> events;
  uint64_t from = 1;
  for (uint64_t page = 0; page <= head / 100 + 10; ++page) {
    v1::ReadAllRequest request;
    request.set_from_position(from);
    request.set_limit(1000);
    request.set_include_raw_payload(true);
    v1::ReadAllResponse response;
    const grpc::Status status =
        stub.ReadAll(Context(absl::Seconds(30)).get(), request, &response);
    EXPECT_THAT(status, GrpcOk());
    if (!status.ok()) break;
    for (v1::Event& event : *response.mutable_events()) {
      events.push_back(std::move(event));
    }
    if (response.end_of_log() || response.next_position() <= from) break;
    from = response.next_position();
  }
  EXPECT_EQ(events.size(), head) << "ReadAll did not return the whole log";

  storage::Sha256 sha;
  std::string scratch;
  std::string prev_hash(32, '\0');
  for (size_t i = 0; i < events.size(); ++i) {
    const v1::Event& event = events[i];
    EXPECT_EQ(event.position(), i + 1) << "positions are not gapless";
    EXPECT_EQ(event.prev_hash(), prev_hash)
        << "chain broken: prev_hash of " << event.position()
        << " is not the hash of the event before";
    EXPECT_EQ(event.payload_sha256(), FromHash(sha.Digest(event.raw_payload())))
        << "payload digest mismatch at " << event.position();
    const storage::Hash256 hash =
        sha.EventHash(ToHash(prev_hash), ToRecord(event), &scratch);
    EXPECT_EQ(event.hash(), FromHash(hash))
        << "hash mismatch at " << event.position();
    if (event.position() != i + 1 || event.prev_hash() != prev_hash ||
        event.hash() != FromHash(hash)) {
      break;  // one report is enough
    }
    prev_hash = event.hash();
  }
  EXPECT_EQ(info.head_hash(), prev_hash) << "head hash is not the chain's end";
  return events;
}

// Whether the log holds `request`'s events at first..last; explains
// otherwise.
::testing::AssertionResult StoredAt(const std::vector<v1::Event>& log,
                                    const v1::AppendRequest& request,
                                    const v1::AppendResponse& response) {
  const uint64_t count = static_cast<uint64_t>(request.events_size());
  if (response.last_position() - response.first_position() + 1 != count ||
      response.last_version() - response.first_version() + 1 != count) {
    return ::testing::AssertionFailure()
           << request.request_id() << ": response does not span its events";
  }
  if (response.first_position() < 1 || response.last_position() > log.size()) {
    return ::testing::AssertionFailure()
           << request.request_id() << " acknowledged at positions "
           << response.first_position() << ".." << response.last_position()
           << " but the log ends at " << log.size();
  }
  for (uint64_t k = 0; k < count; ++k) {
    const v1::Event& event = log[response.first_position() - 1 + k];
    const v1::ProposedEvent& sent = request.events(static_cast<int>(k));
    if (event.customer_id() != request.customer_id() ||
        event.version() != response.first_version() + k ||
        event.metadata().request_id() != request.request_id() ||
        event.metadata().actor() != request.metadata().actor() ||
        !MessageDifferencer::Equals(event.payload(), sent.payload())) {
      return ::testing::AssertionFailure()
             << request.request_id() << " event " << k << " at position "
             << event.position() << " is " << event.customer_id() << " v"
             << event.version() << " request_id "
             << event.metadata().request_id() << ", payload "
             << event.payload().ShortDebugString() << "; expected "
             << request.customer_id() << " v" << response.first_version() + k
             << ", payload " << sent.payload().ShortDebugString();
    }
  }
  return ::testing::AssertionSuccess();
}

// After a restart: every acknowledged append is in an intact, gapless log
// at its acknowledged position; retrying it is a duplicate with the same
// result; retrying an unacknowledged one either is a duplicate of what is
// stored or appends it now, never a conflict.
void VerifyAfterRestart(const LedgerdProcess& server,
                        const std::vector<Ack>& acks,
                        const std::vector<v1::AppendRequest>& unacknowledged) {
  auto stub = v1::Ledger::NewStub(server.NewChannel());
  const std::vector<v1::Event> log = ReadAndVerifyLog(*stub);
  const uint64_t head = log.size();

  int bad = 0;
  for (const Ack& ack : acks) {
    ::testing::AssertionResult stored =
        StoredAt(log, ack.request, ack.response);
    EXPECT_TRUE(stored);
    if (!stored && ++bad >= 5) break;
  }

  // Retry every acknowledged request, kWriters at a time.
  std::atomic<int> mismatches{0};
  std::vector<std::thread> threads;
  for (int w = 0; w < kWriters; ++w) {
    threads.emplace_back([&, w, channel = server.NewChannel()] {
      auto retry_stub = v1::Ledger::NewStub(channel);
      for (size_t i = static_cast<size_t>(w);
           i < acks.size() && mismatches.load() < 5; i += kWriters) {
        const Ack& ack = acks[i];
        v1::AppendResponse retry;
        const grpc::Status status =
            retry_stub->Append(Context().get(), ack.request, &retry);
        const bool same =
            status.ok() && retry.duplicate() &&
            retry.first_position() == ack.response.first_position() &&
            retry.last_position() == ack.response.last_position() &&
            retry.first_version() == ack.response.first_version() &&
            retry.last_version() == ack.response.last_version() &&
            TimeUtil::TimestampToMicroseconds(retry.recorded_at()) ==
                TimeUtil::TimestampToMicroseconds(ack.response.recorded_at());
        if (!same && mismatches++ < 5) {  // report a few, then give up
          ADD_FAILURE() << "retry of " << ack.request.request_id() << ": "
                        << status.error_code() << " " << status.error_message()
                        << " " << retry.ShortDebugString() << "; acknowledged "
                        << ack.response.ShortDebugString();
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(mismatches.load(), 0);

  // The calls cut off by the stop: committed or not, a retry settles them.
  uint64_t appended = 0;
  for (const v1::AppendRequest& request : unacknowledged) {
    v1::AppendResponse retry;
    const grpc::Status status = stub->Append(Context().get(), request, &retry);
    ASSERT_THAT(status, GrpcOk()) << "retry of " << request.request_id();
    if (retry.duplicate()) {
      EXPECT_TRUE(StoredAt(log, request, retry));
    } else {
      EXPECT_GT(retry.first_position(), head);
      appended += static_cast<uint64_t>(request.events_size());
    }
  }
  v1::GetInfoResponse info;
  ASSERT_THAT(stub->GetInfo(Context().get(), v1::GetInfoRequest(), &info),
              GrpcOk());
  EXPECT_EQ(info.head_position(), head + appended);
}

TEST(CrashTest, AcknowledgedAppendsSurviveSigkill) {
  TempDir dir;
  LedgerdProcess server(dir.Sub("data"), dir.Sub("logs"));
  ASSERT_THAT(server.Start(), IsOk());

  AppendLoad load(server);
  RunLoad(load, absl::Milliseconds(1500));
  load.MarkServerStopping();
  server.Signal(SIGKILL);  // 8 writers: appends are in flight
  const std::optional<int> status = server.Wait(absl::Seconds(10));
  ASSERT_TRUE(status.has_value()) << "SIGKILLed server did not die";
  EXPECT_TRUE(WIFSIGNALED(*status) && WTERMSIG(*status) == SIGKILL);
  load.Stop();

  const std::vector<Ack> acks = load.acks();
  EXPECT_THAT(load.early_failures(), ::testing::IsEmpty());
  ASSERT_GE(acks.size(), 100u) << "too little load to test anything";
  // Each writer stops at its first failed call: the one the kill cut off.
  EXPECT_LE(load.unacknowledged().size(), static_cast<size_t>(kWriters));

  ASSERT_THAT(server.Start(), IsOk());
  VerifyAfterRestart(server, acks, load.unacknowledged());
  if (HasFailure()) ADD_FAILURE() << "server log:\n" << server.LogTail();
}

TEST(CrashTest, SigtermDuringLoadExitsCleanlyAndKeepsAcknowledgedAppends) {
  TempDir dir;
  LedgerdProcess server(dir.Sub("data"), dir.Sub("logs"));
  ASSERT_THAT(server.Start(), IsOk());

  AppendLoad load(server);
  RunLoad(load, absl::Milliseconds(1000));
  load.MarkServerStopping();
  const absl::Time signalled = absl::Now();
  server.Signal(SIGTERM);
  // Generous: closing RocksDB waits for a background flush or compaction
  // in progress, which a CI machine running other tests can slow down. A
  // hang still fails; the stop time is recorded below (stop_ms).
  const std::optional<int> status = server.Wait(absl::Seconds(20));
  ASSERT_TRUE(status.has_value()) << "no exit within 20 s of SIGTERM; log:\n"
                                  << server.LogTail();
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0)
      << "wait status " << *status << "; log:\n"
      << server.LogTail();
  const absl::Duration stop_time = absl::Now() - signalled;
  load.Stop();
  EXPECT_THAT(server.LogTail(), ::testing::HasSubstr("stopped cleanly"));

  const std::vector<Ack> acks = load.acks();
  EXPECT_THAT(load.early_failures(), ::testing::IsEmpty());
  ASSERT_GE(acks.size(), 100u) << "too little load to test anything";

  ASSERT_THAT(server.Start(), IsOk());
  VerifyAfterRestart(server, acks, load.unacknowledged());
  RecordProperty("stop_ms",
                 static_cast<int>(absl::ToInt64Milliseconds(stop_time)));
}

}  // namespace
}  // namespace ledger::testing
