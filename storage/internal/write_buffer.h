#ifndef LEDGER_STORAGE_INTERNAL_WRITE_BUFFER_H_
#define LEDGER_STORAGE_INTERNAL_WRITE_BUFFER_H_

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
//
// Thread-compatible; const methods may run concurrently.
class WriteBuffer {
 public:
  // One live write: `key` starts with the family byte; `value` is unset for
  // a delete.
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

  // The last write of (family, key): kValue (and *value), kDeleted, or kNo
  // when the buffer has none.
  Found Find(int family, absl::string_view key, std::string* value) const;

  // Keys with a live write, and bytes held (superseded writes included).
  size_t size() const { return live_; }
  size_t bytes() const { return bytes_; }

  // The live writes in key order (family byte first). Valid while the
  // buffer is neither changed nor destroyed.
  std::vector<Write> Sorted() const;
  // The live writes whose key (family byte first) starts with `prefix`, in
  // no particular order: one pass over the buffer, no sort.
  std::vector<Write> WithPrefix(absl::string_view prefix) const;

 private:
  struct Entry {
    const char* data;   // family byte, key, then value
    uint32_t key_size;  // family byte included
    uint32_t value_size;
    uint32_t older;  // previous entry with the same hash, or kNone
    bool deleted;
    bool superseded;  // a later write of the same key exists
  };
  static constexpr uint32_t kNone = UINT32_MAX;

  void Add(int family, absl::string_view key, absl::string_view value,
           bool deleted);
  const char* Store(int family, absl::string_view key, absl::string_view value);
  // The newest entry of `full_key` in the chain starting at `index`.
  uint32_t FindInChain(uint32_t index, absl::string_view full_key) const;
  static uint64_t HashOf(int family, absl::string_view key);

  std::vector<std::unique_ptr<char[]>> blocks_;
  size_t block_used_ = 0;
  size_t block_size_ = 0;
  std::vector<Entry> entries_;
  absl::flat_hash_map<uint64_t, uint32_t> newest_;  // key hash -> entry
  size_t live_ = 0;
  size_t bytes_ = 0;
};

}  // namespace ledger::storage::internal

#endif  // LEDGER_STORAGE_INTERNAL_WRITE_BUFFER_H_
