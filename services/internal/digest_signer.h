#ifndef LEDGER_SERVICES_INTERNAL_DIGEST_SIGNER_H_
#define LEDGER_SERVICES_INTERNAL_DIGEST_SIGNER_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "storage/event_record.h"

namespace spdlog {
class logger;
}  // namespace spdlog

struct evp_pkey_st;

namespace ledger::services::internal {

// The server's Ed25519 key, which signs tree heads (ledger.v1.SignedDigest).
//
// Thread-safe: Sign may be called concurrently.
class DigestSigner {
 public:
  // Reads the PEM (PKCS#8) Ed25519 private key at `path`; when the file
  // does not exist, generates a key and writes it there with mode 0600
  // (creating the parent directory) and logs where. FAILED_PRECONDITION
  // when the file is not a regular file, is accessible to group or others,
  // or holds no Ed25519 private key.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<DigestSigner>>
  LoadOrCreate(const std::string& path, spdlog::logger& logger);

  ~DigestSigner();
  DigestSigner(const DigestSigner&) = delete;
  DigestSigner& operator=(const DigestSigner&) = delete;

  // The bytes a SignedDigest's signature covers (see integrity.proto):
  //   "customer-ledger/digest/v1" 0x00 || u64be(tree_size) || root_hash
  //   || head_hash || i64be(signed_at microseconds since the Unix epoch)
  static std::string SignedBytes(uint64_t tree_size,
                                 const storage::Hash256& root_hash,
                                 const storage::Hash256& head_hash,
                                 int64_t signed_at_micros);

  // The 64-byte Ed25519 signature of `message`.
  [[nodiscard]] absl::StatusOr<std::string> Sign(
      absl::string_view message) const;

  // The raw 32-byte public key.
  const std::string& public_key() const { return public_key_; }
  // First 16 hex digits of SHA-256(public key).
  const std::string& key_id() const { return key_id_; }

 private:
  explicit DigestSigner(evp_pkey_st* key);

  evp_pkey_st* const key_;  // owned
  std::string public_key_;
  std::string key_id_;
};

}  // namespace ledger::services::internal

#endif  // LEDGER_SERVICES_INTERNAL_DIGEST_SIGNER_H_
