#ifndef LEDGER_PROJECTIONS_EVENT_CODEC_H_
#define LEDGER_PROJECTIONS_EVENT_CODEC_H_

// Translation between the domain events of ledger.v1 and the opaque records
// of the storage log. Every layer that turns bytes into customer events goes
// through here, and so does the upcasting of retired payload revisions
// (events.proto, "Evolution rules"): readers only ever see current ones.

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "ledger/v1/events.pb.h"
#include "ledger/v1/ledger.pb.h"
#include "projections/payload_opener.h"
#include "storage/event_record.h"

namespace ledger::projections {

// The log's type name of a payload: the message name of its oneof case, e.g.
// "ContactLogged" (the view stays valid for the process). INVALID_ARGUMENT
// when no case is set.
[[nodiscard]] absl::StatusOr<absl::string_view> EventTypeName(
    const ledger::v1::EventPayload& payload);

// Every event type name this build knows, in oneof field order (a retired
// revision shares its type's name and is not listed twice).
const std::vector<std::string>& KnownEventTypes();
bool IsKnownEventType(absl::string_view type);

// When the payload's oneof case is a retired revision: its type name, its
// revision and the field to send instead (for refusing an append).
// nullptr for a current revision.
struct RetiredRevision {
  int field_number;  // in EventPayload
  absl::string_view type;
  int revision;
  absl::string_view current_field;
};
const RetiredRevision* RetiredRevisionOf(
    const ledger::v1::EventPayload& payload);

// The payload bytes stored in the log (deterministic serialization).
std::string EncodePayload(const ledger::v1::EventPayload& payload);

// Fills *out from a stored record: envelope, metadata, hashes and the typed
// payload; raw_payload only when include_raw_payload. A retired revision is
// upcast to the current one (out->stored_revision() names the retired one).
// DATA_LOSS when the payload does not parse or does not match the record's
// type. With an `opener`, sealed personal fields are opened (put back in
// place, payload.sealed cleared); without, the payload stays as stored
// (personal fields cleared, payload.sealed set). raw_payload and
// payload_sha256 are always the stored bytes.
[[nodiscard]] absl::Status DecodeEvent(const storage::EventRecord& record,
                                       bool include_raw_payload,
                                       ledger::v1::Event* out,
                                       const PayloadOpener* opener = nullptr);
// DecodeEvent without what no fold reads: the hashes (payload_sha256,
// prev_hash, hash), raw_payload, the request, correlation and causation ids
// and the calling service stay empty. For projectors, which decode every
// event of a rebuild: each of those is a string to allocate and free.
[[nodiscard]] absl::Status DecodeEventForFold(
    const storage::EventRecord& record, ledger::v1::Event* out,
    const PayloadOpener* opener = nullptr);

// DecodeEventForFold of an event whose payload is known already: the
// envelope and metadata come from `record`, the payload is copied from
// `payload`, which must be what record.payload decodes and opens to (the
// plaintext its appender encoded; PlainPayload). record.payload is not read.
void DecodeEventForFold(const storage::EventRecord& record,
                        const ledger::v1::EventPayload& payload,
                        ledger::v1::Event* out);

}  // namespace ledger::projections

#endif  // LEDGER_PROJECTIONS_EVENT_CODEC_H_
