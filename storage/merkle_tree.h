#ifndef LEDGER_STORAGE_MERKLE_TREE_H_
#define LEDGER_STORAGE_MERKLE_TREE_H_

// RFC 6962 (Certificate Transparency) Merkle tree hashing and proofs.
//
//   leaf_hash = SHA-256(0x00 || leaf input)
//   node_hash = SHA-256(0x01 || left || right)
//   MTH({})   = SHA-256()
//
// The tree of n leaves splits at k, the largest power of two below n: its
// left subtree is perfect (k leaves) and its right subtree holds the other
// n - k. Every subtree that occurs in such a tree, or in RFC 6962's PATH and
// PROOF, is therefore made of "perfect aligned" subtrees: node (level L,
// index i) is the root of the 2^L leaves i * 2^L .. (i + 1) * 2^L - 1. The
// functions below read only such nodes, through a MerkleNodeReader, so a
// store that keeps them answers any root or proof in O(log n) reads.
//
// The event log's leaf input is the 32-byte chain hash of each event (leaf
// i is the event at position i + 1); these functions accept any leaf input.

#include <array>
#include <cstdint>
#include <utility>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "storage/event_record.h"
#include "storage/hash_chain.h"

namespace ledger::storage {

// SHA-256(0x00 || leaf).
Hash256 MerkleLeafHash(Sha256& sha, absl::string_view leaf);
// SHA-256(0x01 || left || right).
Hash256 MerkleNodeHash(Sha256& sha, const Hash256& left, const Hash256& right);
// The root of the empty tree, SHA-256 of the empty string.
Hash256 MerkleEmptyRoot();

// Hash of the perfect aligned subtree (level, index); errors pass through.
using MerkleNodeReader =
    absl::FunctionRef<absl::StatusOr<Hash256>(int level, uint64_t index)>;

// MTH of leaves [begin, end). REQUIRES: begin < end and begin is a multiple
// of the largest power of two <= end - begin (true of every subtree of a
// tree that starts at 0); INVALID_ARGUMENT otherwise.
[[nodiscard]] absl::StatusOr<Hash256> MerkleRangeHash(MerkleNodeReader nodes,
                                                      Sha256& sha,
                                                      uint64_t begin,
                                                      uint64_t end);

// MTH of the first `size` leaves (MerkleEmptyRoot() for 0).
[[nodiscard]] absl::StatusOr<Hash256> MerkleRoot(MerkleNodeReader nodes,
                                                 Sha256& sha, uint64_t size);

// RFC 6962 section 2.1.1 PATH(index, D[size]): the audit path of leaf
// `index` (0-based) in the tree of `size` leaves, bottom up.
// INVALID_ARGUMENT unless index < size.
[[nodiscard]] absl::StatusOr<std::vector<Hash256>> MerkleInclusionProof(
    MerkleNodeReader nodes, Sha256& sha, uint64_t index, uint64_t size);

// RFC 6962 section 2.1.2 PROOF(old_size, D[new_size]). Empty when the sizes
// are equal. INVALID_ARGUMENT unless 0 < old_size <= new_size.
[[nodiscard]] absl::StatusOr<std::vector<Hash256>> MerkleConsistencyProof(
    MerkleNodeReader nodes, Sha256& sha, uint64_t old_size, uint64_t new_size);

// The right edge of an append-only tree: the roots of the perfect subtrees
// its size decomposes into (one per set bit). Appending a leaf completes
// the nodes a store must keep. A value type; not synchronised.
class MerkleFrontier {
 public:
  // Receives every node an append completes, the leaf first, then each
  // new parent up the tree.
  using NodeSink =
      absl::FunctionRef<void(int level, uint64_t index, const Hash256& hash)>;

  // The empty tree.
  MerkleFrontier() = default;

  // The tree of `size` leaves, from the hashes of its perfect subtrees:
  // nodes[j] is node (L, (size >> L) - 1) for the j-th set bit L of size,
  // counted from the lowest. INVALID_ARGUMENT if the count does not match.
  [[nodiscard]] static absl::StatusOr<MerkleFrontier> FromNodes(
      uint64_t size, const std::vector<Hash256>& nodes);

  // The (level, index) of the nodes FromNodes wants, lowest level first.
  static std::vector<std::pair<int, uint64_t>> NodesOf(uint64_t size);

  uint64_t size() const { return size_; }

  // Appends the leaf whose leaf hash is `leaf_hash`.
  void Append(Sha256& sha, const Hash256& leaf_hash, NodeSink sink);

  // MTH of all leaves appended so far.
  Hash256 Root(Sha256& sha) const;

 private:
  uint64_t size_ = 0;
  // nodes_[L]: root of the perfect subtree of level L on the right edge;
  // meaningful only while bit L of size_ is set.
  std::array<Hash256, 64> nodes_{};
};

}  // namespace ledger::storage

#endif  // LEDGER_STORAGE_MERKLE_TREE_H_
