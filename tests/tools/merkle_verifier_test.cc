// The ledgerctl RFC 6962 verifier against the public test vectors of
// transparency-dev/merkle (tests/testdata/rfc6962/vectors.json, see its
// "source"), and against reference proofs for every size up to 40.

#include "tools/ledgerctl/merkle_verifier.h"

#include <cmath>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "gmock/gmock.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "tests/tools/test_log.h"

namespace ledger::ctl {
namespace {

using google::protobuf::ListValue;
using google::protobuf::Struct;
using google::protobuf::Value;
using ledger::testing::ReferenceConsistency;
using ledger::testing::ReferencePath;
using ledger::testing::ReferenceRoot;

const Struct& Vectors() {
  static const Struct* vectors = [] {
    std::ifstream in(std::string(LEDGER_TESTDATA_DIR) +
                     "/rfc6962/vectors.json");
    std::stringstream buffer;
    buffer << in.rdbuf();
    auto* s = new Struct;
    const auto status =
        google::protobuf::util::JsonStringToMessage(buffer.str(), s);
    if (!status.ok() || buffer.str().empty()) {
      ADD_FAILURE() << "cannot read vectors.json: " << status.ToString();
    }
    return s;
  }();
  return *vectors;
}

const ListValue& List(const std::string& name) {
  return Vectors().fields().at(name).list_value();
}

std::string Hex(const Struct& s, const std::string& field) {
  return absl::HexStringToBytes(s.fields().at(field).string_value());
}

uint64_t Number(const Struct& s, const std::string& field) {
  const double d = s.fields().at(field).number_value();
  // JSON numbers are doubles here; 2^64 - 1 rounds up to 2^64.
  if (d >= 18446744073709551615.0) {
    return std::numeric_limits<uint64_t>::max();
  }
  return static_cast<uint64_t>(d);
}

std::vector<std::string> Proof(const Struct& s) {
  std::vector<std::string> proof;
  for (const Value& v : s.fields().at("proof").list_value().values()) {
    proof.push_back(absl::HexStringToBytes(v.string_value()));
  }
  return proof;
}

std::vector<std::string> LeafHashes() {
  std::vector<std::string> leaves;
  for (const Value& v : List("leaves").values()) {
    leaves.push_back(LeafHash(absl::HexStringToBytes(v.string_value())));
  }
  return leaves;
}

TEST(MerkleVerifierTest, VectorsFileKeepsItsSourceAttribution) {
  const auto& source = Vectors().fields().at("source").struct_value();
  EXPECT_EQ(source.fields().at("repo").string_value(),
            "https://github.com/transparency-dev/merkle");
  EXPECT_EQ(source.fields().at("license").string_value(), "Apache-2.0");
}

TEST(MerkleVerifierTest, HasherMatchesVectors) {
  ASSERT_GT(List("hasher").values_size(), 0);
  for (const Value& v : List("hasher").values()) {
    const Struct& c = v.struct_value();
    const std::string kind = c.fields().at("kind").string_value();
    const std::string want = Hex(c, "hash");
    if (kind == "empty_root") {
      EXPECT_EQ(EmptyRoot(), want);
    } else if (kind == "leaf") {
      EXPECT_EQ(LeafHash(Hex(c, "data")), want);
    } else if (kind == "node") {
      EXPECT_EQ(NodeHash(Hex(c, "left"), Hex(c, "right")), want);
    } else {
      ADD_FAILURE() << "unknown hasher case " << kind;
    }
  }
}

TEST(MerkleVerifierTest, IncrementalRootOfEveryPrefixMatchesVectors) {
  const std::vector<std::string> leaves = LeafHashes();
  const ListValue& roots = List("roots");
  ASSERT_EQ(static_cast<size_t>(roots.values_size()), leaves.size() + 1);
  MerkleRootBuilder builder;
  EXPECT_EQ(absl::BytesToHexString(builder.Root()),
            roots.values(0).string_value());
  for (size_t i = 0; i < leaves.size(); ++i) {
    builder.AddLeafHash(leaves[i]);
    EXPECT_EQ(builder.size(), i + 1);
    EXPECT_EQ(absl::BytesToHexString(builder.Root()),
              roots.values(static_cast<int>(i + 1)).string_value())
        << "size " << i + 1;
  }
}

TEST(MerkleVerifierTest, InclusionVectorsVerify) {
  const std::vector<std::string> leaves = LeafHashes();
  const ListValue& roots = List("roots");
  ASSERT_GT(List("inclusion").values_size(), 0);
  for (const Value& v : List("inclusion").values()) {
    const Struct& c = v.struct_value();
    const uint64_t index = Number(c, "leaf_index");
    const uint64_t size = Number(c, "tree_size");
    const std::string root = absl::HexStringToBytes(
        roots.values(static_cast<int>(size)).string_value());
    EXPECT_TRUE(
        VerifyInclusion(index, size, leaves[index], Proof(c), root).ok())
        << "leaf " << index << " of " << size;
    // The same proof must not prove another leaf.
    if (size > 1) {
      const uint64_t other = (index + 1) % size;
      EXPECT_FALSE(
          VerifyInclusion(index, size, leaves[other], Proof(c), root).ok())
          << "leaf " << other << " passed as leaf " << index << " of " << size;
    }
  }
}

TEST(MerkleVerifierTest, ConsistencyVectorsVerify) {
  const ListValue& roots = List("roots");
  ASSERT_GT(List("consistency").values_size(), 0);
  for (const Value& v : List("consistency").values()) {
    const Struct& c = v.struct_value();
    const uint64_t m = Number(c, "old_size");
    const uint64_t n = Number(c, "new_size");
    const std::string old_root = absl::HexStringToBytes(
        roots.values(static_cast<int>(m)).string_value());
    const std::string new_root = absl::HexStringToBytes(
        roots.values(static_cast<int>(n)).string_value());
    EXPECT_TRUE(VerifyConsistency(m, n, old_root, new_root, Proof(c)).ok())
        << m << " -> " << n;
  }
}

TEST(MerkleVerifierTest, InclusionProbesAreJudgedAsUpstream) {
  int valid = 0;
  int invalid = 0;
  for (const Value& v : List("inclusion_probes").values()) {
    const Struct& c = v.struct_value();
    const bool want = c.fields().at("want_valid").bool_value();
    const absl::Status got =
        VerifyInclusion(Number(c, "leaf_index"), Number(c, "tree_size"),
                        Hex(c, "leaf_hash"), Proof(c), Hex(c, "root"));
    EXPECT_EQ(got.ok(), want)
        << c.fields().at("file").string_value() << ": " << got;
    ++(want ? valid : invalid);
  }
  EXPECT_GT(valid, 0);
  EXPECT_GT(invalid, 50);
}

TEST(MerkleVerifierTest, ConsistencyProbesAreJudgedAsUpstream) {
  int valid = 0;
  int invalid = 0;
  for (const Value& v : List("consistency_probes").values()) {
    const Struct& c = v.struct_value();
    const bool want = c.fields().at("want_valid").bool_value();
    const absl::Status got =
        VerifyConsistency(Number(c, "old_size"), Number(c, "new_size"),
                          Hex(c, "old_root"), Hex(c, "new_root"), Proof(c));
    EXPECT_EQ(got.ok(), want)
        << c.fields().at("file").string_value() << ": " << got;
    ++(want ? valid : invalid);
  }
  EXPECT_GT(valid, 0);
  EXPECT_GT(invalid, 50);
}

// Every leaf of every size up to 40 and every pair of sizes: the reference
// proofs verify, and no proof with one bit flipped or one node dropped does.
TEST(MerkleVerifierTest,
     ReferenceProofsOfAllSmallSizesVerifyAndResistTampering) {
  constexpr size_t kMax = 40;
  std::vector<std::string> leaves;
  for (size_t i = 0; i < kMax; ++i)
    leaves.push_back(LeafHash(std::to_string(i)));
  MerkleRootBuilder builder;
  for (size_t n = 1; n <= kMax; ++n) {
    builder.AddLeafHash(leaves[n - 1]);
    const std::string root = ReferenceRoot(leaves, 0, n);
    ASSERT_EQ(builder.Root(), root) << n;
    for (size_t m = 0; m < n; ++m) {
      std::vector<std::string> path = ReferencePath(leaves, m, 0, n);
      ASSERT_TRUE(VerifyInclusion(m, n, leaves[m], path, root).ok())
          << m << " in " << n;
      if (!path.empty()) {
        std::vector<std::string> bad = path;
        bad.back()[7] ^= 0x10;
        EXPECT_FALSE(VerifyInclusion(m, n, leaves[m], bad, root).ok());
        bad = path;
        bad.pop_back();
        EXPECT_FALSE(VerifyInclusion(m, n, leaves[m], bad, root).ok());
      }
    }
    for (size_t m = 1; m <= n; ++m) {
      const std::string old_root = ReferenceRoot(leaves, 0, m);
      std::vector<std::string> proof = ReferenceConsistency(leaves, m, n);
      ASSERT_TRUE(VerifyConsistency(m, n, old_root, root, proof).ok())
          << m << " -> " << n;
      if (!proof.empty()) {
        std::vector<std::string> bad = proof;
        bad.front()[0] ^= 0x01;
        EXPECT_FALSE(VerifyConsistency(m, n, old_root, root, bad).ok())
            << m << " -> " << n;
        bad = proof;
        bad.pop_back();
        EXPECT_FALSE(VerifyConsistency(m, n, old_root, root, bad).ok())
            << m << " -> " << n;
        // A different old tree of the same size is not a prefix.
        EXPECT_FALSE(
            VerifyConsistency(m, n, LeafHash("forged"), root, proof).ok())
            << m << " -> " << n;
      }
    }
  }
}

}  // namespace
}  // namespace ledger::ctl
