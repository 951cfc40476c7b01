#include "tools/ledgerctl/merkle_verifier.h"

#include <openssl/evp.h>

#include <cstdlib>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace ledger::ctl {

namespace {

// Hashes the concatenation of `parts`.
std::string Sha256Parts(std::initializer_list<absl::string_view> parts) {
  // One context per thread: EVP_MD_fetch and context allocation dominate
  // the cost of hashing 65 bytes.
  struct Context {
    Context()
        : md(EVP_MD_fetch(nullptr, "SHA256", nullptr)), ctx(EVP_MD_CTX_new()) {
      if (md == nullptr || ctx == nullptr) std::abort();
    }
    ~Context() {
      EVP_MD_CTX_free(ctx);
      EVP_MD_free(md);
    }
    EVP_MD* md;
    EVP_MD_CTX* ctx;
  };
  thread_local Context c;
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_DigestInit_ex2(c.ctx, c.md, nullptr) != 1) std::abort();
  for (absl::string_view part : parts) {
    if (EVP_DigestUpdate(c.ctx, part.data(), part.size()) != 1) std::abort();
  }
  if (EVP_DigestFinal_ex(c.ctx, out, &len) != 1) std::abort();
  return std::string(reinterpret_cast<char*>(out), len);
}

absl::Status CheckHashSize(absl::string_view what, absl::string_view hash) {
  if (hash.size() != kHashSize) {
    return absl::InvalidArgumentError(absl::StrCat(
        what, " is ", hash.size(), " bytes, not a 32-byte SHA-256 hash"));
  }
  return absl::OkStatus();
}

absl::Status CheckProofSizes(const std::vector<std::string>& proof) {
  for (size_t i = 0; i < proof.size(); ++i) {
    if (proof[i].size() != kHashSize) {
      return absl::InvalidArgumentError(
          absl::StrCat("proof node ", i, " is ", proof[i].size(),
                       " bytes, not a 32-byte SHA-256 hash"));
    }
  }
  return absl::OkStatus();
}

bool Lsb(uint64_t n) { return (n & 1) != 0; }

}  // namespace

std::string Sha256(absl::string_view data) { return Sha256Parts({data}); }

std::string LeafHash(absl::string_view leaf_input) {
  return Sha256Parts({absl::string_view("\x00", 1), leaf_input});
}

std::string NodeHash(absl::string_view left, absl::string_view right) {
  return Sha256Parts({absl::string_view("\x01", 1), left, right});
}

std::string EmptyRoot() { return Sha256(""); }

absl::Status VerifyInclusion(uint64_t leaf_index, uint64_t tree_size,
                             absl::string_view leaf_hash,
                             const std::vector<std::string>& proof,
                             absl::string_view root) {
  if (leaf_index >= tree_size) {
    return absl::InvalidArgumentError(absl::StrCat(
        "leaf index ", leaf_index, " is outside the tree of size ", tree_size));
  }
  if (absl::Status s = CheckHashSize("the leaf hash", leaf_hash); !s.ok()) {
    return s;
  }
  if (absl::Status s = CheckHashSize("the root hash", root); !s.ok()) return s;
  if (absl::Status s = CheckProofSizes(proof); !s.ok()) return s;
  // RFC 9162 2.1.3.2, step by step.
  uint64_t fn = leaf_index;
  uint64_t sn = tree_size - 1;
  std::string r(leaf_hash);
  for (const std::string& p : proof) {
    if (sn == 0) {
      return absl::DataLossError(absl::StrCat(
          "the inclusion proof has ", proof.size(),
          " nodes, more than a tree of size ", tree_size, " needs"));
    }
    if (Lsb(fn) || fn == sn) {
      r = NodeHash(p, r);
      while (!Lsb(fn) && fn != 0) {
        fn >>= 1;
        sn >>= 1;
      }
    } else {
      r = NodeHash(r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  if (sn != 0) {
    return absl::DataLossError(
        absl::StrCat("the inclusion proof has ", proof.size(),
                     " nodes, fewer than a tree of size ", tree_size,
                     " needs for leaf ", leaf_index));
  }
  if (r != root) {
    return absl::DataLossError(
        absl::StrCat("the inclusion proof of leaf ", leaf_index,
                     " leads to root ", absl::BytesToHexString(r),
                     ", not the tree's root ", absl::BytesToHexString(root)));
  }
  return absl::OkStatus();
}

absl::Status VerifyConsistency(uint64_t old_size, uint64_t new_size,
                               absl::string_view old_root,
                               absl::string_view new_root,
                               const std::vector<std::string>& proof) {
  if (old_size == 0) {
    return absl::InvalidArgumentError(
        "a consistency proof from the empty tree proves nothing (old size 0)");
  }
  if (old_size > new_size) {
    return absl::InvalidArgumentError(
        absl::StrCat("old size ", old_size, " is greater than new size ",
                     new_size, ": a log cannot shrink"));
  }
  // Equal sizes need no hashing: the roots must simply be the same.
  if (old_size == new_size) {
    if (!proof.empty()) {
      return absl::DataLossError(absl::StrCat(
          "the sizes are equal but the proof has ", proof.size(), " nodes"));
    }
    if (old_root != new_root) {
      return absl::DataLossError(
          absl::StrCat("two different roots for the same size ", old_size));
    }
    return absl::OkStatus();
  }
  if (absl::Status s = CheckHashSize("the old root", old_root); !s.ok()) {
    return s;
  }
  if (absl::Status s = CheckHashSize("the new root", new_root); !s.ok()) {
    return s;
  }
  if (absl::Status s = CheckProofSizes(proof); !s.ok()) return s;
  if (proof.empty()) {
    return absl::DataLossError("the consistency proof is empty");
  }
  // RFC 9162 2.1.4.2, step by step.
  std::vector<absl::string_view> path;
  path.reserve(proof.size() + 1);
  if ((old_size & (old_size - 1)) == 0) path.push_back(old_root);
  for (const std::string& p : proof) path.push_back(p);
  uint64_t fn = old_size - 1;
  uint64_t sn = new_size - 1;
  while (Lsb(fn)) {
    fn >>= 1;
    sn >>= 1;
  }
  std::string fr(path[0]);
  std::string sr(path[0]);
  for (size_t i = 1; i < path.size(); ++i) {
    const absl::string_view c = path[i];
    if (sn == 0) {
      return absl::DataLossError(
          absl::StrCat("the consistency proof has more nodes than the sizes ",
                       old_size, " and ", new_size, " need"));
    }
    if (Lsb(fn) || fn == sn) {
      fr = NodeHash(c, fr);
      sr = NodeHash(c, sr);
      while (!Lsb(fn) && fn != 0) {
        fn >>= 1;
        sn >>= 1;
      }
    } else {
      sr = NodeHash(sr, c);
    }
    fn >>= 1;
    sn >>= 1;
  }
  if (sn != 0) {
    return absl::DataLossError(
        absl::StrCat("the consistency proof has fewer nodes than the sizes ",
                     old_size, " and ", new_size, " need"));
  }
  if (fr != old_root) {
    return absl::DataLossError(absl::StrCat(
        "the consistency proof leads to old root ", absl::BytesToHexString(fr),
        ", not ", absl::BytesToHexString(old_root), " (size ", old_size,
        "): the old tree is not a prefix of the new one"));
  }
  if (sr != new_root) {
    return absl::DataLossError(absl::StrCat(
        "the consistency proof leads to new root ", absl::BytesToHexString(sr),
        ", not ", absl::BytesToHexString(new_root), " (size ", new_size,
        "): the new tree does not extend the old one"));
  }
  return absl::OkStatus();
}

void MerkleRootBuilder::AddLeafHash(absl::string_view leaf_hash) {
  std::string node(leaf_hash);
  int height = 0;
  // Two perfect subtrees of equal height merge into one of the next height.
  while (!heights_.empty() && heights_.back() == height) {
    node = NodeHash(subtrees_.back(), node);
    subtrees_.pop_back();
    heights_.pop_back();
    ++height;
  }
  subtrees_.push_back(std::move(node));
  heights_.push_back(height);
  ++size_;
}

std::string MerkleRootBuilder::Root() const {
  if (subtrees_.empty()) return EmptyRoot();
  // MTH splits at the largest power of two below n: the perfect subtrees,
  // folded from the right, give exactly that shape.
  std::string root = subtrees_.back();
  for (size_t i = subtrees_.size() - 1; i-- > 0;) {
    root = NodeHash(subtrees_[i], root);
  }
  return root;
}

}  // namespace ledger::ctl
