#ifndef LEDGER_STORAGE_INTERNAL_CHUNK_STATE_WRITER_H_
#define LEDGER_STORAGE_INTERNAL_CHUNK_STATE_WRITER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "rocksdb/options.h"
#include "rocksdb/write_batch.h"
#include "storage/internal/db_handle.h"
#include "storage/internal/state_generation.h"
#include "storage/internal/write_buffer.h"
#include "storage/projector.h"

namespace ledger::storage::internal {

// The StateWriter of a rebuild. Folds a stretch of the log in memory (replays
// touch the same keys, a customer's profile, over and over) and writes only
// the final values into `generation`.
//
// Writing is pipelined: StartDrain hands the chunk folded so far to a
// background thread, which sorts it and writes it while the caller goes on
// folding into a fresh chunk. Reads see the current chunk, then the one being
// written, then the database, so the fold never misses its own writes.
//
// Thread-compatible: one thread calls every method; the drain thread is
// internal.
class ChunkStateWriter final : public StateWriter {
 public:
  // `chunk_keys`: the usual number of keys per chunk (sizes its index).
  ChunkStateWriter(DbHandle* db, std::shared_ptr<StateGeneration> generation,
                   size_t chunk_keys);
  // Waits for a drain in flight (its result is lost: call FinishDrain first).
  ~ChunkStateWriter() override;

  ChunkStateWriter(const ChunkStateWriter&) = delete;
  ChunkStateWriter& operator=(const ChunkStateWriter&) = delete;

  absl::Status Get(int family, absl::string_view key,
                   std::string* value) override;
  void Put(int family, absl::string_view key, absl::string_view value) override;
  void Delete(int family, absl::string_view key) override;
  // Passes over the chunks in memory to merge their writes of the range
  // with the stored keys: costs the chunk size, so only for rare events.
  absl::Status Scan(
      int family, absl::string_view prefix,
      const std::function<absl::Status(absl::string_view, absl::string_view)>&
          visit) override;

  // Keys in the current chunk, and the bytes it holds.
  size_t size() const { return active_->size(); }
  size_t bytes() const { return active_->bytes(); }

  // Hands the current chunk to the drain thread, which writes it with
  // `options`, and starts a new one. Waits for the previous drain first and
  // returns its error, if any (the current chunk is then kept).
  [[nodiscard]] absl::Status StartDrain(const rocksdb::WriteOptions& options);
  // Waits until no drain is in flight; returns the last drain's result.
  [[nodiscard]] absl::Status FinishDrain();
  // Moves the current chunk into `batch`, in key order.
  // REQUIRES: no drain in flight (FinishDrain returned).
  void DrainInto(rocksdb::WriteBatch* batch);

 private:
  void DrainLoop();
  // Appends `chunk`'s writes to `batch` in key order: sorted inserts reuse
  // the memtable skiplist's last position, random ones walk it from the top.
  void AppendSorted(const WriteBuffer& chunk, rocksdb::WriteBatch* batch);
  // Writes `chunk` as one sorted file per family and ingests them at once.
  [[nodiscard]] absl::Status Ingest(const WriteBuffer& chunk);
  // Notes that the fold reads `family` from the database, which must then
  // compact it while it is built (DbHandle::ResumeCompaction).
  [[nodiscard]] absl::Status NoteRead(int family);

  // Constant after construction.
  DbHandle* const db_;
  const std::shared_ptr<StateGeneration> generation_;
  const std::string spill_dir_;  // files waiting for ingestion
  const size_t chunk_keys_;

  // Used by the caller's thread only.
  std::unique_ptr<WriteBuffer> active_;
  std::vector<bool> read_families_;  // NoteRead made them compact
  // The chunk being written; read by both threads while a drain is in
  // flight, and indexed by the caller's Get (which WriteBuffer allows
  // beside the drain thread's Sorted).
  std::unique_ptr<WriteBuffer> draining_;

  absl::Mutex mu_;
  bool job_ ABSL_GUARDED_BY(mu_) = false;  // draining_ awaits writing
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  rocksdb::WriteOptions options_ ABSL_GUARDED_BY(mu_);
  absl::Status result_ ABSL_GUARDED_BY(mu_);
  uint64_t files_written_ = 0;  // drain thread only

  std::thread thread_;  // last: starts after the fields above exist
};

}  // namespace ledger::storage::internal

#endif  // LEDGER_STORAGE_INTERNAL_CHUNK_STATE_WRITER_H_
