#include "storage/internal/chunk_state_writer.h"

#include <filesystem>
#include <system_error>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "rocksdb/sst_file_writer.h"
#include "storage/internal/state_overlay.h"
#include "storage/status_macros.h"

namespace ledger::storage::internal {

ChunkStateWriter::ChunkStateWriter(DbHandle* db,
                                   std::shared_ptr<StateGeneration> generation,
                                   size_t chunk_keys)
    : db_(db),
      generation_(std::move(generation)),
      spill_dir_(absl::StrCat(db->db()->GetName(), "/rebuild")),
      chunk_keys_(chunk_keys),
      active_(std::make_unique<WriteBuffer>(chunk_keys_)),
      thread_([this] { DrainLoop(); }) {
  // Files of an interrupted rebuild are of no use.
  std::error_code ec;
  std::filesystem::remove_all(spill_dir_, ec);
  std::filesystem::create_directories(spill_dir_, ec);
}

ChunkStateWriter::~ChunkStateWriter() {
  {
    absl::MutexLock lock(&mu_);
    stop_ = true;
  }
  thread_.join();
  std::error_code ec;
  std::filesystem::remove_all(spill_dir_, ec);
}

absl::Status ChunkStateWriter::Get(int family, absl::string_view key,
                                   std::string* value) {
  // Find may index the draining chunk while the drain thread sorts it:
  // WriteBuffer allows that.
  for (WriteBuffer* chunk : {active_.get(), draining_.get()}) {
    if (chunk == nullptr) continue;
    switch (chunk->Find(family, key, value)) {
      case WriteBuffer::Found::kValue:
        return absl::OkStatus();
      case WriteBuffer::Found::kDeleted:
        return absl::NotFoundError("absent");
      case WriteBuffer::Found::kNo:
        break;
    }
  }
  LEDGER_RETURN_IF_ERROR(NoteRead(family));
  return GetState(db_->db(), rocksdb::ReadOptions(),
                  generation_->family(family), key, value);
}

absl::Status ChunkStateWriter::NoteRead(int family) {
  const size_t i = static_cast<size_t>(family);
  if (i < read_families_.size() && read_families_[i]) return absl::OkStatus();
  if (i >= read_families_.size()) read_families_.resize(i + 1);
  LEDGER_RETURN_IF_ERROR(db_->ResumeCompaction(generation_->family(family)));
  read_families_[i] = true;
  return absl::OkStatus();
}

void ChunkStateWriter::Put(int family, absl::string_view key,
                           absl::string_view value) {
  active_->Put(family, key, value);
}

void ChunkStateWriter::Delete(int family, absl::string_view key) {
  active_->Delete(family, key);
}

absl::Status ChunkStateWriter::Scan(
    int family, absl::string_view prefix,
    const std::function<absl::Status(absl::string_view, absl::string_view)>&
        visit) {
  const std::string start = OverlayKey(family, prefix);
  PendingWrites pending;
  // The draining chunk is older than the active one: the active one wins.
  for (const WriteBuffer* chunk : {draining_.get(), active_.get()}) {
    if (chunk == nullptr) continue;
    for (const WriteBuffer::Write& w : chunk->WithPrefix(start)) {
      std::string key(w.key.substr(1));
      if (w.deleted) {
        pending[key] = std::nullopt;
      } else {
        pending[key] = std::string(w.value);
      }
    }
  }
  LEDGER_RETURN_IF_ERROR(NoteRead(family));
  return ScanWithPending(db_->db(), generation_->family(family), prefix,
                         pending, visit);
}

absl::Status ChunkStateWriter::StartDrain(
    const rocksdb::WriteOptions& options) {
  absl::MutexLock lock(&mu_);
  mu_.Await(absl::Condition(
      +[](bool* job) { return !*job; }, &job_));
  if (!result_.ok()) return result_;
  // The previous chunk is in the database now; reads skip it from here on,
  // and its memory takes the next chunk's writes.
  std::unique_ptr<WriteBuffer> next = std::move(draining_);
  if (next == nullptr) {
    next = std::make_unique<WriteBuffer>(chunk_keys_);
  } else {
    next->Clear();
  }
  draining_ = std::move(active_);
  active_ = std::move(next);
  options_ = options;
  job_ = true;
  return absl::OkStatus();
}

absl::Status ChunkStateWriter::FinishDrain() {
  std::unique_ptr<WriteBuffer> written;
  absl::Status result;
  {
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(
        +[](bool* job) { return !*job; }, &job_));
    written = std::move(draining_);
    result = result_;
  }
  return result;
}

void ChunkStateWriter::DrainInto(rocksdb::WriteBatch* batch) {
  AppendSorted(*active_, batch);
  // Used at the switch-over, on the writer thread: no big allocation here.
  active_ = std::make_unique<WriteBuffer>(0);
}

void ChunkStateWriter::DrainLoop() {
  for (;;) {
    const WriteBuffer* work = nullptr;
    rocksdb::WriteOptions options;
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(
          +[](ChunkStateWriter* self) { return self->job_ || self->stop_; },
          this));
      if (!job_) return;  // stopping, nothing left to write
      work = draining_.get();
      options = options_;
    }
    absl::Status written;
    if (options.disableWAL) {
      // Bulk chunks skip the memtable: sorted files, ingested directly.
      written = Ingest(*work);
    } else {
      rocksdb::WriteBatch batch;
      AppendSorted(*work, &batch);
      written =
          FromRocks(db_->db()->Write(options, &batch), "writing rebuilt state");
    }
    absl::MutexLock lock(&mu_);
    if (result_.ok()) result_ = written;
    job_ = false;
  }
}

void ChunkStateWriter::AppendSorted(const WriteBuffer& chunk,
                                    rocksdb::WriteBatch* batch) {
  const std::vector<WriteBuffer::Write> sorted = chunk.Sorted();
  for (size_t i = 0; i < sorted.size(); ++i) {
    if (WriteBuffer::IsSuperseded(sorted, i)) continue;
    const WriteBuffer::Write& write = sorted[i];
    const int family = static_cast<unsigned char>(write.key[0]);
    rocksdb::Slice key(write.key.data() + 1, write.key.size() - 1);
    if (write.deleted) {
      batch->Delete(generation_->family(family), key).PermitUncheckedError();
    } else {
      batch
          ->Put(generation_->family(family), key,
                rocksdb::Slice(write.value.data(), write.value.size()))
          .PermitUncheckedError();
    }
  }
}

absl::Status ChunkStateWriter::Ingest(const WriteBuffer& chunk) {
  const std::vector<WriteBuffer::Write> sorted = chunk.Sorted();
  std::vector<rocksdb::IngestExternalFileArg> files;
  size_t i = 0;
  while (i < sorted.size()) {
    const int family = static_cast<unsigned char>(sorted[i].key[0]);
    rocksdb::ColumnFamilyHandle* handle = generation_->family(family);
    const std::string path =
        absl::StrCat(spill_dir_, "/", generation_->number(), "-",
                     ++files_written_, "-", family, ".sst");
    // Keep the pages cached: the fold reads its own recent writes back.
    rocksdb::SstFileWriter writer(
        rocksdb::EnvOptions(),
        rocksdb::Options(db_->db()->GetDBOptions(),
                         db_->db()->GetOptions(handle)),
        handle, /*invalidate_page_cache=*/false);
    LEDGER_RETURN_IF_ERROR(
        FromRocks(writer.Open(path), "creating a rebuilt state file"));
    for (; i < sorted.size() &&
           static_cast<unsigned char>(sorted[i].key[0]) == family;
         ++i) {
      if (WriteBuffer::IsSuperseded(sorted, i)) continue;
      const WriteBuffer::Write& write = sorted[i];
      rocksdb::Slice key(write.key.data() + 1, write.key.size() - 1);
      LEDGER_RETURN_IF_ERROR(FromRocks(
          write.deleted ? writer.Delete(key)
                        : writer.Put(key, rocksdb::Slice(write.value.data(),
                                                         write.value.size())),
          "writing a rebuilt state file"));
    }
    LEDGER_RETURN_IF_ERROR(
        FromRocks(writer.Finish(), "finishing a rebuilt state file"));
    rocksdb::IngestExternalFileArg& file = files.emplace_back();
    file.column_family = handle;
    file.external_files.push_back(path);
    file.options.move_files = true;
    // The sequence number goes to the MANIFEST only: rewriting it into the
    // file would happen while RocksDB holds every write of the database.
    file.options.write_global_seqno = false;
  }
  if (files.empty()) return absl::OkStatus();
  // One atomic ingestion for all families of the chunk.
  return FromRocks(db_->db()->IngestExternalFiles(files),
                   "ingesting rebuilt state");
}

}  // namespace ledger::storage::internal
