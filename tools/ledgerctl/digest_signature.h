// Checking a server's signed tree head (ledger.v1.SignedDigest) on the
// auditor's side: the exact signed bytes of integrity.proto, Ed25519 with
// OpenSSL, key ids, and the public keys an auditor pins.
#ifndef LEDGER_TOOLS_LEDGERCTL_DIGEST_SIGNATURE_H_
#define LEDGER_TOOLS_LEDGERCTL_DIGEST_SIGNATURE_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "ledger/v1/integrity.pb.h"

namespace ledger::ctl {

// The bytes the server signs (integrity.proto, SignedDigest):
//   "customer-ledger/digest/v1" 0x00 || tree_size (u64 BE) || root_hash (32)
//   || head_hash (32) || signed_at in Unix microseconds (i64 BE)
std::string DigestSignedBytes(const ledger::v1::SignedDigest& digest);

// First 16 hex digits of SHA-256(public_key).
std::string KeyId(absl::string_view public_key);

// Checks that `digest` is well formed (32-byte hashes and key, 64-byte
// signature, key_id matching the key, the empty root for size 0) and that
// its Ed25519 signature over DigestSignedBytes verifies with its own
// public key; with a non-empty `pinned_key` (32 raw bytes), also that the
// digest is signed with exactly that key. DATA_LOSS or INVALID_ARGUMENT
// saying what is wrong.
[[nodiscard]] absl::Status VerifyDigest(const ledger::v1::SignedDigest& digest,
                                        absl::string_view pinned_key);

// Reads a public key to pin from `spec`: 64 hex digits, or a file holding
// 64 hex digits, a PEM "PUBLIC KEY" (Ed25519), the 32 raw key bytes, or a
// digest saved by `ledgerctl digest --save` (its public key). Returns the
// 32 raw bytes.
absl::StatusOr<std::string> LoadPublicKey(const std::string& spec);

// Reads a SignedDigest saved as protobuf JSON by `ledgerctl digest --save`.
absl::StatusOr<ledger::v1::SignedDigest> LoadSavedDigest(
    const std::string& path);

// Writes `digest` as indented protobuf JSON to `path`.
[[nodiscard]] absl::Status SaveDigest(const ledger::v1::SignedDigest& digest,
                                      const std::string& path);

}  // namespace ledger::ctl

#endif  // LEDGER_TOOLS_LEDGERCTL_DIGEST_SIGNATURE_H_
