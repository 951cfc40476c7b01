#include "projections/actor_keys.h"

namespace ledger::projections {

namespace {

constexpr uint64_t kSignBit = uint64_t{1} << 63;

void PutBigEndian(std::string* out, uint64_t v, int bytes) {
  for (int shift = 8 * (bytes - 1); shift >= 0; shift -= 8) {
    out->push_back(static_cast<char>((v >> shift) & 0xff));
  }
}

uint64_t GetBigEndian(absl::string_view in) {
  uint64_t v = 0;
  for (char c : in) v = (v << 8) | static_cast<unsigned char>(c);
  return v;
}

}  // namespace

std::string ActorIndexPrefix(IndexKind kind, absl::string_view principal) {
  std::string key{static_cast<char>(kind), '\0'};
  PutBigEndian(&key, principal.size(), 4);
  key.append(principal.data(), principal.size());
  return key;
}

std::string ActorIndexSuffix(int64_t recorded_micros, uint64_t position) {
  std::string suffix;
  suffix.reserve(kActorSuffixSize);
  PutBigEndian(&suffix, static_cast<uint64_t>(recorded_micros) ^ kSignBit, 8);
  PutBigEndian(&suffix, position, 8);
  return suffix;
}

bool ParseActorIndexSuffix(absl::string_view suffix, int64_t* recorded_micros,
                           uint64_t* position) {
  if (suffix.size() != kActorSuffixSize) return false;
  *recorded_micros =
      static_cast<int64_t>(GetBigEndian(suffix.substr(0, 8)) ^ kSignBit);
  *position = GetBigEndian(suffix.substr(8, 8));
  return true;
}

std::vector<std::string> ActorIndexKeysOf(const storage::EventRecord& record) {
  std::vector<std::string> keys;
  const std::string suffix =
      ActorIndexSuffix(record.metadata.recorded_at_micros, record.position);
  if (!record.metadata.actor.empty()) {
    keys.push_back(ActorIndexPrefix(IndexKind::kActor, record.metadata.actor) +
                   suffix);
  }
  if (!record.metadata.on_behalf_of.empty()) {
    keys.push_back(
        ActorIndexPrefix(IndexKind::kOnBehalfOf, record.metadata.on_behalf_of) +
        suffix);
  }
  return keys;
}

}  // namespace ledger::projections
