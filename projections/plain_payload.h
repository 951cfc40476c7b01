#ifndef LEDGER_PROJECTIONS_PLAIN_PAYLOAD_H_
#define LEDGER_PROJECTIONS_PLAIN_PAYLOAD_H_

#include <utility>

#include "ledger/v1/events.pb.h"
#include "storage/event_record.h"

namespace ledger::projections {

// The payload of a proposed event as its appender validated it: plaintext,
// before its personal fields were sealed (storage::ProposedEvent::decoded).
// CustomerProjector folds it instead of decoding and opening the stored
// bytes, which hold the same payload.
//
// Immutable, so thread-safe.
class PlainPayload final : public storage::DecodedPayload {
 public:
  // REQUIRES: `payload` is current (no retired revision: appends refuse
  // those) and has no sealed part (appends refuse one).
  explicit PlainPayload(ledger::v1::EventPayload payload)
      : payload_(std::move(payload)) {}

  const ledger::v1::EventPayload& payload() const { return payload_; }

 private:
  const ledger::v1::EventPayload payload_;
};

}  // namespace ledger::projections

#endif  // LEDGER_PROJECTIONS_PLAIN_PAYLOAD_H_
