#ifndef LEDGER_STORAGE_HASH_CHAIN_H_
#define LEDGER_STORAGE_HASH_CHAIN_H_

// The hash chain over the event log.
//
// Canonical bytes of an event (format 1). Integers are big-endian; a
// "string" is a 4-byte big-endian byte length followed by the UTF-8 bytes:
//
//   u8      0x01                    format version
//   u64     position
//   string  stream                  (customer id)
//   u64     version
//   string  type                    (event type name)
//   32 B    payload_sha256          SHA-256 of the stored payload bytes
//   string  actor
//   string  reason
//   string  request_id
//   string  correlation_id
//   string  causation_id
//   string  service
//   string  on_behalf_of
//   i64     occurred_at             Unix microseconds, two's complement
//   i64     recorded_at             Unix microseconds, two's complement
//
//   hash(event) = SHA-256(prev_hash || canonical bytes)
//
// where prev_hash is the hash of the event at position - 1, or 32 zero bytes
// for position 1. The payload enters only through its digest, so a payload
// can later be redacted without breaking the chain.

#include <memory>
#include <string>

#include "absl/strings/string_view.h"
#include "storage/event_record.h"

namespace ledger::storage {

inline constexpr unsigned char kCanonicalFormatVersion = 1;

// Appends the canonical bytes of `record` (all fields but payload, prev_hash
// and hash) to *out.
void AppendCanonicalBytes(const EventRecord& record, std::string* out);

// Incremental SHA-256 that reuses one OpenSSL context (about 2.5x faster
// than one-shot SHA256() for small inputs). Not thread-safe: use one per
// thread. Aborts if OpenSSL cannot provide SHA-256 (a broken installation).
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  // One-shot digest of `data`.
  Hash256 Digest(absl::string_view data);

  // SHA-256(prev_hash || canonical bytes of record). Uses *scratch as a
  // buffer to avoid allocations in loops.
  Hash256 EventHash(const Hash256& prev_hash, const EventRecord& record,
                    std::string* scratch);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// Lower-case hex of a digest, for messages and logs.
std::string HexDigest(const Hash256& digest);

}  // namespace ledger::storage

#endif  // LEDGER_STORAGE_HASH_CHAIN_H_
