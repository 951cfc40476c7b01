#ifndef LEDGER_PROJECTIONS_ACTOR_KEYS_H_
#define LEDGER_PROJECTIONS_ACTOR_KEYS_H_

// The "who changed what" index in the customer_index family: one entry per
// event of the log (customer streams and the rules stream alike) under its
// actor, and one under its on_behalf_of when set. The projector writes each
// entry once, in the event's WriteBatch, and never changes it:
//
//   W \0 u32be(len) actor        u64be(recorded_at µs ^ 2^63) u64be(position)
//   B \0 u32be(len) on_behalf_of u64be(recorded_at µs ^ 2^63) u64be(position)
//     -> ""
//
// The length prefix keeps one principal's entries contiguous whatever bytes
// its name holds; the sign-flipped commit time makes a time range a key
// range. Commit times never decrease along the log, so within one principal
// the entries are also in position order. The event itself is read from the
// log by position.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "projections/customer_keys.h"
#include "storage/event_record.h"

namespace ledger::projections {

// Bytes of the (recorded_at, position) suffix of an actor index key.
inline constexpr size_t kActorSuffixSize = 16;

// kind \0 u32be(len) principal: every entry of one principal.
// REQUIRES: kind is IndexKind::kActor or IndexKind::kOnBehalfOf.
std::string ActorIndexPrefix(IndexKind kind, absl::string_view principal);

// The (recorded_at, position) suffix; (micros, 0) sorts before every event
// committed at `micros` or later.
std::string ActorIndexSuffix(int64_t recorded_micros, uint64_t position);

// False when `suffix` is not kActorSuffixSize bytes.
bool ParseActorIndexSuffix(absl::string_view suffix, int64_t* recorded_micros,
                           uint64_t* position);

// The index keys of one committed event: its actor's (when set) and its
// on_behalf_of's (when set).
std::vector<std::string> ActorIndexKeysOf(const storage::EventRecord& record);

}  // namespace ledger::projections

#endif  // LEDGER_PROJECTIONS_ACTOR_KEYS_H_
