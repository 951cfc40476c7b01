#include "storage/merkle_tree.h"

#include <algorithm>
#include <bit>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "storage/status_macros.h"

namespace ledger::storage {

namespace {

// RFC 6962's k for a tree of n >= 2 leaves: the largest power of two < n.
uint64_t SplitPoint(uint64_t n) { return std::bit_floor(n - 1); }

absl::Status Path(MerkleNodeReader nodes, Sha256& sha, uint64_t m,
                  uint64_t begin, uint64_t end, std::vector<Hash256>* out) {
  const uint64_t n = end - begin;
  if (n <= 1) return absl::OkStatus();
  const uint64_t k = SplitPoint(n);
  if (m < k) {
    LEDGER_RETURN_IF_ERROR(Path(nodes, sha, m, begin, begin + k, out));
    LEDGER_ASSIGN_OR_RETURN(Hash256 right,
                            MerkleRangeHash(nodes, sha, begin + k, end));
    out->push_back(right);
  } else {
    LEDGER_RETURN_IF_ERROR(Path(nodes, sha, m - k, begin + k, end, out));
    LEDGER_ASSIGN_OR_RETURN(Hash256 left,
                            MerkleRangeHash(nodes, sha, begin, begin + k));
    out->push_back(left);
  }
  return absl::OkStatus();
}

// SUBPROOF(m, D[begin:end], b) of RFC 6962 section 2.1.2.
absl::Status SubProof(MerkleNodeReader nodes, Sha256& sha, uint64_t m,
                      uint64_t begin, uint64_t end, bool complete,
                      std::vector<Hash256>* out) {
  const uint64_t n = end - begin;
  if (m == n) {
    if (!complete) {
      LEDGER_ASSIGN_OR_RETURN(Hash256 root,
                              MerkleRangeHash(nodes, sha, begin, end));
      out->push_back(root);
    }
    return absl::OkStatus();
  }
  const uint64_t k = SplitPoint(n);
  if (m <= k) {
    LEDGER_RETURN_IF_ERROR(
        SubProof(nodes, sha, m, begin, begin + k, complete, out));
    LEDGER_ASSIGN_OR_RETURN(Hash256 right,
                            MerkleRangeHash(nodes, sha, begin + k, end));
    out->push_back(right);
  } else {
    LEDGER_RETURN_IF_ERROR(
        SubProof(nodes, sha, m - k, begin + k, end, false, out));
    LEDGER_ASSIGN_OR_RETURN(Hash256 left,
                            MerkleRangeHash(nodes, sha, begin, begin + k));
    out->push_back(left);
  }
  return absl::OkStatus();
}

}  // namespace

Hash256 MerkleLeafHash(Sha256& sha, absl::string_view leaf) {
  if (leaf.size() <= 64) {  // an event hash: no allocation on the writer
    char small[65];
    small[0] = '\0';
    std::copy(leaf.begin(), leaf.end(), small + 1);
    return sha.Digest(absl::string_view(small, leaf.size() + 1));
  }
  std::string buffer;
  buffer.reserve(leaf.size() + 1);
  buffer.push_back('\0');
  buffer.append(leaf.data(), leaf.size());
  return sha.Digest(buffer);
}

Hash256 MerkleNodeHash(Sha256& sha, const Hash256& left, const Hash256& right) {
  char buffer[65];
  buffer[0] = '\x01';
  std::copy(left.begin(), left.end(), buffer + 1);
  std::copy(right.begin(), right.end(), buffer + 33);
  return sha.Digest(absl::string_view(buffer, sizeof(buffer)));
}

Hash256 MerkleEmptyRoot() {
  Sha256 sha;
  return sha.Digest("");
}

absl::StatusOr<Hash256> MerkleRangeHash(MerkleNodeReader nodes, Sha256& sha,
                                        uint64_t begin, uint64_t end) {
  if (begin >= end) {
    return absl::InvalidArgumentError(
        absl::StrCat("empty leaf range [", begin, ", ", end, ")"));
  }
  if (begin % std::bit_floor(end - begin) != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("leaf range [", begin, ", ", end,
                     ") is not a subtree of a tree that starts at leaf 0"));
  }
  // MTH of a range that is not a power of two is H(perfect left part, MTH of
  // the rest): the perfect parts, left to right, folded from the right.
  Hash256 parts[64];
  int count = 0;
  for (uint64_t b = begin; b < end;) {
    const uint64_t k = std::bit_floor(end - b);
    const int level = std::countr_zero(k);
    LEDGER_ASSIGN_OR_RETURN(parts[count], nodes(level, b >> level));
    ++count;
    b += k;
  }
  Hash256 acc = parts[count - 1];
  for (int i = count - 2; i >= 0; --i) acc = MerkleNodeHash(sha, parts[i], acc);
  return acc;
}

absl::StatusOr<Hash256> MerkleRoot(MerkleNodeReader nodes, Sha256& sha,
                                   uint64_t size) {
  if (size == 0) return MerkleEmptyRoot();
  return MerkleRangeHash(nodes, sha, 0, size);
}

absl::StatusOr<std::vector<Hash256>> MerkleInclusionProof(
    MerkleNodeReader nodes, Sha256& sha, uint64_t index, uint64_t size) {
  if (index >= size) {
    return absl::InvalidArgumentError(absl::StrCat(
        "leaf index ", index, " is not in a tree of ", size, " leaves"));
  }
  std::vector<Hash256> path;
  LEDGER_RETURN_IF_ERROR(Path(nodes, sha, index, 0, size, &path));
  return path;
}

absl::StatusOr<std::vector<Hash256>> MerkleConsistencyProof(
    MerkleNodeReader nodes, Sha256& sha, uint64_t old_size, uint64_t new_size) {
  if (old_size == 0 || old_size > new_size) {
    return absl::InvalidArgumentError(absl::StrCat(
        "no consistency proof from a tree of ", old_size, " leaves to one of ",
        new_size, " (needs 0 < old size <= new size)"));
  }
  std::vector<Hash256> proof;
  LEDGER_RETURN_IF_ERROR(
      SubProof(nodes, sha, old_size, 0, new_size, true, &proof));
  return proof;
}

absl::StatusOr<MerkleFrontier> MerkleFrontier::FromNodes(
    uint64_t size, const std::vector<Hash256>& nodes) {
  if (static_cast<size_t>(std::popcount(size)) != nodes.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("a tree of ", size, " leaves has ", std::popcount(size),
                     " right-edge subtrees, not ", nodes.size()));
  }
  MerkleFrontier frontier;
  frontier.size_ = size;
  size_t j = 0;
  for (int level = 0; level < 64; ++level) {
    if ((size >> level) & 1) frontier.nodes_[level] = nodes[j++];
  }
  return frontier;
}

std::vector<std::pair<int, uint64_t>> MerkleFrontier::NodesOf(uint64_t size) {
  std::vector<std::pair<int, uint64_t>> out;
  for (int level = 0; level < 64; ++level) {
    if ((size >> level) & 1) out.emplace_back(level, (size >> level) - 1);
  }
  return out;
}

void MerkleFrontier::Append(Sha256& sha, const Hash256& leaf_hash,
                            NodeSink sink) {
  Hash256 carry = leaf_hash;
  uint64_t index = size_;
  int level = 0;
  sink(level, index, carry);
  // A node with an odd index is a right child: its left sibling is the
  // frontier's node of that level, and together they complete the parent.
  while (index & 1) {
    carry = MerkleNodeHash(sha, nodes_[level], carry);
    index >>= 1;
    ++level;
    sink(level, index, carry);
  }
  nodes_[level] = carry;
  ++size_;
}

Hash256 MerkleFrontier::Root(Sha256& sha) const {
  if (size_ == 0) return MerkleEmptyRoot();
  Hash256 acc{};
  bool have = false;
  for (int level = 0; level < 64; ++level) {
    if (((size_ >> level) & 1) == 0) continue;
    acc = have ? MerkleNodeHash(sha, nodes_[level], acc) : nodes_[level];
    have = true;
  }
  return acc;
}

}  // namespace ledger::storage
