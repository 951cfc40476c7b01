#ifndef LEDGER_STORAGE_EVENT_LOG_OPTIONS_H_
#define LEDGER_STORAGE_EVENT_LOG_OPTIONS_H_

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

namespace rocksdb {
class Env;
}  // namespace rocksdb

namespace spdlog {
class logger;
}  // namespace spdlog

namespace ledger::storage {

class Projector;

// How the owner of a state family reads it, so that the family's tables are
// built for that use. A hint only: every read works on every family.
enum class StateAccess {
  // Read by key (StateWriter::Get, StateView::Get) as well as scanned: bloom
  // filters and a hash index in each data block make a lookup cheap.
  kLookups,
  // Only ever scanned (StateWriter::Scan, StateView::NewIterator), never
  // read by key: no bloom filters or block hash indexes, which would cost
  // their building at every flush, rebuild file and compaction for nothing.
  kScansOnly,
};

// One state family (projection table).
struct StateFamilyOptions {
  // The family's name: not empty, no '@'.
  std::string name;
  StateAccess access = StateAccess::kLookups;
};

struct EventLogOptions {
  // Directory of the RocksDB database; created (with parents) if absent.
  std::string path;

  // fsync every commit group before acknowledging it. Turning this off loses
  // acknowledged appends on power loss; it exists for bulk loads only.
  bool sync = true;

  // Upper bounds of one commit group (one RocksDB WriteBatch).
  size_t max_group_requests = 1024;
  size_t max_group_bytes = 32 << 20;

  // Appends waiting for the writer beyond this fail with UNAVAILABLE instead
  // of growing memory without bound.
  size_t max_queued_requests = 16384;

  // Keep the RFC 6962 Merkle tree over the event hashes (proofs, signed
  // tree heads). Without it GetTreeHead, the proofs and VerifyMerkle
  // answer FAILED_PRECONDITION; the hash chain is kept either way.
  bool merkle_tree = true;

  // Index every event under its metadata.actor and metadata.on_behalf_of
  // (EventLog::ListByPrincipal: "who changed what"), in the events'
  // WriteBatch. A log opened with it for the first time indexes its
  // existing events once.
  bool principal_index = true;

  // RocksDB block cache size.
  size_t block_cache_bytes = 256 << 20;

  // Most WAL kept for a restart after a crash to replay: past it, RocksDB
  // flushes the families that still need the oldest WAL file. Without a
  // bound, families written seldom keep every WAL since their last flush.
  size_t max_wal_bytes = 256 << 20;

  // A rebuild folds this many state keys (or 256 MiB) in memory before it
  // writes them out as sorted files, ingested while the fold goes on.
  size_t rebuild_chunk_keys = 200000;

  // The state families (projection tables) to open, and the fold that
  // maintains them inline with every commit (not owned; may be null when
  // there are no state families). See projector.h. A family is named by
  // its index in this list.
  std::vector<StateFamilyOptions> state_families;
  Projector* projector = nullptr;

  // Logger for this component; a null logger means spdlog's default.
  std::shared_ptr<spdlog::logger> logger;

  // Test hook for fault injection; not owned; null means the default Env.
  rocksdb::Env* env = nullptr;
};

}  // namespace ledger::storage

#endif  // LEDGER_STORAGE_EVENT_LOG_OPTIONS_H_
