#ifndef LEDGER_STORAGE_INTERNAL_CODING_H_
#define LEDGER_STORAGE_INTERNAL_CODING_H_

// Big-endian fixed-width encoding, so that encoded integers sort like the
// integers themselves in RocksDB's bytewise order.

#include <cstdint>
#include <cstring>
#include <string>

#include "absl/strings/string_view.h"

namespace ledger::storage::internal {

inline void PutFixed64BE(std::string* dst, uint64_t v) {
  char buf[8];
  for (int i = 7; i >= 0; --i) {
    buf[i] = static_cast<char>(v & 0xff);
    v >>= 8;
  }
  dst->append(buf, 8);
}

inline void PutFixed32BE(std::string* dst, uint32_t v) {
  char buf[4];
  for (int i = 3; i >= 0; --i) {
    buf[i] = static_cast<char>(v & 0xff);
    v >>= 8;
  }
  dst->append(buf, 4);
}

// REQUIRES: p points at >= 8 bytes.
inline uint64_t DecodeFixed64BE(const char* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}

// REQUIRES: p points at >= 4 bytes.
inline uint32_t DecodeFixed32BE(const char* p) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}

inline std::string EncodeFixed64BE(uint64_t v) {
  std::string s;
  PutFixed64BE(&s, v);
  return s;
}

inline void PutLengthPrefixed(std::string* dst, absl::string_view value) {
  PutFixed32BE(dst, static_cast<uint32_t>(value.size()));
  dst->append(value.data(), value.size());
}

// Sequential reader over an encoded buffer. Every getter returns false, and
// consumes nothing, when the input is too short.
class Reader {
 public:
  explicit Reader(absl::string_view input) : input_(input) {}

  bool GetFixed64(uint64_t* v) {
    if (input_.size() < 8) return false;
    *v = DecodeFixed64BE(input_.data());
    input_.remove_prefix(8);
    return true;
  }
  bool GetByte(unsigned char* v) {
    if (input_.empty()) return false;
    *v = static_cast<unsigned char>(input_[0]);
    input_.remove_prefix(1);
    return true;
  }
  bool GetBytes(size_t n, void* out) {
    if (input_.size() < n) return false;
    std::memcpy(out, input_.data(), n);
    input_.remove_prefix(n);
    return true;
  }
  bool GetLengthPrefixed(std::string* out) {
    if (input_.size() < 4) return false;
    uint32_t n = DecodeFixed32BE(input_.data());
    if (input_.size() - 4 < n) return false;
    out->assign(input_.data() + 4, n);
    input_.remove_prefix(4 + n);
    return true;
  }
  absl::string_view remaining() const { return input_; }

 private:
  absl::string_view input_;
};

}  // namespace ledger::storage::internal

#endif  // LEDGER_STORAGE_INTERNAL_CODING_H_
