#ifndef LEDGER_TOOLS_LEDGERCTL_CHAIN_VERIFIER_H_
#define LEDGER_TOOLS_LEDGERCTL_CHAIN_VERIFIER_H_

#include <cstdint>
#include <string>

#include "ledger/v1/ledger.pb.h"

namespace ledger::ctl {

// Re-checks the hash chain from the events alone, trusting nothing the
// server says about validity. This is an independent implementation of the
// canonical-bytes rule in README.md ("Hash chain"), deliberately sharing no
// code with the server. Not thread-safe.
class ChainVerifier {
 public:
  // `prev_hash` is the hash of the event before the first one checked: 32
  // zero bytes when starting at position 1.
  explicit ChainVerifier(std::string prev_hash);
  ~ChainVerifier();
  ChainVerifier(const ChainVerifier&) = delete;
  ChainVerifier& operator=(const ChainVerifier&) = delete;

  // Checks the next event (it must carry raw_payload). On failure returns
  // false and fills *error with what is wrong at which position.
  bool Check(const ledger::v1::Event& event, std::string* error);

  uint64_t verified() const { return verified_; }
  const std::string& last_hash() const { return prev_hash_; }

 private:
  std::string Sha256(const std::string& data);

  std::string prev_hash_;
  uint64_t next_position_ = 0;
  uint64_t verified_ = 0;
  std::string scratch_;
  void* md_ = nullptr;   // EVP_MD*
  void* ctx_ = nullptr;  // EVP_MD_CTX*
};

std::string ToHex(const std::string& bytes);

}  // namespace ledger::ctl

#endif  // LEDGER_TOOLS_LEDGERCTL_CHAIN_VERIFIER_H_
