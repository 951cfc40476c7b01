#ifndef LEDGER_PROJECTIONS_PAYLOAD_OPENER_H_
#define LEDGER_PROJECTIONS_PAYLOAD_OPENER_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "ledger/v1/events.pb.h"

namespace ledger::projections {

// Opens the sealed personal fields of stored payloads (payload_sealing.h)
// with the customers' keys, which the services own. Every fold and every
// decoded event goes through one (DecodeEvent), so the inline projection, a
// rebuild, time travel and the reads all see the same opened payloads. A
// reader that must not see personal data simply passes none.
//
// Implementations must be thread-safe.
class PayloadOpener {
 public:
  virtual ~PayloadOpener() = default;

  // Puts the personal fields of `payload` (of `customer_id`'s stream,
  // `event_type`) back in place and clears payload->sealed; when the key is
  // destroyed they read as erased. No-op without sealed fields. DATA_LOSS
  // when they do not open; UNAVAILABLE when the key cannot be read.
  [[nodiscard]] virtual absl::Status Open(
      absl::string_view customer_id, absl::string_view event_type,
      ledger::v1::EventPayload* payload) const = 0;

  // Loads what Open will need for `customer_id`'s payloads (its key), so
  // that an Open soon after, maybe on another thread, finds it in memory.
  // Errors are left for Open to report. The default does nothing.
  virtual void Prefetch(absl::string_view customer_id) const {
    (void)customer_id;
  }
};

}  // namespace ledger::projections

#endif  // LEDGER_PROJECTIONS_PAYLOAD_OPENER_H_
