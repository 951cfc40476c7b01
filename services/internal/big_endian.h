#ifndef LEDGER_SERVICES_INTERNAL_BIG_ENDIAN_H_
#define LEDGER_SERVICES_INTERNAL_BIG_ENDIAN_H_

// Fixed-width big-endian numbers, the byte order of every key and token the
// services encode (so that byte order is numeric order).

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"

namespace ledger::services::internal {

inline void PutBigEndian64(std::string* out, uint64_t value) {
  for (int shift = 56; shift >= 0; shift -= 8) {
    out->push_back(static_cast<char>((value >> shift) & 0xff));
  }
}

// REQUIRES: in.size() >= 8; reads the first eight bytes.
inline uint64_t GetBigEndian64(absl::string_view in) {
  uint64_t value = 0;
  for (int i = 0; i < 8; ++i) {
    value = (value << 8) | static_cast<unsigned char>(in[i]);
  }
  return value;
}

}  // namespace ledger::services::internal

#endif  // LEDGER_SERVICES_INTERNAL_BIG_ENDIAN_H_
