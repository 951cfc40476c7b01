#ifndef LEDGER_STORAGE_PROJECTOR_H_
#define LEDGER_STORAGE_PROJECTOR_H_

#include <functional>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "storage/event_record.h"

namespace ledger::storage {

// Mutable access to the state families (the key-value tables projections
// keep) while events are folded into them. A family is named by its index in
// EventLogOptions::state_families. Reads see every write made before through
// the same writer. Not thread-safe.
class StateWriter {
 public:
  virtual ~StateWriter() = default;
  // NOT_FOUND when the key is absent; other errors come from storage.
  [[nodiscard]] virtual absl::Status Get(int family, absl::string_view key,
                                         std::string* value) = 0;
  virtual void Put(int family, absl::string_view key,
                   absl::string_view value) = 0;
  virtual void Delete(int family, absl::string_view key) = 0;
  // Calls `visit` with every key (and value) of `family` starting with
  // `prefix`, in key order, as this writer sees them (its own writes
  // included); stops at the first error `visit` returns. Meant for rare
  // whole-customer rewrites (erasure), not for every event: it may cost
  // more than the keys it visits. `visit` must not write through this
  // writer. UNIMPLEMENTED unless the writer supports it.
  [[nodiscard]] virtual absl::Status Scan(
      int family, absl::string_view prefix,
      const std::function<absl::Status(absl::string_view key,
                                       absl::string_view value)>& visit) {
    (void)family;
    (void)prefix;
    (void)visit;
    return absl::UnimplementedError("this state writer cannot scan");
  }
};

// A fold of events into state families. The log calls it for every event it
// commits, inside the same WriteBatch (so state and log never drift apart),
// and again from position 1 when the state is rebuilt. Implementations must
// be deterministic: the result may depend only on the events and the state.
//
// Not required to be thread-safe: the log calls one Projector from one
// thread at a time.
class Projector {
 public:
  virtual ~Projector() = default;

  // Folds `record` into the state through `state`. An error rejects the
  // append that carries the event (none of its writes happen) and is
  // returned to that append's caller; use FAILED_PRECONDITION for requests
  // the current state forbids.
  [[nodiscard]] virtual absl::Status Apply(const EventRecord& record,
                                           StateWriter& state) = 0;

  // Apply for an event whose appender attached its decoded payload
  // (ProposedEvent::decoded): the same fold, which may read the payload from
  // `decoded` instead of decoding record.payload, and must reach the same
  // state either way (a rebuild folds the same event through Apply). Only
  // the inline fold of an append calls it. The default ignores `decoded`.
  [[nodiscard]] virtual absl::Status ApplyDecoded(const EventRecord& record,
                                                  const DecodedPayload& decoded,
                                                  StateWriter& state) {
    (void)decoded;
    return Apply(record, state);
  }

  // Warms what Apply will read for `record` (a customer's key, say), ahead
  // of it and on another thread: a rebuild calls it from the thread that
  // reads the log, for the first record of every run of one stream's
  // records, while the fold works through earlier ones. Must be thread-safe
  // and must not change what Apply computes. The default does nothing.
  virtual void Prefetch(const EventRecord& record) const { (void)record; }

  // Writes whatever Apply kept in memory instead of writing at once (a
  // rebuild folds a customer's many events into one stored value this way).
  // The log calls it after the events of every append and before it writes
  // each chunk of a rebuild. A projector that buffers must drop its buffer
  // when Apply fails.
  [[nodiscard]] virtual absl::Status Flush(StateWriter& state) {
    (void)state;
    return absl::OkStatus();
  }
};

}  // namespace ledger::storage

#endif  // LEDGER_STORAGE_PROJECTOR_H_
