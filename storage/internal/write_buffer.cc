#include "storage/internal/write_buffer.h"

#include <algorithm>
#include <cstring>

#include "absl/hash/hash.h"

namespace ledger::storage::internal {

namespace {

constexpr size_t kBlockBytes = 4 << 20;

absl::string_view KeyOf(const char* data, uint32_t key_size) {
  return absl::string_view(data, key_size);
}

// A key's first eight bytes as a big-endian number (zero-padded): most
// comparisons of a sort end there, without touching the arena.
uint64_t KeyPrefix(absl::string_view key) {
  unsigned char bytes[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  std::memcpy(bytes, key.data(), std::min<size_t>(8, key.size()));
  uint64_t prefix = 0;
  for (unsigned char byte : bytes) prefix = (prefix << 8) | byte;
  return prefix;
}

}  // namespace

WriteBuffer::WriteBuffer(size_t expected_keys) {
  // A chunk grows past its key budget while the projector flushes.
  newest_.reserve(std::min<size_t>(2 * expected_keys, 1 << 20));
}

uint64_t WriteBuffer::HashOf(int family, absl::string_view key) {
  return absl::HashOf(family, key);
}

const char* WriteBuffer::Store(int family, absl::string_view key,
                               absl::string_view value) {
  const size_t size = 1 + key.size() + value.size();
  bytes_ += size + sizeof(Entry);
  if (block_used_ + size > block_size_) {
    block_size_ = std::max(kBlockBytes, size);
    blocks_.push_back(std::make_unique<char[]>(block_size_));
    block_used_ = 0;
  }
  char* out = blocks_.back().get() + block_used_;
  block_used_ += size;
  out[0] = static_cast<char>(family);
  if (!key.empty()) std::memcpy(out + 1, key.data(), key.size());
  if (!value.empty()) {
    std::memcpy(out + 1 + key.size(), value.data(), value.size());
  }
  return out;
}

uint32_t WriteBuffer::FindInChain(uint32_t index,
                                  absl::string_view full_key) const {
  for (; index != kNone; index = entries_[index].older) {
    const Entry& e = entries_[index];
    if (!e.superseded && KeyOf(e.data, e.key_size) == full_key) return index;
  }
  return kNone;
}

void WriteBuffer::Add(int family, absl::string_view key,
                      absl::string_view value, bool deleted) {
  const char* data = Store(family, key, value);
  const uint32_t key_size = static_cast<uint32_t>(1 + key.size());
  const uint32_t index = static_cast<uint32_t>(entries_.size());
  auto [slot, inserted] = newest_.try_emplace(HashOf(family, key), index);
  uint32_t older = kNone;
  if (!inserted) {
    older = slot->second;
    const uint32_t previous = FindInChain(older, KeyOf(data, key_size));
    if (previous != kNone) {
      entries_[previous].superseded = true;
      --live_;
    }
    slot->second = index;
  }
  entries_.push_back({data, key_size, static_cast<uint32_t>(value.size()),
                      older, deleted, false});
  ++live_;
}

WriteBuffer::Found WriteBuffer::Find(int family, absl::string_view key,
                                     std::string* value) const {
  auto slot = newest_.find(HashOf(family, key));
  if (slot == newest_.end()) return Found::kNo;
  std::string full_key(1, static_cast<char>(family));
  full_key.append(key.data(), key.size());
  const uint32_t index = FindInChain(slot->second, full_key);
  if (index == kNone) return Found::kNo;
  const Entry& e = entries_[index];
  if (e.deleted) return Found::kDeleted;
  value->assign(e.data + e.key_size, e.value_size);
  return Found::kValue;
}

std::vector<WriteBuffer::Write> WriteBuffer::WithPrefix(
    absl::string_view prefix) const {
  std::vector<Write> writes;
  for (const Entry& e : entries_) {
    if (e.superseded) continue;
    const absl::string_view key = KeyOf(e.data, e.key_size);
    if (key.substr(0, prefix.size()) != prefix) continue;
    writes.push_back(
        {key, absl::string_view(e.data + e.key_size, e.value_size), e.deleted});
  }
  return writes;
}

std::vector<WriteBuffer::Write> WriteBuffer::Sorted() const {
  struct Item {
    uint64_t prefix;
    const Entry* entry;
  };
  std::vector<Item> items;
  items.reserve(live_);
  for (const Entry& e : entries_) {
    if (!e.superseded)
      items.push_back({KeyPrefix(KeyOf(e.data, e.key_size)), &e});
  }
  std::sort(items.begin(), items.end(), [](const Item& a, const Item& b) {
    if (a.prefix != b.prefix) return a.prefix < b.prefix;
    return KeyOf(a.entry->data, a.entry->key_size) <
           KeyOf(b.entry->data, b.entry->key_size);
  });
  std::vector<Write> writes;
  writes.reserve(items.size());
  for (const Item& item : items) {
    const Entry& e = *item.entry;
    writes.push_back({KeyOf(e.data, e.key_size),
                      absl::string_view(e.data + e.key_size, e.value_size),
                      e.deleted});
  }
  return writes;
}

}  // namespace ledger::storage::internal
