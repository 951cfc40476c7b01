#ifndef LEDGER_STORAGE_INTERNAL_GROUP_STATE_H_
#define LEDGER_STORAGE_INTERNAL_GROUP_STATE_H_

// What the writer thread stages for one commit group (EventLog::CommitGroup)
// and the projector's view of the state while it does.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "rocksdb/write_batch.h"
#include "storage/event_log.h"
#include "storage/hash_chain.h"
#include "storage/internal/record_codec.h"
#include "storage/internal/state_generation.h"
#include "storage/internal/state_overlay.h"
#include "storage/projector.h"

namespace ledger::storage::internal {

class DbHandle;

// Everything one commit group has staged so far; later requests of the group
// see the effects of earlier ones through it. Not thread-safe: the writer
// thread owns it.
struct GroupState {
  rocksdb::WriteBatch batch;
  // The state families the projector writes to in this group.
  std::shared_ptr<StateGeneration> generation;
  // The projector's writes of this group, so that it reads its own earlier
  // writes (several appends of a group may touch one customer). A plain
  // batch plus this map is much cheaper than an indexed batch, which would
  // index every log write too.
  StateOverlay state_overlay;
  // Overlay entries the current request replaced, to undo it on refusal.
  std::vector<std::pair<std::string, std::optional<std::optional<std::string>>>>
      overlay_undo;
  uint64_t position = 0;  // last staged position
  Hash256 prev_hash{};
  int64_t recorded_at = 0;
  absl::flat_hash_map<std::string, StreamHead> heads;
  absl::flat_hash_map<std::string, IdempotencyEntry> idempotency;
  // Chain hashes of the events staged so far: the Merkle tree's new leaves.
  std::vector<Hash256> event_hashes;
  uint64_t staged_appends = 0;
  uint64_t staged_events = 0;
  Sha256 sha;
  std::string scratch;
};

// The inline projector's view: the stored state plus the group's own
// writes so far. Records what it replaces so a refused request is undone.
// Not thread-safe (the writer thread's); `db` and `group` must outlive it.
class GroupStateWriter final : public StateWriter {
 public:
  GroupStateWriter(DbHandle* db, GroupState* group) : db_(db), group_(group) {}
  GroupStateWriter(const GroupStateWriter&) = delete;
  GroupStateWriter& operator=(const GroupStateWriter&) = delete;

  absl::Status Get(int family, absl::string_view key,
                   std::string* value) override;
  void Put(int family, absl::string_view key, absl::string_view value) override;
  void Delete(int family, absl::string_view key) override;
  absl::Status Scan(
      int family, absl::string_view prefix,
      const std::function<absl::Status(absl::string_view, absl::string_view)>&
          visit) override;

  // Reverts the overlay to its state before this writer's first change.
  void Undo();

 private:
  void Remember(const std::string& overlay_key);

  DbHandle* const db_;
  GroupState* const group_;
};

}  // namespace ledger::storage::internal

#endif  // LEDGER_STORAGE_INTERNAL_GROUP_STATE_H_
