#ifndef LEDGER_TESTS_TESTING_RFC6962_VECTORS_H_
#define LEDGER_TESTS_TESTING_RFC6962_VECTORS_H_

// The RFC 6962 test vectors of tests/testdata/rfc6962/vectors.json (taken
// from transparency-dev/merkle; see the file's "source"), decoded: every
// byte string as raw bytes.

#include <cstdint>
#include <string>
#include <vector>

namespace ledger::testing {

struct Rfc6962Vectors {
  struct Hasher {
    std::string desc;
    std::string kind;  // empty_root, leaf or node
    std::string data, left, right, hash;
  };
  struct Inclusion {
    uint64_t leaf_index = 0;
    uint64_t tree_size = 0;
    std::vector<std::string> proof;
  };
  struct Consistency {
    uint64_t old_size = 0;
    uint64_t new_size = 0;
    std::vector<std::string> proof;
  };
  struct InclusionProbe {
    std::string file, desc;
    bool want_valid = false;
    uint64_t leaf_index = 0;
    uint64_t tree_size = 0;
    std::string leaf_hash, root;
    std::vector<std::string> proof;
  };
  struct ConsistencyProbe {
    std::string file, desc;
    bool want_valid = false;
    uint64_t old_size = 0;
    uint64_t new_size = 0;
    std::string old_root, new_root;
    std::vector<std::string> proof;
  };

  std::vector<std::string> leaves;
  std::vector<std::string> roots;  // roots[n]: the first n leaves
  std::vector<Hasher> hasher;
  std::vector<Inclusion> inclusion;
  std::vector<Consistency> consistency;
  std::vector<InclusionProbe> inclusion_probes;
  std::vector<ConsistencyProbe> consistency_probes;
};

// Reads and decodes the vectors; fails the calling test (and returns empty
// vectors) when the file is missing or malformed.
Rfc6962Vectors LoadRfc6962Vectors();

}  // namespace ledger::testing

#endif  // LEDGER_TESTS_TESTING_RFC6962_VECTORS_H_
