#ifndef LEDGER_STORAGE_INTERNAL_WRITE_BUFFER_H_
#define LEDGER_STORAGE_INTERNAL_WRITE_BUFFER_H_

#include <bitset>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"

namespace ledger::storage::internal {

// The writes of a rebuild chunk: puts and deletes of (family, key), the last
// write of a key winning. Built for a fold that writes millions of mostly
// distinct keys: bytes go to an arena (no allocation per write), and the
// index holds 64-bit key hashes, so it stays small enough to stay cached.
// Only families that are read (Find) are indexed, from their first read on:
// a fold writes most keys (timelines, search indexes) without ever reading
// them back, and those writes skip the index (their repeats are resolved
// when sorted).
//
// Thread-compatible: Put, Delete and Find (which may index) need one thread
// at a time. Sorted and WithPrefix read only what Put and Delete wrote, so
// they may run concurrently with each other and with Find, but not with
// Put or Delete.
class WriteBuffer {
 public:
  // One write: `key` starts with the family byte; `value` is unset for a
  // delete.
  struct Write {
    absl::string_view key;
    absl::string_view value;
    bool deleted;
  };
  enum class Found { kNo, kValue, kDeleted };

  // `expected_keys` sizes the index up front.
  explicit WriteBuffer(size_t expected_keys);
  WriteBuffer(const WriteBuffer&) = delete;
  WriteBuffer& operator=(const WriteBuffer&) = delete;

  void Put(int family, absl::string_view key, absl::string_view value) {
    Add(family, key, value, false);
  }
  void Delete(int family, absl::string_view key) {
    Add(family, key, absl::string_view(), true);
  }
  // Forgets every write but keeps the memory, so that the next chunk
  // writes into pages already mapped instead of faulting in fresh ones.
  void Clear();

  // The last write of (family, key): kValue (and *value), kDeleted, or kNo
  // when the buffer has none. The first call for a family indexes its
  // writes so far (one pass over the buffer).
  Found Find(int family, absl::string_view key, std::string* value);

  // Keys with a live write in the families read so far, plus every write
  // to the others; and bytes held (superseded writes included).
  size_t size() const { return live_; }
  size_t bytes() const { return bytes_; }

  // Every write in key order, family byte first; the writes of one key are
  // adjacent, in the order they were made, so only the last of them is
  // live (IsSuperseded). Valid while the buffer is neither changed nor
  // destroyed. Repeats are left for the consumer to skip because it reads
  // each key anyway: a separate pass would miss the cache once more per key.
  std::vector<Write> Sorted() const;
  // Whether sorted[i] is overwritten by the write after it.
  static bool IsSuperseded(const std::vector<Write>& sorted, size_t i) {
    return i + 1 < sorted.size() && sorted[i + 1].key == sorted[i].key;
  }
  // Every write whose key (family byte first) starts with `prefix`, in the
  // order they were made (a later write of a key supersedes an earlier
  // one): one pass over the buffer, no sort.
  std::vector<Write> WithPrefix(absl::string_view prefix) const;

 private:
  struct Entry {
    const char* data;   // family byte, key, then value
    uint32_t key_size;  // family byte included
    uint32_t value_size;
    uint32_t older;  // previous indexed entry with the same hash, or kNone
    bool deleted;
  };
  static constexpr uint32_t kNone = UINT32_MAX;

  void Add(int family, absl::string_view key, absl::string_view value,
           bool deleted);
  const char* Store(int family, absl::string_view key, absl::string_view value);
  // Links entry `index` into the hash index; a key written before no longer
  // counts as live.
  void Index(uint32_t index);
  // The newest entry of `full_key` in the chain starting at `index`.
  uint32_t FindInChain(uint32_t index, absl::string_view full_key) const;
  static uint64_t HashOf(int family, absl::string_view key);

  struct Block {
    std::unique_ptr<char[]> bytes;
    size_t size;
  };
  const size_t expected_keys_;
  std::vector<Block> blocks_;
  size_t block_ = 0;       // the block being filled, if any
  size_t block_used_ = 0;  // bytes used in blocks_[block_]
  std::vector<Entry> entries_;
  std::bitset<256> indexed_;  // families whose writes are in newest_
  absl::flat_hash_map<uint64_t, uint32_t> newest_;  // key hash -> entry
  size_t live_ = 0;
  size_t bytes_ = 0;
};

}  // namespace ledger::storage::internal

#endif  // LEDGER_STORAGE_INTERNAL_WRITE_BUFFER_H_
