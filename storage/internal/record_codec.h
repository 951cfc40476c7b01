#ifndef LEDGER_STORAGE_INTERNAL_RECORD_CODEC_H_
#define LEDGER_STORAGE_INTERNAL_RECORD_CODEC_H_

// On-disk layout of the event log's column families.
//
// events value:  canonical bytes (see hash_chain.h) || prev_hash (32 B)
//                || hash (32 B) || payload (rest of the value)

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "storage/event_record.h"

namespace ledger::storage::internal {

// Keys of the default family.
inline constexpr char kStateCheckpointKey[] = "state_checkpoint";
inline constexpr char kStateVersionKey[] = "state_version";
inline constexpr char kStateGenerationKey[] = "state_generation";
// The generation in force while kStateGenerationKey is absent.
inline constexpr uint64_t kInitialStateGeneration = 1;

std::string EventKey(uint64_t position);
std::string StreamIndexKey(absl::string_view stream, uint64_t version);
// The prefix shared by all index keys of `stream`.
std::string StreamIndexPrefix(absl::string_view stream);

std::string EncodeRecord(const EventRecord& record);
// DATA_LOSS when `value` is not a well-formed record.
[[nodiscard]] absl::Status DecodeRecord(absl::string_view value,
                                        EventRecord* record);

std::string EncodeStreamHead(uint64_t version, uint64_t last_position);
[[nodiscard]] bool DecodeStreamHead(absl::string_view value, uint64_t* version,
                                    uint64_t* last_position);

// What an idempotency record remembers of a committed append.
struct IdempotencyEntry {
  std::string stream;
  Hash256 fingerprint{};  // digest of the request's content
  uint64_t first_position = 0;
  uint64_t last_position = 0;
  uint64_t first_version = 0;
  uint64_t last_version = 0;
  int64_t recorded_at_micros = 0;
};

std::string EncodeIdempotency(const IdempotencyEntry& entry);
[[nodiscard]] bool DecodeIdempotency(absl::string_view value,
                                     IdempotencyEntry* entry);

}  // namespace ledger::storage::internal

#endif  // LEDGER_STORAGE_INTERNAL_RECORD_CODEC_H_
