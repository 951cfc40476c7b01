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

// Bytes [from, from + 8) of a key as a big-endian number, zero-padded.
uint64_t KeyBytesAt(absl::string_view key, size_t from) {
  unsigned char bytes[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  if (key.size() > from) {
    std::memcpy(bytes, key.data() + from,
                std::min<size_t>(8, key.size() - from));
  }
  uint64_t number = 0;
  for (unsigned char byte : bytes) number = (number << 8) | byte;
  return number;
}

}  // namespace

WriteBuffer::WriteBuffer(size_t expected_keys) : expected_keys_(expected_keys) {
  entries_.reserve(expected_keys);
  Clear();
}

void WriteBuffer::Clear() {
  entries_.clear();
  newest_.clear();
  // Most writes go unindexed; the read families hold a fraction of them.
  newest_.reserve(std::min<size_t>(expected_keys_ / 4, 1 << 18));
  indexed_.reset();
  block_ = 0;
  block_used_ = 0;
  live_ = 0;
  bytes_ = 0;
}

uint64_t WriteBuffer::HashOf(int family, absl::string_view key) {
  return absl::HashOf(family, key);
}

const char* WriteBuffer::Store(int family, absl::string_view key,
                               absl::string_view value) {
  const size_t size = 1 + key.size() + value.size();
  bytes_ += size + sizeof(Entry);
  if (blocks_.empty() || block_used_ + size > blocks_[block_].size) {
    // On to the next block: one kept from before Clear() if it is large
    // enough, else a new one (not zeroed: every byte is written before it
    // is read). The blocks in use stay at the front.
    const size_t next = blocks_.empty() ? 0 : block_ + 1;
    size_t fit = next;
    while (fit < blocks_.size() && blocks_[fit].size < size) ++fit;
    if (fit == blocks_.size()) {
      const size_t bytes = std::max(kBlockBytes, size);
      blocks_.push_back({std::unique_ptr<char[]>(new char[bytes]), bytes});
    }
    std::swap(blocks_[next], blocks_[fit]);
    block_ = next;
    block_used_ = 0;
  }
  char* out = blocks_[block_].bytes.get() + block_used_;
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
  // Chains run newest first: the first match is the key's last write.
  for (; index != kNone; index = entries_[index].older) {
    const Entry& e = entries_[index];
    if (KeyOf(e.data, e.key_size) == full_key) return index;
  }
  return kNone;
}

void WriteBuffer::Index(uint32_t index) {
  Entry& e = entries_[index];
  const absl::string_view full_key = KeyOf(e.data, e.key_size);
  auto [slot, inserted] = newest_.try_emplace(
      HashOf(static_cast<unsigned char>(full_key[0]), full_key.substr(1)),
      index);
  if (inserted) return;
  e.older = slot->second;
  if (FindInChain(e.older, full_key) != kNone) --live_;
  slot->second = index;
}

void WriteBuffer::Add(int family, absl::string_view key,
                      absl::string_view value, bool deleted) {
  const char* data = Store(family, key, value);
  const uint32_t index = static_cast<uint32_t>(entries_.size());
  entries_.push_back({data, static_cast<uint32_t>(1 + key.size()),
                      static_cast<uint32_t>(value.size()), kNone, deleted});
  ++live_;
  if (indexed_[static_cast<unsigned char>(family)]) Index(index);
}

WriteBuffer::Found WriteBuffer::Find(int family, absl::string_view key,
                                     std::string* value) {
  const unsigned char f = static_cast<unsigned char>(family);
  if (!indexed_[f]) {
    indexed_[f] = true;
    for (uint32_t i = 0; i < entries_.size(); ++i) {
      if (static_cast<unsigned char>(entries_[i].data[0]) == f) Index(i);
    }
  }
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
    const absl::string_view key = KeyOf(e.data, e.key_size);
    if (key.substr(0, prefix.size()) != prefix) continue;
    writes.push_back(
        {key, absl::string_view(e.data + e.key_size, e.value_size), e.deleted});
  }
  return writes;
}

std::vector<WriteBuffer::Write> WriteBuffer::Sorted() const {
  // A key's first 16 bytes as two numbers: most comparisons of the sort end
  // there, without touching the arena. Eight were too few: the family byte
  // and the start of a customer id tie for every customer of a block of ids.
  struct Item {
    uint64_t high;
    uint64_t low;
    const Entry* entry;
  };
  std::vector<Item> items;
  items.reserve(entries_.size());
  for (const Entry& e : entries_) {
    const absl::string_view key = KeyOf(e.data, e.key_size);
    items.push_back({KeyBytesAt(key, 0), KeyBytesAt(key, 8), &e});
  }
  // Writes of one key end up adjacent, in the order they were made (entries
  // are one array, so their addresses follow that order).
  std::sort(items.begin(), items.end(), [](const Item& a, const Item& b) {
    if (a.high != b.high) return a.high < b.high;
    if (a.low != b.low) return a.low < b.low;
    const int c = KeyOf(a.entry->data, a.entry->key_size)
                      .compare(KeyOf(b.entry->data, b.entry->key_size));
    if (c != 0) return c < 0;
    return a.entry < b.entry;
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
