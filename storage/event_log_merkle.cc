// The Merkle tree half of EventLog: recovery and backfill at open, tree
// heads, proofs and verification. The writer adds the nodes of each commit
// group (event_log_writer.cc).

#include <utility>

#include "absl/strings/str_cat.h"
#include "spdlog/spdlog.h"
#include "storage/event_log.h"
#include "storage/internal/merkle_store.h"
#include "storage/status_macros.h"

namespace ledger::storage {

absl::Status EventLog::RecoverMerkle() {
  if (!options_.merkle_tree) return absl::OkStatus();
  const uint64_t head = last_position();
  LEDGER_ASSIGN_OR_RETURN(const uint64_t stored, merkle_->StoredSize());
  if (stored > head) {
    return absl::DataLossError(absl::StrCat(
        "the Merkle tree holds ", stored, " events but the log ends at ", head,
        ": events were removed from the log after they were committed"));
  }
  LEDGER_ASSIGN_OR_RETURN(merkle_frontier_, merkle_->LoadFrontier(stored));
  return merkle_->Backfill(head, &merkle_frontier_, *logger_);
}

absl::Status EventLog::CheckTreeSize(uint64_t tree_size) const {
  if (!options_.merkle_tree) {
    return absl::FailedPreconditionError(
        "this log keeps no Merkle tree (only its hash chain)");
  }
  const uint64_t head = last_position();
  if (tree_size > head) {
    return absl::NotFoundError(
        absl::StrCat("tree size ", tree_size, " is past the log head ", head));
  }
  return absl::OkStatus();
}

absl::StatusOr<TreeHead> EventLog::GetTreeHead(uint64_t tree_size) const {
  LEDGER_RETURN_IF_ERROR(CheckTreeSize(tree_size));
  TreeHead head;
  head.tree_size = tree_size;
  Sha256 sha;
  auto nodes = [this](int level, uint64_t index) {
    return merkle_->ReadNode(level, index);
  };
  LEDGER_ASSIGN_OR_RETURN(head.root_hash, MerkleRoot(nodes, sha, tree_size));
  if (tree_size > 0) {
    LEDGER_ASSIGN_OR_RETURN(EventRecord last, ReadAt(tree_size));
    head.head_hash = last.hash;
  }
  return head;
}

absl::StatusOr<std::vector<Hash256>> EventLog::InclusionProof(
    uint64_t position, uint64_t tree_size) const {
  if (position == 0 || position > tree_size) {
    return absl::InvalidArgumentError(
        absl::StrCat("position ", position, " is not in the tree of ",
                     tree_size, " events (positions 1..", tree_size, ")"));
  }
  LEDGER_RETURN_IF_ERROR(CheckTreeSize(tree_size));
  Sha256 sha;
  auto nodes = [this](int level, uint64_t index) {
    return merkle_->ReadNode(level, index);
  };
  return MerkleInclusionProof(nodes, sha, position - 1, tree_size);
}

absl::StatusOr<std::vector<Hash256>> EventLog::ConsistencyProof(
    uint64_t old_size, uint64_t new_size) const {
  if (old_size == 0 || old_size > new_size) {
    return absl::InvalidArgumentError(absl::StrCat(
        "old size ", old_size, " must be 1..new size (", new_size, ")"));
  }
  LEDGER_RETURN_IF_ERROR(CheckTreeSize(new_size));
  Sha256 sha;
  auto nodes = [this](int level, uint64_t index) {
    return merkle_->ReadNode(level, index);
  };
  return MerkleConsistencyProof(nodes, sha, old_size, new_size);
}

absl::StatusOr<TreeHead> EventLog::VerifyMerkle(
    const std::function<void(uint64_t)>& progress) const {
  LEDGER_RETURN_IF_ERROR(CheckTreeSize(0));
  const LogHead log_head = head();
  TreeHead tree;
  tree.tree_size = log_head.position;
  tree.head_hash = log_head.hash;
  LEDGER_ASSIGN_OR_RETURN(tree.root_hash,
                          merkle_->Verify(log_head.position, progress));
  return tree;
}

}  // namespace ledger::storage
