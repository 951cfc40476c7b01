#ifndef LEDGER_STORAGE_INTERNAL_PENDING_APPEND_H_
#define LEDGER_STORAGE_INTERNAL_PENDING_APPEND_H_

#include <cstddef>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "storage/event_log.h"

namespace ledger::storage {

// An append waiting in EventLog's queue for the writer thread.
struct EventLog::Pending {
  AppendRequest request;
  AppendCallback done;
  size_t bytes = 0;  // estimate used to bound one commit group
  // Hashed by AppendAsync on the caller's thread, not by the writer, which
  // every append waits for: SHA-256 of each event's payload, and the
  // request's idempotency fingerprint (zeros without a request_id).
  std::vector<Hash256> payload_sha256;
  Hash256 fingerprint{};
  // When set, this is not an append but a task the writer runs between
  // groups (e.g. a rebuild's switch-over).
  absl::AnyInvocable<void() &&> barrier;
};

}  // namespace ledger::storage

#endif  // LEDGER_STORAGE_INTERNAL_PENDING_APPEND_H_
