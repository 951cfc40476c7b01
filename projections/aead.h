#ifndef LEDGER_PROJECTIONS_AEAD_H_
#define LEDGER_PROJECTIONS_AEAD_H_

// The cryptographic primitives of personal-data sealing and key wrapping,
// in one place (OpenSSL EVP): AES-256-GCM, HMAC-SHA256 and random bytes.
// Stateless functions; thread-safe.

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace ledger::projections {

inline constexpr size_t kAeadKeyBytes = 32;    // AES-256
inline constexpr size_t kAeadNonceBytes = 12;  // GCM's 96-bit nonce
inline constexpr size_t kAeadTagBytes = 16;

// AES-256-GCM: ciphertext || 16-byte tag. INVALID_ARGUMENT on a key or
// nonce of the wrong size.
[[nodiscard]] absl::StatusOr<std::string> AeadSeal(absl::string_view key,
                                                   absl::string_view nonce,
                                                   absl::string_view plaintext,
                                                   absl::string_view aad);

// Inverse of AeadSeal. DATA_LOSS when the tag does not verify (wrong key,
// wrong additional data, or altered bytes).
[[nodiscard]] absl::StatusOr<std::string> AeadOpen(
    absl::string_view key, absl::string_view nonce,
    absl::string_view ciphertext_and_tag, absl::string_view aad);

// HMAC-SHA256 (32 bytes).
std::string HmacSha256(absl::string_view key, absl::string_view data);

// `n` bytes from OpenSSL's CSPRNG; INTERNAL if it fails.
[[nodiscard]] absl::StatusOr<std::string> RandomBytes(size_t n);

}  // namespace ledger::projections

#endif  // LEDGER_PROJECTIONS_AEAD_H_
