#ifndef LEDGER_STORAGE_INTERNAL_PENDING_APPEND_H_
#define LEDGER_STORAGE_INTERNAL_PENDING_APPEND_H_

#include <cstddef>

#include "absl/functional/any_invocable.h"
#include "storage/event_log.h"

namespace ledger::storage {

// An append waiting in EventLog's queue for the writer thread.
struct EventLog::Pending {
  AppendRequest request;
  AppendCallback done;
  size_t bytes = 0;  // estimate used to bound one commit group
  // When set, this is not an append but a task the writer runs between
  // groups (e.g. a rebuild's switch-over).
  absl::AnyInvocable<void() &&> barrier;
};

}  // namespace ledger::storage

#endif  // LEDGER_STORAGE_INTERNAL_PENDING_APPEND_H_
