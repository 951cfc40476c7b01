#ifndef LEDGER_STORAGE_APPEND_REQUEST_H_
#define LEDGER_STORAGE_APPEND_REQUEST_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "storage/event_record.h"

namespace ledger::storage {

class StateWriter;

// Optimistic-concurrency condition of an append. Plain value type.
struct ExpectedVersion {
  enum class Kind { kAny, kNoStream, kStreamExists, kExact };

  static ExpectedVersion Any() { return {Kind::kAny, 0}; }
  static ExpectedVersion NoStream() { return {Kind::kNoStream, 0}; }
  static ExpectedVersion StreamExists() { return {Kind::kStreamExists, 0}; }
  // Exact(0) is the same as NoStream().
  static ExpectedVersion Exact(uint64_t v) { return {Kind::kExact, v}; }

  Kind kind = Kind::kAny;
  uint64_t version = 0;  // only for kExact
};

// One event to append. metadata.request_id and metadata.recorded_at_micros
// are set by the log; metadata.occurred_at_micros == 0 means "the commit
// time" and is replaced by it.
struct ProposedEvent {
  std::string type;
  std::string payload;
  EventMetadata metadata;
  // Optional: `payload` as the appender decoded it, passed to the projector
  // with the committed record (Projector::ApplyDecoded). Neither stored nor
  // part of the idempotency fingerprint; the projector must fold the same
  // state with it as from `payload` alone.
  std::shared_ptr<const DecodedPayload> decoded;
};

// An atomic append of one or more events to one stream.
struct AppendRequest {
  std::string stream;
  ExpectedVersion expected;
  // Idempotency key; empty means none. A committed request_id makes a later
  // request with the same key and content return the original result.
  std::string request_id;
  std::vector<ProposedEvent> events;
  // Runs every check of a real append (expected version, request_id, the
  // projector) and writes nothing: the result is what the append would
  // have returned, or its error.
  bool dry_run = false;
  // Names of secrets (EventLog::GetSecret) deleted in the same WriteBatch as
  // the events: they are gone exactly when the events commit, and stay when
  // the append is refused. Part of the request's idempotency fingerprint.
  std::vector<std::string> erase_secrets;
  // Secrets (name, value) written in the same WriteBatch as the events, so
  // they are stored exactly when the events commit (e.g. the key that seals
  // them) and never for a refused or dry-run append. Not part of the
  // fingerprint: a retry may carry them or not. An idempotent replay writes
  // nothing, these included.
  std::vector<std::pair<std::string, std::string>> put_secrets;
  // Optional condition on the state, run by the writer as the append is
  // staged (after the expected-version and request_id checks, before the
  // events): it sees the state this append's events would be folded into,
  // the group's earlier appends included, so nothing can change it between
  // the check and the commit. It may only read through `state`, and must
  // be quick and never block (it runs on the writer thread). Its error
  // refuses the append, which writes nothing. Not part of the fingerprint.
  // REQUIRES: the log has a projector (else the append fails with
  // FAILED_PRECONDITION).
  std::function<absl::Status(StateWriter& state)> check;
};

struct AppendResult {
  uint64_t first_position = 0;
  uint64_t last_position = 0;
  uint64_t first_version = 0;
  uint64_t last_version = 0;
  int64_t recorded_at_micros = 0;
  bool duplicate = false;  // an idempotent replay: nothing was appended
};

}  // namespace ledger::storage

#endif  // LEDGER_STORAGE_APPEND_REQUEST_H_
