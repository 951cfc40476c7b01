#ifndef LEDGER_PROJECTIONS_PAYLOAD_SEALING_H_
#define LEDGER_PROJECTIONS_PAYLOAD_SEALING_H_

// Sealing the personal fields of an event payload (personal_fields.h) with
// the customer's data key, and opening them again (README: "Personal
// data"). Scheme 1:
//
//   plaintext = deterministic serialization of an EventPayload holding only
//               the personal fields (same oneof case, same places)
//   aad       = "ledger.v1.SealedFields/1" || lp(customer_id) || lp(type)
//   nonce     = HMAC-SHA256(nonce_key, aad || lp(request_id) ||
//               u32be(event index) || plaintext)[0..12)
//               with nonce_key = HMAC-SHA256(data_key, "ledger nonce key")
//   sealed    = AES-256-GCM(data_key, nonce, plaintext, aad)
//
// (lp = 4-byte big-endian length, then the bytes.) The nonce is synthetic
// (SIV-style): the same request seals to the same bytes, so a retried
// request_id still matches the stored fingerprint, while different
// plaintexts, customers, types, requests or event indexes get different
// nonces; a nonce repeats only for byte-identical input, which then
// reveals no more than that the two inputs were equal.
//
// Stateless functions; thread-safe.

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "ledger/v1/events.pb.h"

namespace ledger::projections {

// A customer's data key: random id and 32 key bytes.
struct DataKey {
  std::string id;
  std::string bytes;
};

// Moves the personal fields of `payload` into payload->sealed, encrypted
// with `key`. Returns false (and leaves the payload alone) when it has no
// personal value.
[[nodiscard]] absl::StatusOr<bool> SealPersonalFields(
    absl::string_view customer_id, absl::string_view event_type,
    absl::string_view request_id, uint32_t event_index, const DataKey& key,
    ledger::v1::EventPayload* payload);

// Puts sealed personal fields back in place and clears payload->sealed.
// `key` null, or not the key that sealed them (key id differs): the key is
// destroyed, and the fields read as erased (SealedFields.erased).
// DATA_LOSS when the right key does not open them.
[[nodiscard]] absl::Status OpenSealedFields(absl::string_view customer_id,
                                            absl::string_view event_type,
                                            const DataKey* key,
                                            ledger::v1::EventPayload* payload);

}  // namespace ledger::projections

#endif  // LEDGER_PROJECTIONS_PAYLOAD_SEALING_H_
