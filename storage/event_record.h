#ifndef LEDGER_STORAGE_EVENT_RECORD_H_
#define LEDGER_STORAGE_EVENT_RECORD_H_

#include <array>
#include <cstdint>
#include <string>

namespace ledger::storage {

// A SHA-256 digest.
using Hash256 = std::array<unsigned char, 32>;

// Who caused an event, why and when. Storage treats every field as opaque
// text; services/ decides what they mean.
struct EventMetadata {
  std::string actor;
  std::string reason;
  std::string request_id;
  std::string correlation_id;
  std::string causation_id;
  std::string service;
  std::string on_behalf_of;
  int64_t occurred_at_micros = 0;  // business time, Unix microseconds
  int64_t recorded_at_micros = 0;  // commit time, set by the log
};

// One committed event of the log: an opaque payload in a stream. Plain value
// type; not synchronised.
struct EventRecord {
  uint64_t position = 0;  // global, gapless, from 1
  std::string stream;     // stream id (a customer id to the layers above)
  uint64_t version = 0;   // per-stream, gapless, from 1
  std::string type;       // event type name, opaque to storage
  std::string payload;    // opaque payload bytes
  Hash256 payload_sha256{};
  EventMetadata metadata;
  Hash256 prev_hash{};  // hash of position - 1; zeros for position 1
  Hash256 hash{};       // SHA-256(prev_hash || CanonicalBytes(*this))
};

// An appender's decoded form of a proposed event's payload (ProposedEvent::
// decoded), opaque to the log: the log only hands it to the projector with
// the committed record (Projector::ApplyDecoded), so that the inline fold
// can skip decoding the bytes the appender has just encoded from it.
// Subclasses must be immutable once attached: the log's writer thread reads
// them while the appender's thread may still hold them.
class DecodedPayload {
 public:
  virtual ~DecodedPayload() = default;
};

}  // namespace ledger::storage

#endif  // LEDGER_STORAGE_EVENT_RECORD_H_
