#ifndef LEDGER_STORAGE_INTERNAL_MERKLE_STORE_H_
#define LEDGER_STORAGE_INTERNAL_MERKLE_STORE_H_

// The event log's RFC 6962 tree on disk, in the "merkle" column family,
// holds every complete perfect aligned subtree: node (level L, index i)
// covers leaves i * 2^L .. (i + 1) * 2^L - 1, i.e. the events at positions
// i * 2^L + 1 .. (i + 1) * 2^L. Level 0 holds the leaf hashes
// SHA-256(0x00 || event hash). A node is keyed by its last position, then
// its level:
//
//   u64be((i + 1) * 2^L) || u8(L)  ->  32-byte hash
//
// The nodes an event completes all end at that event's position, so keys
// are written in ascending order (cheap memtable inserts, like the events'
// own) and the last key names the tree's size. Nodes are written once, in
// the same WriteBatch as the events that complete them (one leaf plus on
// average one parent per event), and never change. The open log keeps the
// right edge (MerkleFrontier) in memory.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "rocksdb/db.h"
#include "rocksdb/write_batch.h"
#include "storage/event_record.h"
#include "storage/hash_chain.h"
#include "storage/merkle_tree.h"

namespace spdlog {
class logger;
}  // namespace spdlog

namespace ledger::storage::internal {

class DbHandle;

// Reads and writes the stored tree. Thread-safe: it holds no state of its
// own beyond the database handles.
class MerkleStore {
 public:
  // REQUIRES: `db` outlives the store.
  explicit MerkleStore(const DbHandle* db);

  MerkleStore(const MerkleStore&) = delete;
  MerkleStore& operator=(const MerkleStore&) = delete;

  static std::string NodeKey(int level, uint64_t index);
  // The inverse of NodeKey; false for a malformed key.
  [[nodiscard]] static bool ParseNodeKey(absl::string_view key, int* level,
                                         uint64_t* index);
  // "merkle node level 3 index 5 (positions 41..48)".
  static std::string DescribeNode(int level, uint64_t index);

  // The stored node; DATA_LOSS when it is missing or malformed.
  [[nodiscard]] absl::StatusOr<Hash256> ReadNode(int level,
                                                 uint64_t index) const;

  // Number of stored leaves (the last node's last position): O(1).
  [[nodiscard]] absl::StatusOr<uint64_t> StoredSize() const;

  // The right edge of the stored tree of `size` leaves: O(log size) reads.
  [[nodiscard]] absl::StatusOr<MerkleFrontier> LoadFrontier(
      uint64_t size) const;

  // Appends the leaves of `event_hashes` to *frontier, adding the nodes they
  // complete to *batch.
  void Stage(const std::vector<Hash256>& event_hashes, Sha256& sha,
             MerkleFrontier* frontier, rocksdb::WriteBatch* batch) const;

  // Adds the events at positions frontier->size() + 1 .. head to the tree,
  // reading them from the log (for a data directory made before the tree
  // existed, or an interrupted backfill), and syncs. Logs its progress.
  // REQUIRES: no concurrent appends.
  [[nodiscard]] absl::Status Backfill(uint64_t head, MerkleFrontier* frontier,
                                      spdlog::logger& logger) const;

  // Recomputes every node of the tree of `head` leaves from the events'
  // hashes and compares it with the stored one; DATA_LOSS names the first
  // node that is missing or differs and the positions it covers.
  // `progress` (if set) gets the position every ~100k events. Returns the
  // root.
  [[nodiscard]] absl::StatusOr<Hash256> Verify(
      uint64_t head, const std::function<void(uint64_t)>& progress) const;

 private:
  const DbHandle* const db_;
};

}  // namespace ledger::storage::internal

#endif  // LEDGER_STORAGE_INTERNAL_MERKLE_STORE_H_
