#include "storage/internal/chunk_state_writer.h"

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <system_error>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "rocksdb/sst_file_writer.h"
#include "storage/status_macros.h"

namespace ledger::storage::internal {

namespace {

// Room for a chunk of the usual size without rehashing.
constexpr size_t kChunkReserve = 1 << 18;

using Entry = StateOverlay::value_type;

// A key's first eight bytes as a big-endian number (zero-padded): most
// comparisons of a sort end there, without touching the key's heap bytes.
uint64_t KeyPrefix(const std::string& key) {
  unsigned char bytes[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  std::memcpy(bytes, key.data(), std::min<size_t>(8, key.size()));
  uint64_t prefix = 0;
  for (unsigned char byte : bytes) prefix = (prefix << 8) | byte;
  return prefix;
}

}  // namespace

ChunkStateWriter::ChunkStateWriter(DbHandle* db,
                                   std::shared_ptr<StateGeneration> generation)
    : db_(db),
      generation_(std::move(generation)),
      spill_dir_(absl::StrCat(db->db()->GetName(), "/rebuild")),
      thread_([this] { DrainLoop(); }) {
  active_.reserve(kChunkReserve);
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
  const std::string overlay_key = OverlayKey(family, key);
  for (const StateOverlay* overlay : {&active_, draining_.get()}) {
    if (overlay == nullptr) continue;
    auto it = overlay->find(overlay_key);
    if (it == overlay->end()) continue;
    if (!it->second.has_value()) return absl::NotFoundError("absent");
    *value = *it->second;
    return absl::OkStatus();
  }
  return GetState(db_->db(), rocksdb::ReadOptions(),
                  generation_->family(family), key, value);
}

void ChunkStateWriter::Put(int family, absl::string_view key,
                           absl::string_view value) {
  active_[OverlayKey(family, key)] = std::string(value);
}

void ChunkStateWriter::Delete(int family, absl::string_view key) {
  active_[OverlayKey(family, key)] = std::nullopt;
}

absl::Status ChunkStateWriter::StartDrain(
    const rocksdb::WriteOptions& options) {
  absl::MutexLock lock(&mu_);
  mu_.Await(absl::Condition(
      +[](bool* job) { return !*job; }, &job_));
  if (!result_.ok()) return result_;
  // The previous chunk is in the database now; reads skip it from here on.
  garbage_ = std::move(draining_);
  draining_ = std::make_unique<StateOverlay>(std::move(active_));
  active_ = StateOverlay();
  active_.reserve(kChunkReserve);
  options_ = options;
  job_ = true;
  return absl::OkStatus();
}

absl::Status ChunkStateWriter::FinishDrain() {
  std::unique_ptr<StateOverlay> written;
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
  AppendSorted(active_, batch);
  active_.clear();
}

void ChunkStateWriter::DrainLoop() {
  for (;;) {
    std::unique_ptr<StateOverlay> garbage;
    const StateOverlay* work = nullptr;
    rocksdb::WriteOptions options;
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(
          +[](ChunkStateWriter* self) { return self->job_ || self->stop_; },
          this));
      if (!job_) return;  // stopping, nothing left to write
      garbage = std::move(garbage_);
      work = draining_.get();
      options = options_;
    }
    garbage.reset();  // freeing a chunk is a fair share of the work
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

std::vector<const StateOverlay::value_type*> ChunkStateWriter::Sorted(
    const StateOverlay& overlay) {
  struct Item {
    uint64_t prefix;
    const Entry* entry;
  };
  std::vector<Item> items;
  items.reserve(overlay.size());
  for (const Entry& entry : overlay) {
    items.push_back({KeyPrefix(entry.first), &entry});
  }
  std::sort(items.begin(), items.end(), [](const Item& a, const Item& b) {
    if (a.prefix != b.prefix) return a.prefix < b.prefix;
    return a.entry->first < b.entry->first;
  });
  std::vector<const Entry*> sorted;
  sorted.reserve(items.size());
  for (const Item& item : items) sorted.push_back(item.entry);
  return sorted;
}

void ChunkStateWriter::AppendSorted(const StateOverlay& overlay,
                                    rocksdb::WriteBatch* batch) {
  for (const Entry* entry : Sorted(overlay)) {
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
}

absl::Status ChunkStateWriter::Ingest(const StateOverlay& overlay) {
  const std::vector<const Entry*> sorted = Sorted(overlay);
  std::vector<rocksdb::IngestExternalFileArg> files;
  size_t i = 0;
  while (i < sorted.size()) {
    const int family = static_cast<unsigned char>(sorted[i]->first[0]);
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
           static_cast<unsigned char>(sorted[i]->first[0]) == family;
         ++i) {
      const std::string& k = sorted[i]->first;
      rocksdb::Slice key(k.data() + 1, k.size() - 1);
      LEDGER_RETURN_IF_ERROR(FromRocks(sorted[i]->second.has_value()
                                           ? writer.Put(key, *sorted[i]->second)
                                           : writer.Delete(key),
                                       "writing a rebuilt state file"));
    }
    LEDGER_RETURN_IF_ERROR(
        FromRocks(writer.Finish(), "finishing a rebuilt state file"));
    rocksdb::IngestExternalFileArg& file = files.emplace_back();
    file.column_family = handle;
    file.external_files.push_back(path);
    file.options.move_files = true;
  }
  if (files.empty()) return absl::OkStatus();
  // One atomic ingestion for all families of the chunk.
  return FromRocks(db_->db()->IngestExternalFiles(files),
                   "ingesting rebuilt state");
}

}  // namespace ledger::storage::internal
