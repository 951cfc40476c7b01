#ifndef LEDGER_SERVICES_ACCESS_LOG_H_
#define LEDGER_SERVICES_ACCESS_LOG_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "ledger/v1/audit.pb.h"

namespace spdlog {
class logger;
}  // namespace spdlog

namespace ledger::storage {
class EventLog;
class Projector;
}  // namespace ledger::storage

namespace ledger::services {

struct AccessLogOptions {
  std::string path;  // its own RocksDB directory (beside the event log's)
  // Records wait in memory at most this long before one synced batch
  // writes them all: a read costs no fsync of its own.
  absl::Duration flush_interval = absl::Milliseconds(50);
  // Records waiting beyond this make Record() fail with UNAVAILABLE: a
  // read that cannot be logged is refused rather than left unlogged.
  size_t max_buffered = 200000;
  bool sync = true;
  std::shared_ptr<spdlog::logger> logger;
};

// Who saw what: an append-only, hash-chained log of reads of personal data
// and of refused calls, kept in its own RocksDB (an EventLog whose single
// stream holds one AccessRecord per event, so its positions are the
// records' gapless sequence numbers and its hash chain is the event log's
// rule). Indexed by customer and by principal for ListAccess.
//
// Record() only queues; a flusher thread appends what waits every
// flush_interval as one synced batch. A crash loses at most the records
// queued since the last batch (≤ flush_interval).
//
// Thread-safe.
class AccessLog {
 public:
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<AccessLog>> Open(
      const AccessLogOptions& options);
  // Shutdown()s.
  ~AccessLog();

  AccessLog(const AccessLog&) = delete;
  AccessLog& operator=(const AccessLog&) = delete;

  // Queues `record` (its `at` defaults to now; sequence and hashes are
  // set when it is written). UNAVAILABLE when too many records wait or
  // the log is shut down: the caller must then refuse the read.
  [[nodiscard]] absl::Status Record(ledger::v1::AccessRecord record);

  // Waits until every record queued before the call is written.
  [[nodiscard]] absl::Status Flush();

  // One page of records for request's customer or principal, oldest
  // first; an empty principal (set) lists the unauthenticated denials.
  // INVALID_ARGUMENT: no subject, an empty customer_id, an inverted range
  // or a bad page_token. Records still queued are not listed: Flush()
  // first.
  [[nodiscard]] absl::StatusOr<ledger::v1::ListAccessResponse> List(
      const ledger::v1::ListAccessRequest& request, size_t max_page) const;

  // Recomputes the access log's hash chain; DATA_LOSS names the first bad
  // sequence number.
  [[nodiscard]] absl::StatusOr<uint64_t> Verify() const;

  // Writes what is queued, stops the flusher, closes the log. Idempotent.
  void Shutdown();

  uint64_t written() const;

 private:
  explicit AccessLog(const AccessLogOptions& options);
  void FlushLoop();
  // Appends `batch`; on failure puts it back at the front of the queue.
  void WriteBatch(std::vector<ledger::v1::AccessRecord> batch);

  // Constant after Open().
  AccessLogOptions options_;
  std::unique_ptr<storage::Projector> projector_;  // outlives log_
  std::unique_ptr<storage::EventLog> log_;
  std::thread flusher_;

  mutable absl::Mutex mu_;
  std::vector<ledger::v1::AccessRecord> queue_ ABSL_GUARDED_BY(mu_);
  uint64_t queued_total_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t written_total_ ABSL_GUARDED_BY(mu_) = 0;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  bool failing_ ABSL_GUARDED_BY(mu_) = false;  // last batch failed
  bool flush_requested_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace ledger::services

#endif  // LEDGER_SERVICES_ACCESS_LOG_H_
