#ifndef LEDGER_STORAGE_INTERNAL_DB_HANDLE_H_
#define LEDGER_STORAGE_INTERNAL_DB_HANDLE_H_

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "rocksdb/db.h"
#include "rocksdb/metadata.h"
#include "storage/event_log_options.h"
#include "storage/internal/state_generation.h"

namespace ledger::storage::internal {

// Column families of the event log.
enum class Cf : int {
  kDefault = 0,     // format marker
  kEvents,          // u64be(position) -> record
  kStreamIndex,     // stream \0 u64be(version) -> u64be(position)
  kStreamHeads,     // stream -> u64be(version) u64be(last position)
  kIdempotency,     // request_id -> idempotency record
  kMerkle,          // u64be(last position) u8(level) -> hash (merkle_store.h)
  kSecrets,         // name -> bytes (EventLog::GetSecret); rebuilds never touch
  kPrincipalIndex,  // who caused each event (principal_index.h)
  kCount,
};

// Converts a RocksDB status into an absl::Status; the only place that does.
absl::Status FromRocks(const rocksdb::Status& status, const char* what);

// Owns an open rocksdb::DB and its column-family handles, which it releases
// before the DB. Thread-safe as rocksdb::DB is.
class DbHandle {
 public:
  // Opens (creating if missing, parent directories included) the database
  // with the log's families plus options.state_families, in that order.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<DbHandle>> Open(
      const EventLogOptions& options);
  ~DbHandle();

  DbHandle(const DbHandle&) = delete;
  DbHandle& operator=(const DbHandle&) = delete;

  rocksdb::DB* db() const { return db_.get(); }
  rocksdb::ColumnFamilyHandle* cf(Cf which) const {
    return handles_[static_cast<int>(which)].get();
  }
  // The active generation of the state families.
  std::shared_ptr<StateGeneration> state() const;

  // New, empty state families numbered one past the active generation (for
  // a rebuild); not yet active.
  [[nodiscard]] absl::StatusOr<std::shared_ptr<StateGeneration>>
  CreateGeneration();

  // Lets RocksDB compact `family` of a generation being built.
  // CreateGeneration turns compaction off: most tables of a rebuild are
  // only written, and merging each chunk's file into all the others as it
  // arrives would rewrite them over and over. A table the fold reads back
  // needs it on, or its reads would probe every chunk's file.
  [[nodiscard]] absl::Status ResumeCompaction(
      rocksdb::ColumnFamilyHandle* family);

  // Readies the tables of a generation built by a rebuild for serving:
  // merges each table still without compaction in one pass, then gives
  // every table the compaction and write-stall settings of live tables.
  // CANCELLED when `*cancel` (if given) is set: no further table is merged
  // (one already merging finishes first).
  [[nodiscard]] absl::Status PrepareToServe(
      const StateGeneration& generation,
      const std::atomic<bool>* cancel = nullptr);

  // Makes `generation` the active one and retires the previous one. The
  // caller has recorded the switch durably (kStateGenerationKey) first.
  void InstallGeneration(std::shared_ptr<StateGeneration> generation);

 private:
  struct HandleDeleter {
    rocksdb::DB* db;
    void operator()(rocksdb::ColumnFamilyHandle* h) const {
      db->DestroyColumnFamilyHandle(h).PermitUncheckedError();
    }
  };
  using Handle = std::unique_ptr<rocksdb::ColumnFamilyHandle, HandleDeleter>;

  DbHandle() = default;
  // Compacts all of `family`'s files (`meta`, its current metadata) into
  // its last level in one pass, unless they are all there already.
  [[nodiscard]] absl::Status MergeAllFiles(
      rocksdb::ColumnFamilyHandle* family,
      const rocksdb::ColumnFamilyMetaData& meta);

  // Declared first so that it is destroyed last.
  std::unique_ptr<rocksdb::DB> db_;
  // The log's families (Cf order), then any other family found on disk
  // (kept open because RocksDB requires it).
  std::vector<Handle> handles_;
  // The state families and their options, in EventLogOptions order.
  std::vector<StateFamilyOptions> state_families_;
  std::vector<rocksdb::ColumnFamilyOptions> state_options_;

  mutable absl::Mutex mu_;
  std::shared_ptr<StateGeneration> state_ ABSL_GUARDED_BY(mu_);
};

}  // namespace ledger::storage::internal

#endif  // LEDGER_STORAGE_INTERNAL_DB_HANDLE_H_
