// The group-commit half of EventLog: one writer thread turns every waiting
// append into a single synced WriteBatch.

#include <chrono>
#include <future>
#include <optional>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "rocksdb/db.h"
#include "rocksdb/write_batch.h"
#include "spdlog/spdlog.h"
#include "storage/event_log.h"
#include "storage/hash_chain.h"
#include "storage/internal/coding.h"
#include "storage/internal/db_handle.h"
#include "storage/internal/group_state.h"
#include "storage/internal/merkle_store.h"
#include "storage/internal/pending_append.h"
#include "storage/internal/principal_index.h"
#include "storage/internal/record_codec.h"
#include "storage/projector.h"
#include "storage/status_macros.h"

namespace ledger::storage {

using internal::Cf;
using internal::FromRocks;
using internal::IdempotencyEntry;

namespace {

int64_t NowMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

absl::Status CheckRequestShape(const AppendRequest& request) {
  if (request.stream.empty()) {
    return absl::InvalidArgumentError("stream id is empty");
  }
  if (request.stream.find('\0') != std::string::npos) {
    return absl::InvalidArgumentError("stream id contains a NUL byte");
  }
  if (request.events.empty()) {
    return absl::InvalidArgumentError("an append needs at least one event");
  }
  for (size_t i = 0; i < request.events.size(); ++i) {
    if (request.events[i].type.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("event ", i, " has an empty type"));
    }
  }
  return absl::OkStatus();
}

// Digest of everything that makes two appends "the same request".
// `payload_sha256` holds the digests of request.events' payloads.
Hash256 Fingerprint(const AppendRequest& request,
                    const std::vector<Hash256>& payload_sha256, Sha256& sha,
                    std::string* scratch) {
  scratch->clear();
  internal::PutLengthPrefixed(scratch, request.stream);
  scratch->push_back(static_cast<char>(request.expected.kind));
  internal::PutFixed64BE(scratch, request.expected.version);
  for (size_t i = 0; i < request.events.size(); ++i) {
    const ProposedEvent& e = request.events[i];
    internal::PutLengthPrefixed(scratch, e.type);
    scratch->append(reinterpret_cast<const char*>(payload_sha256[i].data()),
                    32);
    internal::PutLengthPrefixed(scratch, e.metadata.actor);
    internal::PutLengthPrefixed(scratch, e.metadata.reason);
    internal::PutLengthPrefixed(scratch, e.metadata.correlation_id);
    internal::PutLengthPrefixed(scratch, e.metadata.causation_id);
    internal::PutLengthPrefixed(scratch, e.metadata.service);
    internal::PutLengthPrefixed(scratch, e.metadata.on_behalf_of);
    internal::PutFixed64BE(
        scratch, static_cast<uint64_t>(e.metadata.occurred_at_micros));
  }
  for (const std::string& name : request.erase_secrets) {
    internal::PutLengthPrefixed(scratch, name);
  }
  return sha.Digest(*scratch);
}

AppendResult ResultOf(const IdempotencyEntry& entry) {
  AppendResult result;
  result.first_position = entry.first_position;
  result.last_position = entry.last_position;
  result.first_version = entry.first_version;
  result.last_version = entry.last_version;
  result.recorded_at_micros = entry.recorded_at_micros;
  result.duplicate = true;
  return result;
}

}  // namespace

void EventLog::AppendAsync(AppendRequest request, AppendCallback done) {
  absl::Status shape = CheckRequestShape(request);
  if (!shape.ok()) {
    std::move(done)(shape);
    return;
  }
  auto pending = std::make_unique<Pending>();
  thread_local Sha256 sha;
  thread_local std::string scratch;
  pending->payload_sha256.reserve(request.events.size());
  for (const ProposedEvent& e : request.events) {
    pending->bytes += e.payload.size() + e.type.size() + 256;
    pending->payload_sha256.push_back(sha.Digest(e.payload));
  }
  if (!request.request_id.empty()) {
    pending->fingerprint =
        Fingerprint(request, pending->payload_sha256, sha, &scratch);
  }
  pending->request = std::move(request);
  pending->done = std::move(done);
  absl::Status refused;
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) {
      refused = absl::UnavailableError("the event log is shutting down");
    } else if (queue_.size() >= options_.max_queued_requests) {
      refused = absl::UnavailableError(
          absl::StrCat("the write queue is full (", queue_.size(),
                       " appends waiting); retry with backoff"));
    } else {
      queue_.push_back(std::move(pending));
      queue_cv_.Signal();
      return;
    }
  }
  std::move(pending->done)(refused);
}

absl::StatusOr<AppendResult> EventLog::Append(AppendRequest request) {
  std::promise<absl::StatusOr<AppendResult>> promise;
  auto future = promise.get_future();
  AppendAsync(std::move(request),
              [&promise](absl::StatusOr<AppendResult> result) {
                promise.set_value(std::move(result));
              });
  return future.get();
}

void EventLog::Shutdown() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
    queue_cv_.Signal();
  }
  if (writer_.joinable()) {
    writer_.join();
    {
      absl::MutexLock lock(&completion_mu_);
      writer_done_ = true;
    }
    completer_.join();
    if (!options_.sync) {
      absl::Status s = FromRocks(db_->db()->FlushWAL(/*sync=*/true),
                                 "syncing the WAL at shutdown");
      if (!s.ok()) logger_->error("{}", s.ToString());
    }
  }
}

void EventLog::WriterLoop() {
  for (;;) {
    std::vector<std::unique_ptr<Pending>> group;
    absl::AnyInvocable<void() &&> barrier;
    {
      absl::MutexLock lock(&mu_);
      while (queue_.empty() && !stopping_) queue_cv_.Wait(&mu_);
      if (queue_.empty()) return;  // stopping and drained
      if (queue_.front()->barrier) {
        barrier = std::move(queue_.front()->barrier);
        queue_.pop_front();
      }
      size_t bytes = 0;
      // A group ends before the next barrier, which runs alone.
      while (!barrier && !queue_.empty() && !queue_.front()->barrier &&
             group.size() < options_.max_group_requests &&
             (group.empty() ||
              bytes + queue_.front()->bytes <= options_.max_group_bytes)) {
        bytes += queue_.front()->bytes;
        group.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    if (barrier) {
      std::move(barrier)();
    } else {
      CommitGroup(std::move(group));
    }
  }
}

absl::Status EventLog::RunOnWriter(absl::AnyInvocable<absl::Status() &&> task) {
  std::promise<absl::Status> promise;
  auto future = promise.get_future();
  auto pending = std::make_unique<Pending>();
  pending->barrier = [&promise, task = std::move(task)]() mutable {
    promise.set_value(std::move(task)());
  };
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) {
      return absl::UnavailableError("the event log is shutting down");
    }
    queue_.push_back(std::move(pending));
    queue_cv_.Signal();
  }
  return future.get();
}

void EventLog::CompleterLoop() {
  for (;;) {
    Completion completion;
    {
      absl::MutexLock lock(&completion_mu_);
      auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(completion_mu_) {
        return !completions_.empty() || writer_done_;
      };
      completion_mu_.Await(absl::Condition(&ready));
      if (completions_.empty()) return;  // the writer is done and so are we
      completion = std::move(completions_.front());
      completions_.pop_front();
    }
    for (size_t i = 0; i < completion.group.size(); ++i) {
      std::move(completion.group[i]->done)(std::move(completion.results[i]));
    }
  }
}

void EventLog::CommitGroup(std::vector<std::unique_ptr<Pending>> group) {
  internal::GroupState state;
  if (options_.projector != nullptr) state.generation = db_->state();
  {
    absl::MutexLock lock(&mu_);
    state.position = last_position_.load(std::memory_order_relaxed);
    state.prev_hash = last_hash_;
    // Commit time never goes backwards, even if the wall clock does.
    state.recorded_at = std::max(NowMicros(), last_recorded_at_);
  }
  const uint64_t committed_head = state.position;

  std::vector<absl::StatusOr<AppendResult>> results;
  results.reserve(group.size());
  for (const auto& pending : group) {
    results.push_back(Stage(*pending, state));
  }

  absl::Status written = absl::OkStatus();
  MerkleFrontier tree = merkle_frontier_;
  if (state.staged_events > 0) {
    if (options_.merkle_tree) {
      merkle_->Stage(state.event_hashes, state.sha, &tree, &state.batch);
    }
    if (options_.projector != nullptr) {
      state.batch
          .Put(db_->cf(Cf::kDefault), internal::kStateCheckpointKey,
               internal::EventKey(state.position))
          .PermitUncheckedError();
    }
    rocksdb::WriteOptions write_options;
    write_options.sync = options_.sync;
    const bool changes_state = options_.projector != nullptr;
    if (changes_state) BeginStateChange();
    written = FromRocks(db_->db()->Write(write_options, &state.batch),
                        "committing a group of appends");
    if (changes_state) EndStateChange(written.ok(), state.position);
  }

  std::vector<CommitListener> listeners;
  if (written.ok()) {
    merkle_frontier_ = tree;  // only a written group advances the tree
    absl::MutexLock lock(&mu_);
    last_position_.store(state.position, std::memory_order_release);
    last_hash_ = state.prev_hash;
    last_recorded_at_ = state.recorded_at;
    if (state.staged_events > 0) {
      ++stats_.commit_groups;
      stats_.committed_appends += state.staged_appends;
      stats_.committed_events += state.staged_events;
      listeners = listeners_;
    }
  } else {
    logger_->error("{} appends lost their commit: {}", state.staged_appends,
                   written.ToString());
  }

  for (size_t i = 0; i < group.size(); ++i) {
    absl::StatusOr<AppendResult>& result = results[i];
    // A replay of a request staged in this very group was not written either.
    if (!written.ok() && result.ok() &&
        (!result->duplicate || result->first_position > committed_head)) {
      result = absl::UnavailableError(
          absl::StrCat("nothing was appended: ", written.message(),
                       "; retry with the same request_id"));
    }
  }
  // Answering the group (each callback finishes a gRPC call, which may
  // write to its socket) overlaps with staging and writing the next one.
  {
    absl::MutexLock lock(&completion_mu_);
    completions_.push_back(Completion{std::move(group), std::move(results)});
  }
  for (const auto& listener : listeners) listener(state.position);
}

absl::StatusOr<AppendResult> EventLog::Stage(const Pending& pending,
                                             internal::GroupState& state) {
  const AppendRequest& request = pending.request;
  rocksdb::DB* db = db_->db();
  const Hash256& fingerprint = pending.fingerprint;
  if (!request.request_id.empty()) {
    IdempotencyEntry entry;
    bool found = false;
    if (auto it = state.idempotency.find(request.request_id);
        it != state.idempotency.end()) {
      entry = it->second;
      found = true;
    } else {
      std::string value;
      rocksdb::Status s =
          db->Get(rocksdb::ReadOptions(), db_->cf(Cf::kIdempotency),
                  request.request_id, &value);
      if (s.ok()) {
        if (!internal::DecodeIdempotency(value, &entry)) {
          return absl::DataLossError(
              absl::StrCat("malformed idempotency record for request_id ",
                           request.request_id));
        }
        found = true;
      } else if (!s.IsNotFound()) {
        return FromRocks(s, "reading an idempotency record");
      }
    }
    if (found) {
      if (entry.stream == request.stream && entry.fingerprint == fingerprint) {
        return ResultOf(entry);
      }
      return absl::AlreadyExistsError(absl::StrCat(
          "request_id \"", request.request_id,
          "\" was already used for a different append (stream \"", entry.stream,
          "\", positions ", entry.first_position, "..", entry.last_position,
          "); use a new request_id for a new append"));
    }
  }

  StreamHead head;
  if (auto it = state.heads.find(request.stream); it != state.heads.end()) {
    head = it->second;
  } else {
    std::string value;
    rocksdb::Status s =
        db->Get(rocksdb::ReadOptions(), db_->cf(Cf::kStreamHeads),
                request.stream, &value);
    if (s.ok()) {
      if (!internal::DecodeStreamHead(value, &head.version,
                                      &head.last_position)) {
        return absl::DataLossError(
            absl::StrCat("malformed head record of stream ", request.stream));
      }
    } else if (!s.IsNotFound()) {
      return FromRocks(s, "reading a stream head");
    }
  }

  const ExpectedVersion& expected = request.expected;
  switch (expected.kind) {
    case ExpectedVersion::Kind::kAny:
      break;
    case ExpectedVersion::Kind::kNoStream:
      if (head.version != 0) {
        return absl::AbortedError(absl::StrCat(
            "stream \"", request.stream, "\" already exists at version ",
            head.version, " (expected no stream)"));
      }
      break;
    case ExpectedVersion::Kind::kStreamExists:
      if (head.version == 0) {
        return absl::NotFoundError(
            absl::StrCat("stream \"", request.stream, "\" does not exist"));
      }
      break;
    case ExpectedVersion::Kind::kExact:
      if (head.version != expected.version) {
        return absl::AbortedError(absl::StrCat(
            "expected version ", expected.version, " but stream \"",
            request.stream, "\" is at version ", head.version));
      }
      break;
  }

  if (request.check) {
    if (options_.projector == nullptr) {
      return absl::FailedPreconditionError(
          "this log keeps no state to check an append against");
    }
    internal::GroupStateWriter reader(db_.get(), &state);
    LEDGER_RETURN_IF_ERROR(request.check(reader));
  }

  AppendResult result;
  result.first_position = state.position + 1;
  result.first_version = head.version + 1;
  result.recorded_at_micros = state.recorded_at;
  // Undo point in case the projector refuses one of the events.
  const uint64_t position_before = state.position;
  const Hash256 hash_before = state.prev_hash;
  const size_t hashes_before = state.event_hashes.size();
  state.batch.SetSavePoint();
  state.overlay_undo.clear();
  internal::GroupStateWriter state_writer(db_.get(), &state);
  EventRecord record;
  record.stream = request.stream;
  for (size_t i = 0; i < request.events.size(); ++i) {
    const ProposedEvent& proposed = request.events[i];
    record.position = ++state.position;
    record.version = ++head.version;
    record.type = proposed.type;
    record.payload = proposed.payload;
    record.payload_sha256 = pending.payload_sha256[i];
    record.metadata = proposed.metadata;
    record.metadata.request_id = request.request_id;
    record.metadata.recorded_at_micros = state.recorded_at;
    if (record.metadata.occurred_at_micros == 0) {
      record.metadata.occurred_at_micros = state.recorded_at;
    }
    record.prev_hash = state.prev_hash;
    record.hash = state.sha.EventHash(state.prev_hash, record, &state.scratch);
    state.prev_hash = record.hash;
    state.event_hashes.push_back(record.hash);
    std::string key = internal::EventKey(record.position);
    state.batch.Put(db_->cf(Cf::kEvents), key, internal::EncodeRecord(record))
        .PermitUncheckedError();
    state.batch
        .Put(db_->cf(Cf::kStreamIndex),
             internal::StreamIndexKey(record.stream, record.version), key)
        .PermitUncheckedError();
    if (options_.principal_index) {
      internal::StagePrincipalKeys(record, db_->cf(Cf::kPrincipalIndex),
                                   &state.batch);
    }
    if (options_.projector != nullptr) {
      absl::Status applied =
          proposed.decoded != nullptr
              ? options_.projector->ApplyDecoded(record, *proposed.decoded,
                                                 state_writer)
              : options_.projector->Apply(record, state_writer);
      if (applied.ok() && &proposed == &request.events.back()) {
        applied = options_.projector->Flush(state_writer);
      }
      if (!applied.ok()) {
        state.batch.RollbackToSavePoint().PermitUncheckedError();
        state_writer.Undo();
        state.position = position_before;
        state.prev_hash = hash_before;
        state.event_hashes.resize(hashes_before);
        return applied;
      }
    }
  }
  if (request.dry_run) {  // checked everything; now undo like a refusal
    state.batch.RollbackToSavePoint().PermitUncheckedError();
    state_writer.Undo();
    result.last_position = state.position;
    result.last_version = head.version;
    state.position = position_before;
    state.prev_hash = hash_before;
    state.event_hashes.resize(hashes_before);
    return result;
  }
  state.batch.PopSavePoint().PermitUncheckedError();
  head.last_position = state.position;
  state.batch
      .Put(db_->cf(Cf::kStreamHeads), request.stream,
           internal::EncodeStreamHead(head.version, head.last_position))
      .PermitUncheckedError();
  state.heads[request.stream] = head;
  for (const std::string& name : request.erase_secrets) {
    state.batch.Delete(db_->cf(Cf::kSecrets), name).PermitUncheckedError();
  }
  for (const auto& [name, value] : request.put_secrets) {
    state.batch.Put(db_->cf(Cf::kSecrets), name, value).PermitUncheckedError();
  }
  result.last_position = state.position;
  result.last_version = head.version;

  if (!request.request_id.empty()) {
    IdempotencyEntry entry;
    entry.stream = request.stream;
    entry.fingerprint = fingerprint;
    entry.first_position = result.first_position;
    entry.last_position = result.last_position;
    entry.first_version = result.first_version;
    entry.last_version = result.last_version;
    entry.recorded_at_micros = result.recorded_at_micros;
    state.batch
        .Put(db_->cf(Cf::kIdempotency), request.request_id,
             internal::EncodeIdempotency(entry))
        .PermitUncheckedError();
    state.idempotency[request.request_id] = std::move(entry);
  }
  ++state.staged_appends;
  state.staged_events += request.events.size();
  return result;
}

}  // namespace ledger::storage
