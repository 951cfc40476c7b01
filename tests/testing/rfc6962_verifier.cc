#include "tests/testing/rfc6962_verifier.h"

#include <openssl/sha.h>

#include <cstdlib>

namespace ledger::testing {

namespace {

constexpr size_t kHashSize = 32;

std::string Sha256Of(const std::string& data) {
  unsigned char out[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), out);
  return std::string(reinterpret_cast<const char*>(out), sizeof(out));
}

bool Lsb(uint64_t v) { return (v & 1) != 0; }

bool AllHashes(const std::vector<std::string>& hashes) {
  for (const std::string& h : hashes) {
    if (h.size() != kHashSize) return false;
  }
  return true;
}

}  // namespace

std::string Rfc6962LeafHash(const std::string& leaf) {
  return Sha256Of(std::string(1, '\x00') + leaf);
}

std::string Rfc6962NodeHash(const std::string& left, const std::string& right) {
  return Sha256Of(std::string(1, '\x01') + left + right);
}

std::string Rfc6962Root(const std::vector<std::string>& leaves) {
  const size_t n = leaves.size();
  if (n == 0) return Sha256Of("");
  if (n == 1) return Rfc6962LeafHash(leaves[0]);
  size_t k = 1;
  while (k * 2 < n) k *= 2;  // the largest power of two smaller than n
  return Rfc6962NodeHash(
      Rfc6962Root(std::vector<std::string>(leaves.begin(), leaves.begin() + k)),
      Rfc6962Root(std::vector<std::string>(leaves.begin() + k, leaves.end())));
}

bool VerifyRfc6962Inclusion(uint64_t leaf_index, uint64_t tree_size,
                            const std::string& leaf_hash,
                            const std::vector<std::string>& path,
                            const std::string& root) {
  // The leaf hash and every path node are SHA-256 outputs; the root is only
  // ever compared.
  if (leaf_hash.size() != kHashSize || !AllHashes(path)) return false;
  // 1. leaf_index must be inside the tree.
  if (leaf_index >= tree_size) return false;
  // 2. fn = leaf_index, sn = tree_size - 1.
  uint64_t fn = leaf_index;
  uint64_t sn = tree_size - 1;
  // 3. r = hash.
  std::string r = leaf_hash;
  // 4. For each p in the inclusion path:
  for (const std::string& p : path) {
    // a. A proof longer than the tree is high fails.
    if (sn == 0) return false;
    // b.
    if (Lsb(fn) || fn == sn) {
      r = Rfc6962NodeHash(p, r);
      if (!Lsb(fn)) {
        while (!Lsb(fn) && fn != 0) {
          fn >>= 1;
          sn >>= 1;
        }
      }
    } else {
      r = Rfc6962NodeHash(r, p);
    }
    // c.
    fn >>= 1;
    sn >>= 1;
  }
  // 5.
  return sn == 0 && r == root;
}

bool VerifyRfc6962Consistency(uint64_t old_size, uint64_t new_size,
                              const std::string& old_root,
                              const std::string& new_root,
                              const std::vector<std::string>& proof) {
  if (!AllHashes(proof)) return false;
  // RFC 9162 defines the proof for 0 < old_size < new_size only.
  if (old_size == 0 || old_size > new_size) return false;
  if (old_size == new_size) return proof.empty() && old_root == new_root;
  // 1. An empty path proves nothing.
  if (proof.empty()) return false;
  // 2. For a power-of-two old size, the old root is the path's first node.
  std::vector<std::string> path = proof;
  if ((old_size & (old_size - 1)) == 0) path.insert(path.begin(), old_root);
  // 3.
  uint64_t fn = old_size - 1;
  uint64_t sn = new_size - 1;
  // 4.
  while (Lsb(fn)) {
    fn >>= 1;
    sn >>= 1;
  }
  // 5.
  std::string fr = path[0];
  std::string sr = path[0];
  // 6.
  for (size_t i = 1; i < path.size(); ++i) {
    const std::string& c = path[i];
    if (sn == 0) return false;  // a.
    if (Lsb(fn) || fn == sn) {  // b.
      fr = Rfc6962NodeHash(c, fr);
      sr = Rfc6962NodeHash(c, sr);
      if (!Lsb(fn)) {
        while (!Lsb(fn) && fn != 0) {
          fn >>= 1;
          sn >>= 1;
        }
      }
    } else {
      sr = Rfc6962NodeHash(sr, c);
    }
    fn >>= 1;  // c.
    sn >>= 1;
  }
  // 7.
  return fr == old_root && sr == new_root && sn == 0;
}

}  // namespace ledger::testing
