// An auditor's own RFC 6962 / RFC 9162 Merkle tree code: hashes, roots,
// inclusion and consistency proof verification. Written from the RFCs and
// deliberately sharing no code with the server, so that a server bug or a
// malicious server cannot make both sides agree on a wrong answer.
//
//   leaf_hash = SHA-256(0x00 || leaf_input)    (leaf input: an event's hash)
//   node_hash = SHA-256(0x01 || left || right)
//   MTH({})   = SHA-256("")
#ifndef LEDGER_TOOLS_LEDGERCTL_MERKLE_VERIFIER_H_
#define LEDGER_TOOLS_LEDGERCTL_MERKLE_VERIFIER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace ledger::ctl {

inline constexpr size_t kHashSize = 32;

std::string Sha256(absl::string_view data);
std::string LeafHash(absl::string_view leaf_input);
std::string NodeHash(absl::string_view left, absl::string_view right);
// The root of the empty tree, SHA-256 of the empty string.
std::string EmptyRoot();

// RFC 9162 section 2.1.3.2: whether `proof` proves that `leaf_hash` is the
// leaf at 0-based `leaf_index` of the tree of `tree_size` leaves whose root
// is `root`. Every hash must be 32 bytes. OK, or DATA_LOSS /
// INVALID_ARGUMENT saying what does not hold.
[[nodiscard]] absl::Status VerifyInclusion(
    uint64_t leaf_index, uint64_t tree_size, absl::string_view leaf_hash,
    const std::vector<std::string>& proof, absl::string_view root);

// RFC 9162 section 2.1.4.2: whether `proof` proves that the tree of
// `old_size` leaves with root `old_root` is a prefix of the tree of
// `new_size` leaves with root `new_root`. old_size must be at least 1 (any
// tree extends the empty one, so a proof from size 0 proves nothing);
// equal sizes need an empty proof and equal roots.
[[nodiscard]] absl::Status VerifyConsistency(
    uint64_t old_size, uint64_t new_size, absl::string_view old_root,
    absl::string_view new_root, const std::vector<std::string>& proof);

// The Merkle tree hash of a growing list of leaves, computed as they come
// with O(log n) memory: a stack of the roots of the perfect subtrees the
// leaves so far decompose into (a "compact range"), largest first.
// Not thread-safe.
class MerkleRootBuilder {
 public:
  MerkleRootBuilder() = default;
  MerkleRootBuilder(const MerkleRootBuilder&) = delete;
  MerkleRootBuilder& operator=(const MerkleRootBuilder&) = delete;

  // Appends a leaf by its leaf hash (LeafHash of the leaf input).
  void AddLeafHash(absl::string_view leaf_hash);

  // The root of the leaves added so far (EmptyRoot() for none).
  std::string Root() const;
  uint64_t size() const { return size_; }

 private:
  // subtrees_[i] covers 2^heights_[i] leaves; heights strictly decrease.
  std::vector<std::string> subtrees_;
  std::vector<int> heights_;
  uint64_t size_ = 0;
};

}  // namespace ledger::ctl

#endif  // LEDGER_TOOLS_LEDGERCTL_MERKLE_VERIFIER_H_
