#ifndef LEDGER_TESTS_TESTING_RFC6962_VERIFIER_H_
#define LEDGER_TESTS_TESTING_RFC6962_VERIFIER_H_

// An independent RFC 6962 proof verifier for tests, written straight from
// RFC 9162 sections 2.1.3.2 (inclusion) and 2.1.4.2 (consistency), which
// restate RFC 6962's proofs as step-by-step checks. It shares no code with
// storage/ (its own SHA-256 calls, byte strings instead of Hash256), so a
// bug in the server's tree cannot hide in a helper both use.

#include <cstdint>
#include <string>
#include <vector>

namespace ledger::testing {

// SHA-256(0x00 || leaf).
std::string Rfc6962LeafHash(const std::string& leaf);
// SHA-256(0x01 || left || right).
std::string Rfc6962NodeHash(const std::string& left, const std::string& right);
// MTH over `leaves` (leaf inputs), by the recursive definition of RFC 6962
// section 2.1. Slow (O(n) hashes); for small test trees.
std::string Rfc6962Root(const std::vector<std::string>& leaves);

// RFC 9162 2.1.3.2: does `path` prove that the leaf with leaf hash
// `leaf_hash` is leaf `leaf_index` (0-based) of the tree of `tree_size`
// leaves whose root is `root`?
bool VerifyRfc6962Inclusion(uint64_t leaf_index, uint64_t tree_size,
                            const std::string& leaf_hash,
                            const std::vector<std::string>& path,
                            const std::string& root);

// RFC 9162 2.1.4.2: does `proof` prove that the tree of `old_size` leaves
// with root `old_root` is a prefix of the tree of `new_size` leaves with
// root `new_root`? Equal sizes need an empty proof and equal roots; an old
// size of 0 proves nothing and is refused.
bool VerifyRfc6962Consistency(uint64_t old_size, uint64_t new_size,
                              const std::string& old_root,
                              const std::string& new_root,
                              const std::vector<std::string>& proof);

}  // namespace ledger::testing

#endif  // LEDGER_TESTS_TESTING_RFC6962_VERIFIER_H_
