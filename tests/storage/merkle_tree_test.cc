// The pure RFC 6962 functions of storage/merkle_tree.h against the
// transparency-dev test vectors (tests/testdata/rfc6962/vectors.json), and
// the test-only verifier (tests/testing/rfc6962_verifier.h) against the
// vectors' valid and invalid probes. The vectors' leaves are arbitrary byte
// strings; the event log feeds 32-byte event hashes to the same functions.

#include "storage/merkle_tree.h"

#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "storage/hash_chain.h"
#include "tests/testing/rfc6962_vectors.h"
#include "tests/testing/rfc6962_verifier.h"
#include "tests/testing/status_matchers.h"

namespace ledger::storage {
namespace {

using ::ledger::testing::IsOk;
using ::ledger::testing::LoadRfc6962Vectors;
using ::ledger::testing::Rfc6962Vectors;
using ::ledger::testing::StatusIs;
using ::ledger::testing::VerifyRfc6962Consistency;
using ::ledger::testing::VerifyRfc6962Inclusion;

std::string Str(const Hash256& h) {
  return std::string(reinterpret_cast<const char*>(h.data()), h.size());
}

std::vector<std::string> Strs(const std::vector<Hash256>& hashes) {
  std::vector<std::string> out;
  for (const Hash256& h : hashes) out.push_back(Str(h));
  return out;
}

std::string Hex(const std::string& bytes) {
  return absl::BytesToHexString(bytes);
}

std::vector<std::string> Hexes(const std::vector<std::string>& list) {
  std::vector<std::string> out;
  for (const std::string& s : list) out.push_back(Hex(s));
  return out;
}

// Every node a MerkleFrontier emits while the leaves are appended, as a
// node store the proof functions read; counts the reads.
class MemoryTree {
 public:
  explicit MemoryTree(const std::vector<std::string>& leaves) {
    for (const std::string& leaf : leaves) Append(leaf);
  }

  void Append(const std::string& leaf) {
    frontier_.Append(
        sha_, MerkleLeafHash(sha_, leaf),
        [this](int level, uint64_t index, const Hash256& hash) {
          EXPECT_TRUE(nodes_.emplace(std::pair(level, index), hash).second)
              << "node " << level << "/" << index << " twice";
        });
  }

  MerkleNodeReader Reader() { return reader_; }
  const MerkleFrontier& frontier() const { return frontier_; }
  size_t stored_nodes() const { return nodes_.size(); }
  int reads() const { return reads_; }
  Sha256& sha() { return sha_; }

 private:
  absl::StatusOr<Hash256> Read(int level, uint64_t index) {
    ++reads_;
    auto it = nodes_.find(std::pair(level, index));
    if (it == nodes_.end()) {
      return absl::NotFoundError(absl::StrCat("node ", level, "/", index));
    }
    return it->second;
  }

  Sha256 sha_;
  MerkleFrontier frontier_;
  std::map<std::pair<int, uint64_t>, Hash256> nodes_;
  int reads_ = 0;
  std::function<absl::StatusOr<Hash256>(int, uint64_t)> reader_ =
      [this](int level, uint64_t index) { return Read(level, index); };
};

class MerkleTreeVectorsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    vectors_ = LoadRfc6962Vectors();
    ASSERT_EQ(vectors_.leaves.size(), 8u);
    ASSERT_EQ(vectors_.roots.size(), 9u);
  }
  Rfc6962Vectors vectors_;
};

TEST_F(MerkleTreeVectorsTest, HasherMatchesVectors) {
  ASSERT_EQ(vectors_.hasher.size(), 4u);
  Sha256 sha;
  for (const Rfc6962Vectors::Hasher& h : vectors_.hasher) {
    SCOPED_TRACE(h.desc);
    if (h.kind == "empty_root") {
      EXPECT_EQ(Hex(Str(MerkleEmptyRoot())), Hex(h.hash));
    } else if (h.kind == "leaf") {
      EXPECT_EQ(Hex(Str(MerkleLeafHash(sha, h.data))), Hex(h.hash));
    } else {
      ASSERT_EQ(h.kind, "node");
      // The vector's children are not 32 bytes; hash them as RFC 6962 does.
      Hash256 left{}, right{};
      if (h.left.size() != 32 || h.right.size() != 32) {
        std::string buffer = std::string(1, '\x01') + h.left + h.right;
        EXPECT_EQ(Hex(Str(sha.Digest(buffer))), Hex(h.hash))
            << "the vector itself";
        continue;
      }
      std::copy(h.left.begin(), h.left.end(), left.begin());
      std::copy(h.right.begin(), h.right.end(), right.begin());
      EXPECT_EQ(Hex(Str(MerkleNodeHash(sha, left, right))), Hex(h.hash));
    }
  }
  // MerkleNodeHash over 32-byte children, against the hash of the bytes.
  Hash256 a, b;
  a.fill(0x11);
  b.fill(0x22);
  EXPECT_EQ(MerkleNodeHash(sha, a, b),
            sha.Digest(std::string(1, '\x01') + Str(a) + Str(b)));
}

TEST_F(MerkleTreeVectorsTest, FrontierRootAfterEachAppendMatchesVectors) {
  MemoryTree tree({});
  EXPECT_EQ(Hex(Str(tree.frontier().Root(tree.sha()))), Hex(vectors_.roots[0]));
  for (size_t n = 1; n <= vectors_.leaves.size(); ++n) {
    tree.Append(vectors_.leaves[n - 1]);
    EXPECT_EQ(tree.frontier().size(), n);
    EXPECT_EQ(Hex(Str(tree.frontier().Root(tree.sha()))),
              Hex(vectors_.roots[n]))
        << "size " << n;
  }
  // 8 leaves: 8 + 4 + 2 + 1 perfect subtrees.
  EXPECT_EQ(tree.stored_nodes(), 15u);
}

TEST_F(MerkleTreeVectorsTest, RootsFromStoredNodesMatchVectors) {
  MemoryTree tree(vectors_.leaves);
  for (size_t n = 0; n < vectors_.roots.size(); ++n) {
    absl::StatusOr<Hash256> root = MerkleRoot(tree.Reader(), tree.sha(), n);
    ASSERT_THAT(root, IsOk());
    EXPECT_EQ(Hex(Str(*root)), Hex(vectors_.roots[n])) << "size " << n;
  }
}

TEST_F(MerkleTreeVectorsTest, InclusionProofsMatchVectors) {
  ASSERT_FALSE(vectors_.inclusion.empty());
  MemoryTree tree(vectors_.leaves);
  for (const Rfc6962Vectors::Inclusion& v : vectors_.inclusion) {
    SCOPED_TRACE(absl::StrCat("leaf ", v.leaf_index, " of ", v.tree_size));
    absl::StatusOr<std::vector<Hash256>> proof = MerkleInclusionProof(
        tree.Reader(), tree.sha(), v.leaf_index, v.tree_size);
    ASSERT_THAT(proof, IsOk());
    EXPECT_EQ(Hexes(Strs(*proof)), Hexes(v.proof));
  }
}

TEST_F(MerkleTreeVectorsTest, ConsistencyProofsMatchVectors) {
  ASSERT_FALSE(vectors_.consistency.empty());
  MemoryTree tree(vectors_.leaves);
  for (const Rfc6962Vectors::Consistency& v : vectors_.consistency) {
    SCOPED_TRACE(absl::StrCat(v.old_size, " -> ", v.new_size));
    absl::StatusOr<std::vector<Hash256>> proof = MerkleConsistencyProof(
        tree.Reader(), tree.sha(), v.old_size, v.new_size);
    ASSERT_THAT(proof, IsOk());
    EXPECT_EQ(Hexes(Strs(*proof)), Hexes(v.proof));
  }
}

// Every leaf of every size up to 8, and every pair of sizes: the proofs
// verify with the independent verifier against the vectors' roots.
TEST_F(MerkleTreeVectorsTest, EveryProofOfTheVectorTreesVerifies) {
  MemoryTree tree(vectors_.leaves);
  for (uint64_t size = 1; size <= 8; ++size) {
    for (uint64_t index = 0; index < size; ++index) {
      absl::StatusOr<std::vector<Hash256>> path =
          MerkleInclusionProof(tree.Reader(), tree.sha(), index, size);
      ASSERT_THAT(path, IsOk());
      EXPECT_TRUE(VerifyRfc6962Inclusion(
          index, size, testing::Rfc6962LeafHash(vectors_.leaves[index]),
          Strs(*path), vectors_.roots[size]))
          << "leaf " << index << " of " << size;
    }
    for (uint64_t old_size = 1; old_size <= size; ++old_size) {
      absl::StatusOr<std::vector<Hash256>> proof =
          MerkleConsistencyProof(tree.Reader(), tree.sha(), old_size, size);
      ASSERT_THAT(proof, IsOk());
      EXPECT_TRUE(VerifyRfc6962Consistency(old_size, size,
                                           vectors_.roots[old_size],
                                           vectors_.roots[size], Strs(*proof)))
          << old_size << " -> " << size;
    }
  }
}

TEST(MerkleTreeTest, ProofsRefuseSizesOutsideTheTree) {
  MemoryTree tree({"a", "b", "c"});
  EXPECT_THAT(MerkleInclusionProof(tree.Reader(), tree.sha(), 3, 3),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(MerkleInclusionProof(tree.Reader(), tree.sha(), 0, 0),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(MerkleConsistencyProof(tree.Reader(), tree.sha(), 0, 3),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(MerkleConsistencyProof(tree.Reader(), tree.sha(), 3, 2),
              StatusIs(absl::StatusCode::kInvalidArgument));
  absl::StatusOr<std::vector<Hash256>> same =
      MerkleConsistencyProof(tree.Reader(), tree.sha(), 3, 3);
  ASSERT_THAT(same, IsOk());
  EXPECT_TRUE(same->empty());
  // A node the store lacks surfaces as the store's error.
  EXPECT_THAT(MerkleRoot(tree.Reader(), tree.sha(), 4),
              StatusIs(absl::StatusCode::kNotFound));
  // Ranges that are not subtrees of a tree from leaf 0 are refused.
  EXPECT_THAT(MerkleRangeHash(tree.Reader(), tree.sha(), 1, 3),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(MerkleTreeTest, FrontierFromStoredNodesContinuesTheTree) {
  std::vector<std::string> leaves;
  for (int i = 0; i < 45; ++i) leaves.push_back(absl::StrCat("leaf-", i));
  MemoryTree full(leaves);
  // Rebuild the right edge of the first 37 leaves from stored nodes only.
  MemoryTree prefix(
      std::vector<std::string>(leaves.begin(), leaves.begin() + 37));
  std::vector<Hash256> edge;
  for (const auto& [level, index] : MerkleFrontier::NodesOf(37)) {
    absl::StatusOr<Hash256> node = prefix.Reader()(level, index);
    ASSERT_THAT(node, IsOk());
    edge.push_back(*node);
  }
  EXPECT_EQ(edge.size(), 3u);  // 37 = 32 + 4 + 1
  absl::StatusOr<MerkleFrontier> frontier = MerkleFrontier::FromNodes(37, edge);
  ASSERT_THAT(frontier, IsOk());
  Sha256 sha;
  for (int i = 37; i < 45; ++i) {
    frontier->Append(sha, MerkleLeafHash(sha, leaves[i]),
                     [](int, uint64_t, const Hash256&) {});
  }
  EXPECT_EQ(frontier->Root(sha), full.frontier().Root(sha));
  EXPECT_THAT(MerkleFrontier::FromNodes(37, {}),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

// Larger trees with leaves that look like event hashes: roots against the
// verifier's recursive MTH, proofs through the verifier, and the promised
// O(log n) reads.
TEST(MerkleTreeTest, RandomTreesAgreeWithTheIndependentVerifier) {
  std::mt19937_64 rng(6962);
  std::vector<std::string> leaves;
  for (int i = 0; i < 300; ++i) {
    std::string leaf(32, '\0');
    for (char& c : leaf) c = static_cast<char>(rng());
    leaves.push_back(leaf);
  }
  MemoryTree tree(leaves);
  std::vector<std::string> roots(leaves.size() + 1);
  for (size_t n = 0; n <= leaves.size(); ++n) {
    roots[n] = testing::Rfc6962Root(
        std::vector<std::string>(leaves.begin(), leaves.begin() + n));
    absl::StatusOr<Hash256> root = MerkleRoot(tree.Reader(), tree.sha(), n);
    ASSERT_THAT(root, IsOk());
    ASSERT_EQ(Hex(Str(*root)), Hex(roots[n])) << "size " << n;
  }
  for (uint64_t size : {1, 2, 3, 7, 64, 65, 127, 200, 255, 256, 257, 300}) {
    if (size > leaves.size()) continue;
    for (uint64_t index = 0; index < size; index += 1 + size / 40) {
      const int reads_before = tree.reads();
      absl::StatusOr<std::vector<Hash256>> path =
          MerkleInclusionProof(tree.Reader(), tree.sha(), index, size);
      ASSERT_THAT(path, IsOk());
      EXPECT_LE(tree.reads() - reads_before, 2 * 9 * 9) << "O(log^2 n) bound";
      EXPECT_TRUE(VerifyRfc6962Inclusion(
          index, size, testing::Rfc6962LeafHash(leaves[index]), Strs(*path),
          roots[size]))
          << "leaf " << index << " of " << size;
      // A proof for another leaf does not verify.
      if (size > 1) {
        EXPECT_FALSE(VerifyRfc6962Inclusion(
            (index + 1) % size, size, testing::Rfc6962LeafHash(leaves[index]),
            Strs(*path), roots[size]));
      }
    }
    for (uint64_t old_size = 1; old_size <= size; old_size += 1 + size / 30) {
      absl::StatusOr<std::vector<Hash256>> proof =
          MerkleConsistencyProof(tree.Reader(), tree.sha(), old_size, size);
      ASSERT_THAT(proof, IsOk());
      EXPECT_TRUE(VerifyRfc6962Consistency(old_size, size, roots[old_size],
                                           roots[size], Strs(*proof)))
          << old_size << " -> " << size;
      if (old_size > 1 && old_size < size) {
        EXPECT_FALSE(VerifyRfc6962Consistency(
            old_size - 1, size, roots[old_size], roots[size], Strs(*proof)));
      }
    }
  }
}

// --- The test-only verifier against the vectors' probes ---------------------

TEST_F(MerkleTreeVectorsTest, VerifierAcceptsTheVectorsProofs) {
  for (const Rfc6962Vectors::Inclusion& v : vectors_.inclusion) {
    EXPECT_TRUE(VerifyRfc6962Inclusion(
        v.leaf_index, v.tree_size,
        testing::Rfc6962LeafHash(vectors_.leaves[v.leaf_index]), v.proof,
        vectors_.roots[v.tree_size]))
        << "leaf " << v.leaf_index << " of " << v.tree_size;
  }
  for (const Rfc6962Vectors::Consistency& v : vectors_.consistency) {
    EXPECT_TRUE(VerifyRfc6962Consistency(v.old_size, v.new_size,
                                         vectors_.roots[v.old_size],
                                         vectors_.roots[v.new_size], v.proof))
        << v.old_size << " -> " << v.new_size;
  }
  for (size_t n = 0; n < vectors_.roots.size(); ++n) {
    EXPECT_EQ(Hex(testing::Rfc6962Root(std::vector<std::string>(
                  vectors_.leaves.begin(), vectors_.leaves.begin() + n))),
              Hex(vectors_.roots[n]));
  }
}

TEST_F(MerkleTreeVectorsTest, VerifierJudgesEveryInclusionProbe) {
  ASSERT_GT(vectors_.inclusion_probes.size(), 50u);
  int valid = 0;
  for (const Rfc6962Vectors::InclusionProbe& p : vectors_.inclusion_probes) {
    valid += p.want_valid;
    EXPECT_EQ(VerifyRfc6962Inclusion(p.leaf_index, p.tree_size, p.leaf_hash,
                                     p.proof, p.root),
              p.want_valid)
        << p.file << ": " << p.desc;
  }
  EXPECT_GT(valid, 0);
  EXPECT_LT(valid, static_cast<int>(vectors_.inclusion_probes.size()));
}

TEST_F(MerkleTreeVectorsTest, VerifierJudgesEveryConsistencyProbe) {
  ASSERT_GT(vectors_.consistency_probes.size(), 50u);
  int valid = 0;
  for (const Rfc6962Vectors::ConsistencyProbe& p :
       vectors_.consistency_probes) {
    valid += p.want_valid;
    EXPECT_EQ(VerifyRfc6962Consistency(p.old_size, p.new_size, p.old_root,
                                       p.new_root, p.proof),
              p.want_valid)
        << p.file << ": " << p.desc;
  }
  EXPECT_GT(valid, 0);
  EXPECT_LT(valid, static_cast<int>(vectors_.consistency_probes.size()));
}

}  // namespace
}  // namespace ledger::storage
