// Test-only builders for the ledgerctl verifier tests: a hash-chained log
// written from README.md ("Hash chain"), an RFC 6962 reference tree with
// audit paths and consistency proofs written straight from RFC 6962
// section 2.1 (PATH and SUBPROOF), and Ed25519-signed digests.
#ifndef LEDGER_TESTS_TOOLS_TEST_LOG_H_
#define LEDGER_TESTS_TOOLS_TEST_LOG_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "ledger/v1/integrity.pb.h"
#include "ledger/v1/ledger.pb.h"

namespace ledger::testing {

// RFC 6962 MTH over leaf hashes [begin, end).
std::string ReferenceRoot(const std::vector<std::string>& leaf_hashes,
                          size_t begin, size_t end);
// RFC 6962 PATH(m, D[begin:end]) over leaf hashes.
std::vector<std::string> ReferencePath(
    const std::vector<std::string>& leaf_hashes, size_t m, size_t begin,
    size_t end);
// RFC 6962 PROOF(m, D[0:n]).
std::vector<std::string> ReferenceConsistency(
    const std::vector<std::string>& leaf_hashes, size_t m, size_t n);

// `n` hash-chained events, positions 1..n, with raw payloads.
std::vector<ledger::v1::Event> MakeChain(int n);
// Recomputes `e`'s hash from its fields (prev_hash included).
std::string ChainHash(const ledger::v1::Event& e);

// An Ed25519 key pair that signs digests. Not thread-safe.
class TestSigner {
 public:
  TestSigner();
  ~TestSigner();
  TestSigner(const TestSigner&) = delete;
  TestSigner& operator=(const TestSigner&) = delete;

  const std::string& public_key() const { return public_key_; }
  // A signed digest of the first `tree_size` events of `events`.
  ledger::v1::SignedDigest Sign(const std::vector<ledger::v1::Event>& events,
                                uint64_t tree_size) const;
  // Re-signs `digest` after a test changed its fields.
  void Resign(ledger::v1::SignedDigest* digest) const;
  // PEM "PUBLIC KEY" text.
  std::string PublicKeyPem() const;

 private:
  void* key_ = nullptr;  // EVP_PKEY*
  std::string public_key_;
};

}  // namespace ledger::testing

#endif  // LEDGER_TESTS_TOOLS_TEST_LOG_H_
