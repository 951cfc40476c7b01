// The state families (projection tables) of EventLog: snapshot reads and the
// full rebuild from the log.

#include <memory>
#include <thread>
#include <utility>
#include <vector>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/str_cat.h"
#include "rocksdb/db.h"
#include "rocksdb/snapshot.h"
#include "rocksdb/write_batch.h"
#include "spdlog/spdlog.h"
#include "storage/event_log.h"
#include "storage/internal/chunk_state_writer.h"
#include "storage/internal/coding.h"
#include "storage/internal/db_handle.h"
#include "storage/internal/log_scanner.h"
#include "storage/internal/record_codec.h"
#include "storage/internal/state_overlay.h"
#include "storage/status_macros.h"

namespace ledger::storage {

using internal::Cf;
using internal::ChunkStateWriter;
using internal::FromRocks;

namespace {

class RocksStateIterator final : public StateIterator {
 public:
  explicit RocksStateIterator(rocksdb::Iterator* it) : it_(it) {}
  void Seek(absl::string_view key) override {
    it_->Seek(rocksdb::Slice(key.data(), key.size()));
  }
  void SeekForPrev(absl::string_view key) override {
    it_->SeekForPrev(rocksdb::Slice(key.data(), key.size()));
  }
  void SeekToFirst() override { it_->SeekToFirst(); }
  void SeekToLast() override { it_->SeekToLast(); }
  bool Valid() const override { return it_->Valid(); }
  void Next() override { it_->Next(); }
  void Prev() override { it_->Prev(); }
  absl::string_view key() const override {
    return absl::string_view(it_->key().data(), it_->key().size());
  }
  absl::string_view value() const override {
    return absl::string_view(it_->value().data(), it_->value().size());
  }
  absl::Status status() const override {
    return FromRocks(it_->status(), "reading projection state");
  }

 private:
  std::unique_ptr<rocksdb::Iterator> it_;
};

// An 8-byte big-endian number stored in the default family, or `absent`.
uint64_t StoredNumber(const rocksdb::Status& status, const rocksdb::Slice& v,
                      uint64_t absent = 0) {
  return status.ok() && v.size() == 8 ? internal::DecodeFixed64BE(v.data())
                                      : absent;
}

// A chunk is written out at this size even below its key budget (values can
// be large, and superseded writes stay in the arena).
constexpr size_t kMaxChunkBytes = 256 << 20;

// How often a read retries when a rebuild's switch-over lands between taking
// the active generation and reading (the window is a few instructions).
constexpr int kSwitchRetries = 1000;

class RocksStateView final : public StateView {
 public:
  explicit RocksStateView(const internal::DbHandle* db)
      : db_(db), generation_(db->state()), snapshot_(db->db()) {
    read_options_.snapshot = snapshot_.snapshot();
    std::string value;
    rocksdb::Status s = db_->db()->Get(read_options_, db_->cf(Cf::kDefault),
                                       internal::kStateCheckpointKey, &value);
    position_ = StoredNumber(s, value);
    s = db_->db()->Get(read_options_, db_->cf(Cf::kDefault),
                       internal::kStateGenerationKey, &value);
    current_ = !(s.ok() || s.IsNotFound()) ||  // the reads will report it
               StoredNumber(s, value, internal::kInitialStateGeneration) ==
                   generation_->number();
  }

  // False when a rebuild switched generations between taking the active one
  // and the snapshot: the checkpoint is then newer than that generation.
  bool current() const { return current_; }

  uint64_t position() const override { return position_; }

  absl::Status Get(int family, absl::string_view key,
                   std::string* value) const override {
    return internal::GetState(db_->db(), read_options_,
                              generation_->family(family), key, value);
  }

  std::unique_ptr<StateIterator> NewIterator(int family) const override {
    return std::make_unique<RocksStateIterator>(
        db_->db()->NewIterator(read_options_, generation_->family(family)));
  }

 private:
  const internal::DbHandle* const db_;
  // Keeps the families alive even if a rebuild switches generations.
  const std::shared_ptr<internal::StateGeneration> generation_;
  rocksdb::ManagedSnapshot snapshot_;
  rocksdb::ReadOptions read_options_;
  uint64_t position_ = 0;
  bool current_ = false;
};

}  // namespace

std::unique_ptr<StateView> EventLog::GetStateView() const {
  for (int attempt = 0;; ++attempt) {
    auto view = std::make_unique<RocksStateView>(db_.get());
    if (view->current() || attempt == kSwitchRetries) return view;
    std::this_thread::yield();  // the switch installs the new generation
  }
}

void EventLog::BeginStateChange() {
  state_seq_.fetch_add(1, std::memory_order_relaxed);
  // Orders the odd count before the batch becomes visible to readers.
  std::atomic_thread_fence(std::memory_order_release);
}

void EventLog::EndStateChange(bool changed, uint64_t position) {
  if (changed) state_position_.store(position, std::memory_order_relaxed);
  state_seq_.fetch_add(1, std::memory_order_release);
}

absl::Status EventLog::GetStateValue(int family, absl::string_view key,
                                     std::string* value,
                                     uint64_t* position) const {
  // Fast path: one Get, and the position the writer published, valid when
  // no commit or switch overlapped the read (the count is even and did
  // not move); otherwise the MultiGet below reads everything at once.
  if (const uint64_t before = state_seq_.load(std::memory_order_acquire);
      (before & 1) == 0) {
    std::shared_ptr<internal::StateGeneration> generation = db_->state();
    const uint64_t at = state_position_.load(std::memory_order_relaxed);
    rocksdb::PinnableSlice slice;
    rocksdb::Status s =
        db_->db()->Get(rocksdb::ReadOptions(), generation->family(family),
                       rocksdb::Slice(key.data(), key.size()), &slice);
    std::atomic_thread_fence(std::memory_order_acquire);
    if (state_seq_.load(std::memory_order_relaxed) == before &&
        (s.ok() || s.IsNotFound())) {
      *position = at;
      if (s.IsNotFound()) return absl::NotFoundError("absent");
      value->assign(slice.data(), slice.size());
      return absl::OkStatus();
    }
  }
  // A multi-family MultiGet reads every key at one sequence number, so the
  // value, the checkpoint and the recorded generation agree.
  // Declared first, released last: the values may pin its tables' blocks.
  std::shared_ptr<internal::StateGeneration> generation;
  rocksdb::PinnableSlice values[3];
  rocksdb::Status statuses[3];
  for (int attempt = 0;; ++attempt) {
    generation = db_->state();
    rocksdb::ColumnFamilyHandle* families[3] = {db_->cf(Cf::kDefault),
                                                db_->cf(Cf::kDefault),
                                                generation->family(family)};
    rocksdb::Slice keys[3] = {rocksdb::Slice(internal::kStateCheckpointKey),
                              rocksdb::Slice(internal::kStateGenerationKey),
                              rocksdb::Slice(key.data(), key.size())};
    for (auto& v : values) v.Reset();
    db_->db()->MultiGet(rocksdb::ReadOptions(), 3, families, keys, values,
                        statuses);
    const bool readable = statuses[1].ok() || statuses[1].IsNotFound();
    if (!readable ||
        StoredNumber(statuses[1], values[1],
                     internal::kInitialStateGeneration) ==
            generation->number() ||
        attempt == kSwitchRetries) {
      break;
    }
    std::this_thread::yield();  // a rebuild switched generations meanwhile
  }
  for (int i = 0; i < 2; ++i) {
    if (!statuses[i].ok() && !statuses[i].IsNotFound()) {
      LEDGER_RETURN_IF_ERROR(FromRocks(statuses[i], "reading the checkpoint"));
    }
  }
  *position = StoredNumber(statuses[0], values[0]);
  if (statuses[2].IsNotFound()) return absl::NotFoundError("absent");
  LEDGER_RETURN_IF_ERROR(FromRocks(statuses[2], "reading projection state"));
  value->assign(values[2].data(), values[2].size());
  return absl::OkStatus();
}

RebuildProgress EventLog::rebuild_progress() const {
  RebuildProgress progress;
  progress.running = rebuilding_.load();
  progress.position = rebuild_position_.load(std::memory_order_relaxed);
  progress.target = rebuild_target_.load(std::memory_order_relaxed);
  return progress;
}

absl::StatusOr<uint64_t> EventLog::StatePosition() const {
  std::string value;
  rocksdb::Status s =
      db_->db()->Get(rocksdb::ReadOptions(), db_->cf(Cf::kDefault),
                     internal::kStateCheckpointKey, &value);
  if (!s.ok() && !s.IsNotFound()) {
    return FromRocks(s, "reading the state checkpoint");
  }
  return StoredNumber(s, value);
}

absl::StatusOr<std::string> EventLog::StoredStateVersion() const {
  std::string value;
  rocksdb::Status s =
      db_->db()->Get(rocksdb::ReadOptions(), db_->cf(Cf::kDefault),
                     internal::kStateVersionKey, &value);
  if (s.IsNotFound()) return std::string();
  LEDGER_RETURN_IF_ERROR(FromRocks(s, "reading the state version"));
  return value;
}

absl::Status EventLog::FoldInto(
    Projector& projector, ChunkWriterHandle& writer, uint64_t from, uint64_t to,
    const std::function<void(uint64_t, uint64_t)>& progress, bool use_wal,
    const std::atomic<bool>* cancel) {
  auto* chunk = static_cast<ChunkStateWriter*>(writer.get());
  rocksdb::WriteOptions write_options;
  write_options.disableWAL = !use_wal;
  // Three stages on their own threads: reading the log (and prefetching
  // for the projector), folding it (here), and writing the folded chunks.
  internal::LogScanner scanner(db_->db(), db_->cf(Cf::kEvents), from, to,
                               &projector);
  rebuild_target_ = to;
  for (;;) {
    const std::vector<EventRecord>* batch = nullptr;
    LEDGER_RETURN_IF_ERROR(scanner.Next(&batch));
    if (batch->empty()) break;
    rebuild_position_.store(batch->front().position - 1,
                            std::memory_order_relaxed);
    for (const EventRecord& record : *batch) {
      if (cancel != nullptr && cancel->load(std::memory_order_relaxed)) {
        return absl::CancelledError(absl::StrCat(
            "projection rebuild cancelled at position ", record.position,
            " of ", to, "; the previous projections stay in force"));
      }
      absl::Status applied = projector.Apply(record, *chunk);
      if (!applied.ok()) {
        return absl::InternalError(
            absl::StrCat("rebuilding state: the projector refused position ",
                         record.position, ": ", applied.message()));
      }
      if (chunk->size() >= options_.rebuild_chunk_keys ||
          chunk->bytes() >= kMaxChunkBytes) {
        LEDGER_RETURN_IF_ERROR(projector.Flush(*chunk));
        LEDGER_RETURN_IF_ERROR(chunk->StartDrain(write_options));
      }
      if (progress && record.position % 500000 == 0) {
        progress(record.position, to);
      }
    }
  }
  return chunk->FinishDrain();
}

absl::Status EventLog::RebuildState(
    Projector& projector, const std::string& version,
    const std::function<void(uint64_t, uint64_t)>& progress,
    const std::atomic<bool>* cancel) {
  // Build a new generation of the state families beside the active one,
  // which keeps serving reads and inline appends meanwhile.
  LEDGER_ASSIGN_OR_RETURN(std::shared_ptr<internal::StateGeneration> target,
                          db_->CreateGeneration());
  // A rebuild that fails or is cancelled leaves nothing behind: its tables
  // are dropped once nothing holds them, so the next one can start afresh.
  bool installed = false;
  rebuild_position_ = 0;
  rebuild_target_ = last_position();
  rebuilding_ = true;
  absl::Cleanup drop_unless_installed = [&] {
    if (!installed) target->Retire();
    rebuilding_ = false;
  };
  ChunkWriterHandle writer(
      new ChunkStateWriter(db_.get(), target, options_.rebuild_chunk_keys));
  auto* chunk = static_cast<ChunkStateWriter*>(writer.get());
  // Checked between the stages too, so that a cancel never ends in a switch.
  auto cancelled = [&]() -> absl::Status {
    if (cancel != nullptr && cancel->load()) {
      return absl::CancelledError(
          "projection rebuild cancelled; the previous projections stay in "
          "force");
    }
    return absl::OkStatus();
  };
  // Bulk replay without the WAL; the catch-up rounds shrink the remainder
  // that the switch-over must fold while appends wait.
  uint64_t done = 0;
  for (int round = 0; round < 4; ++round) {
    const uint64_t head = last_position();
    if (round > 0 && head - done < 10000) break;
    LEDGER_RETURN_IF_ERROR(
        FoldInto(projector, writer, done + 1, head, progress, false, cancel));
    done = head;
  }
  LEDGER_RETURN_IF_ERROR(cancelled());
  LEDGER_RETURN_IF_ERROR(projector.Flush(*chunk));
  {
    rocksdb::WriteOptions no_wal;
    no_wal.disableWAL = true;
    LEDGER_RETURN_IF_ERROR(chunk->StartDrain(no_wal));
    LEDGER_RETURN_IF_ERROR(chunk->FinishDrain());
  }
  // What skipped the WAL must reach SST files before the switch is recorded.
  rocksdb::FlushOptions flush;
  flush.wait = true;
  LEDGER_RETURN_IF_ERROR(FromRocks(db_->db()->Flush(flush, target->families()),
                                   "flushing rebuilt state"));
  LEDGER_RETURN_IF_ERROR(cancelled());
  LEDGER_RETURN_IF_ERROR(db_->PrepareToServe(*target, cancel));

  // Switch-over on the writer thread, between two commit groups: fold the
  // last events, then record and install the new generation atomically.
  return RunOnWriter([&]() -> absl::Status {
    LEDGER_RETURN_IF_ERROR(cancelled());
    const uint64_t head = last_position();
    LEDGER_RETURN_IF_ERROR(
        FoldInto(projector, writer, done + 1, head, nullptr, true, cancel));
    LEDGER_RETURN_IF_ERROR(projector.Flush(*chunk));
    // The last point of no return: past it the rebuild completes.
    LEDGER_RETURN_IF_ERROR(cancelled());
    rocksdb::WriteBatch batch;
    chunk->DrainInto(&batch);
    batch
        .Put(db_->cf(Cf::kDefault), internal::kStateCheckpointKey,
             internal::EventKey(head))
        .PermitUncheckedError();
    batch.Put(db_->cf(Cf::kDefault), internal::kStateVersionKey, version)
        .PermitUncheckedError();
    batch
        .Put(db_->cf(Cf::kDefault), internal::kStateGenerationKey,
             internal::EventKey(target->number()))
        .PermitUncheckedError();
    rocksdb::WriteOptions synced;
    synced.sync = true;
    BeginStateChange();
    absl::Status written = FromRocks(db_->db()->Write(synced, &batch),
                                     "recording the rebuilt state");
    if (written.ok()) db_->InstallGeneration(target);
    EndStateChange(written.ok(), head);
    LEDGER_RETURN_IF_ERROR(written);
    installed = true;
    if (progress) progress(head, head);
    return absl::OkStatus();
  });
}

}  // namespace ledger::storage
