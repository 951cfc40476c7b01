// The state families (projection tables) of EventLog: snapshot reads and the
// full rebuild from the log.

#include <algorithm>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "rocksdb/db.h"
#include "rocksdb/snapshot.h"
#include "rocksdb/write_batch.h"
#include "spdlog/spdlog.h"
#include "storage/event_log.h"
#include "storage/internal/coding.h"
#include "storage/internal/db_handle.h"
#include "storage/internal/record_codec.h"
#include "storage/internal/state_overlay.h"
#include "storage/status_macros.h"

namespace ledger::storage {

using internal::Cf;
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

class RocksStateView final : public StateView {
 public:
  explicit RocksStateView(const internal::DbHandle* db)
      : db_(db), generation_(db->state()), snapshot_(db->db()) {
    read_options_.snapshot = snapshot_.snapshot();
    std::string value;
    if (db_->db()
            ->Get(read_options_, db_->cf(Cf::kDefault),
                  internal::kStateCheckpointKey, &value)
            .ok() &&
        value.size() == 8) {
      position_ = internal::DecodeFixed64BE(value.data());
    }
  }

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
};

// Folds a stretch of the log in memory and writes only the final values:
// replays touch the same keys (a customer's profile) over and over.
class ChunkStateWriter final : public StateWriter {
 public:
  ChunkStateWriter(internal::DbHandle* db,
                   std::shared_ptr<internal::StateGeneration> generation)
      : db_(db), generation_(std::move(generation)) {
    overlay_.reserve(1 << 18);
  }

  absl::Status Get(int family, absl::string_view key,
                   std::string* value) override {
    return internal::GetThroughOverlay(overlay_, db_->db(), *generation_,
                                       family, key, value);
  }
  void Put(int family, absl::string_view key,
           absl::string_view value) override {
    overlay_[internal::OverlayKey(family, key)] = std::string(value);
  }
  void Delete(int family, absl::string_view key) override {
    overlay_[internal::OverlayKey(family, key)] = std::nullopt;
  }

  size_t size() const { return overlay_.size(); }

  // Moves the overlay into `batch` in key order: sorted inserts reuse the
  // memtable skiplist's last position, random ones walk it from the top
  // (which profiling showed to be most of a rebuild's time).
  void Drain(rocksdb::WriteBatch* batch) {
    std::vector<const std::pair<const std::string, std::optional<std::string>>*>
        entries;
    entries.reserve(overlay_.size());
    for (const auto& entry : overlay_) entries.push_back(&entry);
    std::sort(entries.begin(), entries.end(),
              [](const auto* a, const auto* b) { return a->first < b->first; });
    for (const auto* entry : entries) {
      const std::string& k = entry->first;
      const int family = static_cast<unsigned char>(k[0]);
      rocksdb::Slice key(k.data() + 1, k.size() - 1);
      if (entry->second.has_value()) {
        batch->Put(generation_->family(family), key, *entry->second)
            .PermitUncheckedError();
      } else {
        batch->Delete(generation_->family(family), key).PermitUncheckedError();
      }
    }
    overlay_.clear();
  }

 private:
  internal::DbHandle* const db_;
  const std::shared_ptr<internal::StateGeneration> generation_;
  internal::StateOverlay overlay_;
};

}  // namespace

std::unique_ptr<StateView> EventLog::GetStateView() const {
  return std::make_unique<RocksStateView>(db_.get());
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
    const std::function<void(uint64_t, uint64_t)>& progress, bool use_wal) {
  constexpr size_t kMaxOverlayKeys = 200000;
  auto* chunk = static_cast<ChunkStateWriter*>(writer.get());
  rocksdb::WriteOptions write_options;
  write_options.disableWAL = !use_wal;
  std::string upper = internal::EventKey(to + 1);
  rocksdb::Slice upper_slice(upper);
  rocksdb::ReadOptions read_options;
  read_options.iterate_upper_bound = &upper_slice;
  read_options.fill_cache = false;
  read_options.readahead_size = 4 << 20;
  std::unique_ptr<rocksdb::Iterator> it(
      db_->db()->NewIterator(read_options, db_->cf(Cf::kEvents)));
  EventRecord record;
  uint64_t expected = from;
  for (it->Seek(internal::EventKey(from)); it->Valid(); it->Next()) {
    LEDGER_RETURN_IF_ERROR(internal::DecodeRecord(
        absl::string_view(it->value().data(), it->value().size()), &record));
    if (record.position != expected) {
      return absl::DataLossError(
          absl::StrCat("rebuilding state: position ", expected, " is missing"));
    }
    ++expected;
    absl::Status applied = projector.Apply(record, *chunk);
    if (!applied.ok()) {
      return absl::InternalError(
          absl::StrCat("rebuilding state: the projector refused position ",
                       record.position, ": ", applied.message()));
    }
    if (chunk->size() >= kMaxOverlayKeys) {
      LEDGER_RETURN_IF_ERROR(projector.Flush(*chunk));
      rocksdb::WriteBatch batch;
      chunk->Drain(&batch);
      LEDGER_RETURN_IF_ERROR(
          FromRocks(db_->db()->Write(write_options, &batch), "writing state"));
    }
    if (progress && record.position % 500000 == 0) {
      progress(record.position, to);
    }
  }
  LEDGER_RETURN_IF_ERROR(FromRocks(it->status(), "scanning the log"));
  if (expected != to + 1) {
    return absl::DataLossError(
        absl::StrCat("rebuilding state: position ", expected, " is missing"));
  }
  return absl::OkStatus();
}

absl::Status EventLog::RebuildState(
    Projector& projector, const std::string& version,
    const std::function<void(uint64_t, uint64_t)>& progress) {
  // Build a new generation of the state families beside the active one,
  // which keeps serving reads and inline appends meanwhile.
  LEDGER_ASSIGN_OR_RETURN(std::shared_ptr<internal::StateGeneration> target,
                          db_->CreateGeneration());
  ChunkWriterHandle writer(new ChunkStateWriter(db_.get(), target));
  auto* chunk = static_cast<ChunkStateWriter*>(writer.get());
  // Bulk replay without the WAL; the catch-up rounds shrink the remainder
  // that the switch-over must fold while appends wait.
  uint64_t done = 0;
  for (int round = 0; round < 4; ++round) {
    const uint64_t head = last_position();
    if (round > 0 && head - done < 10000) break;
    LEDGER_RETURN_IF_ERROR(
        FoldInto(projector, writer, done + 1, head, progress, false));
    done = head;
  }
  LEDGER_RETURN_IF_ERROR(projector.Flush(*chunk));
  {
    rocksdb::WriteBatch batch;
    chunk->Drain(&batch);
    rocksdb::WriteOptions no_wal;
    no_wal.disableWAL = true;
    LEDGER_RETURN_IF_ERROR(
        FromRocks(db_->db()->Write(no_wal, &batch), "writing state"));
  }
  // What skipped the WAL must reach SST files before the switch is recorded.
  rocksdb::FlushOptions flush;
  flush.wait = true;
  LEDGER_RETURN_IF_ERROR(FromRocks(db_->db()->Flush(flush, target->families()),
                                   "flushing rebuilt state"));

  // Switch-over on the writer thread, between two commit groups: fold the
  // last events, then record and install the new generation atomically.
  return RunOnWriter([&]() -> absl::Status {
    const uint64_t head = last_position();
    LEDGER_RETURN_IF_ERROR(
        FoldInto(projector, writer, done + 1, head, nullptr, true));
    LEDGER_RETURN_IF_ERROR(projector.Flush(*chunk));
    rocksdb::WriteBatch batch;
    chunk->Drain(&batch);
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
    LEDGER_RETURN_IF_ERROR(FromRocks(db_->db()->Write(synced, &batch),
                                     "recording the rebuilt state"));
    db_->InstallGeneration(target);
    if (progress) progress(head, head);
    return absl::OkStatus();
  });
}

}  // namespace ledger::storage
