#ifndef LEDGER_STORAGE_INTERNAL_LOG_SCANNER_H_
#define LEDGER_STORAGE_INTERNAL_LOG_SCANNER_H_

#include <cstdint>
#include <deque>
#include <memory>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "rocksdb/db.h"
#include "storage/event_record.h"
#include "storage/projector.h"

namespace ledger::storage::internal {

// Reads and decodes the log's records at positions [from, to] on a
// background thread, a few batches ahead of the consumer, so a rebuild's
// fold overlaps with reading, decompressing and decoding the log. Given a
// projector, the same thread calls its Prefetch for the first record of
// every run of one stream's records.
//
// Thread-compatible: one consumer thread calls Next; the reading thread is
// internal and stops when the scanner is destroyed.
class LogScanner {
 public:
  // `db`, `events` and `prefetch_for` (may be null) must outlive the
  // scanner.
  LogScanner(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* events,
             uint64_t from, uint64_t to,
             const Projector* prefetch_for = nullptr);
  ~LogScanner();

  LogScanner(const LogScanner&) = delete;
  LogScanner& operator=(const LogScanner&) = delete;

  // Sets *batch to the next records in position order (valid until the next
  // call); an empty batch means the whole range was read. Errors: DATA_LOSS
  // for a record that does not decode or a position of [from, to] the log
  // lacks ("position N is missing from the log"), others from RocksDB.
  [[nodiscard]] absl::Status Next(const std::vector<EventRecord>** batch);

 private:
  using Batch = std::vector<EventRecord>;
  void Run();

  // Constant after construction.
  rocksdb::DB* const db_;
  rocksdb::ColumnFamilyHandle* const events_;
  const uint64_t from_;
  const uint64_t to_;
  const Projector* const prefetch_for_;

  // Consumer only: the batch it holds, and the position due next.
  std::unique_ptr<Batch> current_;
  uint64_t next_position_;

  absl::Mutex mu_;
  std::deque<std::unique_ptr<Batch>> full_ ABSL_GUARDED_BY(mu_);
  std::vector<std::unique_ptr<Batch>> free_ ABSL_GUARDED_BY(mu_);
  bool done_ ABSL_GUARDED_BY(mu_) = false;  // no more batches will come
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  absl::Status status_ ABSL_GUARDED_BY(mu_);

  std::thread thread_;  // last: starts after the fields above exist
};

}  // namespace ledger::storage::internal

#endif  // LEDGER_STORAGE_INTERNAL_LOG_SCANNER_H_
