#ifndef LEDGER_STORAGE_EVENT_LOG_H_
#define LEDGER_STORAGE_EVENT_LOG_H_

#include <atomic>
#include <compare>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "storage/append_request.h"
#include "storage/event_log_options.h"
#include "storage/event_record.h"
#include "storage/merkle_tree.h"
#include "storage/projector.h"
#include "storage/state_view.h"

namespace ledger::storage {

namespace internal {
class DbHandle;
struct GroupState;
class MerkleStore;
}  // namespace internal

// Selects records of the global log. Empty lists match everything; the lists
// combine with AND, the values of one list with OR.
struct LogFilter {
  std::vector<std::string> types;
  std::vector<std::string> streams;

  bool empty() const { return types.empty() && streams.empty(); }
  bool Matches(const EventRecord& record) const;
};

struct StreamPage {
  std::vector<EventRecord> records;
  uint64_t stream_version = 0;  // current version of the stream
  uint64_t next_version = 0;    // where the next page starts; 0 at the end
};

struct LogPage {
  std::vector<EventRecord> records;
  uint64_t next_position = 0;  // resume point of the next read
  uint64_t head_position = 0;  // last committed position at read time
};

struct StreamHead {
  uint64_t version = 0;
  uint64_t last_position = 0;
};

// Which metadata field of an event names a principal (EventMetadata).
enum class PrincipalRole { kActor, kOnBehalfOf };

// An event of the principal index: when it was committed and where.
// Entries order by (recorded_at_micros, position), which is log order.
struct PrincipalEntry {
  int64_t recorded_at_micros = 0;
  uint64_t position = 0;

  friend bool operator==(const PrincipalEntry&,
                         const PrincipalEntry&) = default;
  friend auto operator<=>(const PrincipalEntry&,
                          const PrincipalEntry&) = default;
};

// Counters since Open().
struct LogStats {
  uint64_t commit_groups = 0;
  uint64_t committed_appends = 0;
  uint64_t committed_events = 0;
};

// How far a running RebuildState has come.
struct RebuildProgress {
  bool running = false;
  uint64_t position = 0;  // last position folded
  uint64_t target = 0;    // the head its current round folds up to
};

// The last committed event: position 0 and a zero hash for an empty log.
struct LogHead {
  uint64_t position = 0;
  Hash256 hash{};
};

struct ChainReport {
  uint64_t verified_events = 0;
  Hash256 last_hash{};
};

// The RFC 6962 Merkle tree over the first tree_size events (see
// merkle_tree.h: leaf i is the chain hash of the event at position i + 1).
struct TreeHead {
  uint64_t tree_size = 0;
  Hash256 root_hash{};  // MTH; SHA-256 of nothing for size 0
  Hash256 head_hash{};  // chain hash of event tree_size; zeros for size 0
};

// The durable, hash-chained event log: a domain-agnostic sequence of
// (stream, version, type, payload, metadata) records on RocksDB.
//
// Appends are queued to a single writer thread that gathers all waiting
// requests into one WriteBatch (group commit), written with sync=true unless
// the options say otherwise. A request either commits whole or not at all.
//
// Thread-safe: all methods may be called concurrently.
class EventLog {
 public:
  using AppendCallback =
      absl::AnyInvocable<void(absl::StatusOr<AppendResult>) &&>;
  using CommitListener = std::function<void(uint64_t last_position)>;

  // Opens or creates the log at options.path. Reads only the last record to
  // recover the head: the cost does not grow with the log.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<EventLog>> Open(
      const EventLogOptions& options);

  // Stops the writer after draining queued appends, then closes the DB.
  ~EventLog();

  EventLog(const EventLog&) = delete;
  EventLog& operator=(const EventLog&) = delete;

  // Queues an append; never blocks on I/O. `done` runs exactly once, on the
  // log's completion thread, in commit order (or inline when the request is
  // refused up front), and must not block. Errors: INVALID_ARGUMENT (empty
  // stream or no events), ABORTED (expected version mismatch; message has the
  // current version), ALREADY_EXISTS (request_id reused for different content),
  // UNAVAILABLE (storage failure, queue full or log closing: nothing was
  // written).
  void AppendAsync(AppendRequest request, AppendCallback done);

  // Blocking form of AppendAsync. Do not call from an append callback.
  [[nodiscard]] absl::StatusOr<AppendResult> Append(AppendRequest request);

  // Up to `limit` records of `stream` starting at `from_version` (0: the
  // first version forwards, the last version backwards). NOT_FOUND if the
  // stream has no events.
  [[nodiscard]] absl::StatusOr<StreamPage> ReadStream(const std::string& stream,
                                                      uint64_t from_version,
                                                      bool backwards,
                                                      size_t limit) const;

  // Up to `limit` matching records at positions >= from_position, examining
  // at most `max_scan` records so a selective filter cannot pin a thread.
  [[nodiscard]] absl::StatusOr<LogPage> ReadAll(uint64_t from_position,
                                                size_t limit,
                                                const LogFilter& filter,
                                                size_t max_scan) const;

  // The record at `position`; NOT_FOUND past the head.
  [[nodiscard]] absl::StatusOr<EventRecord> ReadAt(uint64_t position) const;

  // Head of `stream`, or std::nullopt when the stream has no events.
  [[nodiscard]] absl::StatusOr<std::optional<StreamHead>> GetStreamHead(
      const std::string& stream) const;

  // Recomputes payload digests and the hash chain over [from, to] (to = 0:
  // the head) and checks every link. DATA_LOSS names the first bad position.
  // `progress`, if set, is called every ~100k events with the position.
  [[nodiscard]] absl::StatusOr<ChainReport> VerifyChain(
      uint64_t from, uint64_t to,
      const std::function<void(uint64_t)>& progress = nullptr) const;

  // The Merkle tree (RFC 6962) over the event hashes. It is kept in the
  // same WriteBatch as the events, so every committed size is served; a
  // size past the head is NOT_FOUND. Each call reads O(log n) stored nodes.
  //
  // The root and head of the tree of `tree_size` events (0: the empty tree).
  [[nodiscard]] absl::StatusOr<TreeHead> GetTreeHead(uint64_t tree_size) const;
  // The RFC 6962 audit path (section 2.1.1 PATH) of the event at `position`
  // in the tree of `tree_size` events, bottom up. INVALID_ARGUMENT unless
  // 1 <= position <= tree_size.
  [[nodiscard]] absl::StatusOr<std::vector<Hash256>> InclusionProof(
      uint64_t position, uint64_t tree_size) const;
  // The RFC 6962 consistency proof (section 2.1.2 PROOF) between the trees
  // of old_size and new_size events. INVALID_ARGUMENT unless
  // 1 <= old_size <= new_size.
  [[nodiscard]] absl::StatusOr<std::vector<Hash256>> ConsistencyProof(
      uint64_t old_size, uint64_t new_size) const;
  // Recomputes every stored node of the tree from the events' hashes, up to
  // the head at the time of the call. DATA_LOSS names the first node that is
  // missing or differs and the positions it covers. `progress`, if set, is
  // called every ~100k events with the position. Returns the head checked.
  [[nodiscard]] absl::StatusOr<TreeHead> VerifyMerkle(
      const std::function<void(uint64_t)>& progress = nullptr) const;

  // The events whose metadata names `principal` in `role` (exactly, as
  // bytes), in log order: those after `after` (exclusive; {micros, 0}
  // starts at the first event committed at `micros`) and committed before
  // `before_micros`, at most `limit`. The index is written with each event
  // and never rebuilt. FAILED_PRECONDITION when the log keeps no principal
  // index (EventLogOptions::principal_index); other errors from storage.
  [[nodiscard]] absl::StatusOr<std::vector<PrincipalEntry>> ListByPrincipal(
      PrincipalRole role, absl::string_view principal, PrincipalEntry after,
      int64_t before_micros, size_t limit) const;

  // A consistent snapshot of the state families and the position they
  // reflect. Never fails: reads through it report storage errors.
  // REQUIRES: released before the log is destroyed.
  std::unique_ptr<StateView> GetStateView() const;

  // One state value and the log position the state reflects, read at one
  // point in time without the cost of a snapshot (the hot path of a point
  // query). *position is set on success and on NOT_FOUND (key absent).
  [[nodiscard]] absl::Status GetStateValue(int family, absl::string_view key,
                                           std::string* value,
                                           uint64_t* position) const;

  // The version tag the state families were last (re)built for; empty when
  // never built.
  [[nodiscard]] absl::StatusOr<std::string> StoredStateVersion() const;

  // Folds the whole log with `projector` (a fresh instance, not the inline
  // one) into a new generation of the state families while appends and
  // reads go on against the current one; then, between two commit groups,
  // folds the last events, records `version` and switches atomically. Views
  // taken before keep reading the old generation, which is dropped when the
  // last of them is released. `progress`, if set, gets (position, target)
  // every ~500k events. A crash before the switch leaves the old state.
  // The tables the fold never reads back are compacted once, just before
  // the switch, so the new generation goes live with no compaction due.
  //
  // When `*cancel` (if given) becomes true, the rebuild returns CANCELLED:
  // the fold checks after every event, each later stage before it starts,
  // and the final compaction before each table; only a cancel during the
  // final synced switch is too late. A rebuild that fails or is cancelled
  // leaves the old state in force and drops its half-built generation.
  [[nodiscard]] absl::Status RebuildState(
      Projector& projector, const std::string& version,
      const std::function<void(uint64_t, uint64_t)>& progress = nullptr,
      const std::atomic<bool>* cancel = nullptr);

  // Secrets: a small name -> bytes store beside the log (the "secrets"
  // column family) for what must outlive projection rebuilds and be
  // destroyable on record: rebuilds never touch it, and an append can write
  // or delete secrets atomically with its events (AppendRequest::put_secrets
  // and erase_secrets). The log gives the bytes no meaning.
  //
  // NOT_FOUND when `name` is absent.
  [[nodiscard]] absl::Status GetSecret(absl::string_view name,
                                       std::string* value) const;
  // Writes a secret. With sync=false the write reaches the WAL unsynced;
  // the database shares one WAL across all column families and writes it
  // sequentially, so the next synced commit makes this write durable too.
  // Blocks while a commit group is being written (and synced): not for a
  // gRPC handler; a secret that belongs with an append's events goes in
  // AppendRequest::put_secrets.
  [[nodiscard]] absl::Status PutSecret(absl::string_view name,
                                       absl::string_view value, bool sync);
  // Visits every secret whose name starts with `prefix`, in name order, as
  // of one snapshot; stops at the first error `visit` returns.
  [[nodiscard]] absl::Status ForEachSecret(
      absl::string_view prefix,
      const std::function<absl::Status(absl::string_view name,
                                       absl::string_view value)>& visit) const;
  // Makes deleted secrets physically gone: flushes every column family (so
  // no live WAL file holds them any more) and compacts the secrets family
  // down to its bottommost level, dropping deleted values. Blocks for the
  // flush and compaction: call it off any latency-sensitive thread.
  [[nodiscard]] absl::Status PurgeDeletedSecrets();

  // Registers a callback run on the writer thread after every commit group;
  // it must return quickly and must not call Append.
  void AddCommitListener(CommitListener listener);

  // Stops accepting appends, finishes queued ones, and syncs the WAL. Later
  // appends fail with UNAVAILABLE. Idempotent.
  void Shutdown();

  uint64_t last_position() const {
    return last_position_.load(std::memory_order_acquire);
  }
  // Position and hash of the same (last committed) event.
  LogHead head() const;
  LogStats stats() const;
  RebuildProgress rebuild_progress() const;
  // The log position the state families reflect (their checkpoint).
  [[nodiscard]] absl::StatusOr<uint64_t> StatePosition() const;
  bool sync_writes() const { return options_.sync; }

 private:
  struct Pending;
  // A committed (or failed) group whose callbacks are still to run.
  struct Completion {
    std::vector<std::unique_ptr<Pending>> group;
    std::vector<absl::StatusOr<AppendResult>> results;
  };

  EventLog(const EventLogOptions& options,
           std::unique_ptr<internal::DbHandle> db);

  [[nodiscard]] absl::Status Recover();
  // Loads the Merkle tree's right edge, first adding any events the tree
  // lacks (a data directory from before the tree). Runs before the writer.
  [[nodiscard]] absl::Status RecoverMerkle();
  // Builds the principal index once for a log from before it, or forgets
  // that it was built when the options turn it off.
  [[nodiscard]] absl::Status RecoverPrincipalIndex();
  // NOT_FOUND if tree_size is past the committed head.
  [[nodiscard]] absl::Status CheckTreeSize(uint64_t tree_size) const;
  // Folds the log's positions [from, to] into `writer`'s families.
  using ChunkWriterHandle = std::unique_ptr<StateWriter>;
  [[nodiscard]] absl::Status FoldInto(
      Projector& projector, ChunkWriterHandle& writer, uint64_t from,
      uint64_t to, const std::function<void(uint64_t, uint64_t)>& progress,
      bool use_wal, const std::atomic<bool>* cancel);
  // Runs `task` on the writer thread between two commit groups and returns
  // its result; UNAVAILABLE when the log is shutting down.
  [[nodiscard]] absl::Status RunOnWriter(
      absl::AnyInvocable<absl::Status() &&> task);
  void WriterLoop();
  // Runs append callbacks in commit order, off the writer thread, so that
  // answering one group overlaps with writing the next.
  void CompleterLoop();
  void CommitGroup(std::vector<std::unique_ptr<Pending>> group);
  // Validates one request against the log plus the group's earlier requests
  // and, if it passes, adds its writes to the group's batch.
  [[nodiscard]] absl::StatusOr<AppendResult> Stage(const Pending& pending,
                                                   internal::GroupState& group);
  // Bracket a write that changes what the state families show (see
  // state_seq_); `position` is what they reflect once `changed`.
  // REQUIRES: the writer thread.
  void BeginStateChange();
  void EndStateChange(bool changed, uint64_t position);

  // Constant after construction.
  // Progress of a running RebuildState; read without locks.
  std::atomic<bool> rebuilding_{false};
  std::atomic<uint64_t> rebuild_position_{0};
  std::atomic<uint64_t> rebuild_target_{0};

  const EventLogOptions options_;
  const std::unique_ptr<internal::DbHandle> db_;
  std::shared_ptr<spdlog::logger> logger_;

  std::unique_ptr<internal::MerkleStore> merkle_;
  // The committed tree's right edge; only the writer thread (and Open,
  // before it starts) touches it.
  MerkleFrontier merkle_frontier_;

  std::atomic<uint64_t> last_position_{0};

  // A sequence lock over what the state families show: odd while the
  // writer thread commits a batch that changes them (or switches their
  // generation), even otherwise; and the position they reflect, set by the
  // writer before the count turns even. GetStateValue reads one key without
  // also reading the stored checkpoint when the count did not move.
  std::atomic<uint64_t> state_seq_{0};
  std::atomic<uint64_t> state_position_{0};

  mutable absl::Mutex mu_;
  std::deque<std::unique_ptr<Pending>> queue_ ABSL_GUARDED_BY(mu_);
  absl::CondVar queue_cv_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  Hash256 last_hash_ ABSL_GUARDED_BY(mu_){};
  int64_t last_recorded_at_ ABSL_GUARDED_BY(mu_) = 0;
  LogStats stats_ ABSL_GUARDED_BY(mu_);
  std::vector<CommitListener> listeners_ ABSL_GUARDED_BY(mu_);

  absl::Mutex completion_mu_;
  std::deque<Completion> completions_ ABSL_GUARDED_BY(completion_mu_);
  bool writer_done_ ABSL_GUARDED_BY(completion_mu_) = false;

  // Joined in Shutdown(): the writer first, then the completer.
  std::thread writer_;
  std::thread completer_;
};

}  // namespace ledger::storage

#endif  // LEDGER_STORAGE_EVENT_LOG_H_
