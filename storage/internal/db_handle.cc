#include "storage/internal/db_handle.h"

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <string>
#include <system_error>
#include <thread>
#include <unordered_map>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "rocksdb/cache.h"
#include "rocksdb/filter_policy.h"
#include "rocksdb/memtablerep.h"
#include "rocksdb/slice_transform.h"
#include "rocksdb/table.h"
#include "storage/internal/coding.h"
#include "storage/internal/record_codec.h"
#include "storage/status_macros.h"

namespace ledger::storage::internal {

absl::Status FromRocks(const rocksdb::Status& status, const char* what) {
  if (status.ok()) return absl::OkStatus();
  std::string message = absl::StrCat(what, ": ", status.ToString());
  switch (status.code()) {
    case rocksdb::Status::kNotFound:
      return absl::NotFoundError(message);
    case rocksdb::Status::kCorruption:
      return absl::DataLossError(message);
    case rocksdb::Status::kInvalidArgument:
    case rocksdb::Status::kNotSupported:
      return absl::FailedPreconditionError(message);
    case rocksdb::Status::kBusy:
    case rocksdb::Status::kTimedOut:
    case rocksdb::Status::kTryAgain:
    case rocksdb::Status::kIOError:
    case rocksdb::Status::kIncomplete:
    case rocksdb::Status::kShutdownInProgress:
      return absl::UnavailableError(message);
    default:
      return absl::InternalError(message);
  }
}

namespace {

constexpr const char* kCfNames[] = {
    "default",     "events", "stream_index", "stream_heads",
    "idempotency", "merkle", "secrets",      "principal_index",
};
static_assert(std::size(kCfNames) == static_cast<size_t>(Cf::kCount));

// The prefix of keys that end in a fixed number of bytes: the key without
// them. Stream index keys are stream \0 u64be(version), so their prefix is
// the stream; principal index keys end in u64be(recorded_at) u64be(position),
// so theirs is the role and the principal (principal_index.h).
class WithoutSuffix : public rocksdb::SliceTransform {
 public:
  // `name` (static storage) is recorded in the tables RocksDB writes.
  WithoutSuffix(const char* name, size_t suffix_bytes)
      : name_(name), suffix_bytes_(suffix_bytes) {}
  const char* Name() const override { return name_; }
  rocksdb::Slice Transform(const rocksdb::Slice& key) const override {
    return rocksdb::Slice(key.data(), key.size() - suffix_bytes_);
  }
  bool InDomain(const rocksdb::Slice& key) const override {
    return key.size() > suffix_bytes_;
  }

 private:
  const char* const name_;
  const size_t suffix_bytes_;
};

rocksdb::ColumnFamilyOptions CfOptions(Cf which,
                                       std::shared_ptr<rocksdb::Cache> cache) {
  rocksdb::ColumnFamilyOptions cf;
  rocksdb::BlockBasedTableOptions table;
  table.block_cache = std::move(cache);
  // The index, head and idempotency families are only ever read by point
  // lookups (Get/MultiGet), with random keys. Hash-bucketed memtables make
  // their inserts and lookups O(1) instead of a deep skiplist walk per key,
  // the writer thread's largest cost; bloom filters make the usual miss of
  // an idempotency lookup cheap.
  // Not the Merkle tree's nodes: their lookups always hit (a bloom filter
  // would only cost its building at every flush), and their keys arrive in
  // ascending order, cheap in the ordered default memtable. Not the
  // secrets either: few, scanned by a key rotation, and compacted away when
  // one is destroyed.
  if (which == Cf::kPrincipalIndex) {
    // Only ever scanned by principal, never looked up by key: no filters.
    // Each principal's entries arrive in ascending order, so a per-principal
    // insert hint appends them like the stream index's versions.
    cf.prefix_extractor.reset(
        new WithoutSuffix("ledger.PrincipalPrefix", /*suffix_bytes=*/16));
    cf.memtable_insert_with_hint_prefix_extractor = cf.prefix_extractor;
  } else if (which != Cf::kEvents && which != Cf::kDefault &&
             which != Cf::kMerkle && which != Cf::kSecrets) {
    table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
    // A hash table in each data block: a point lookup skips the binary
    // search inside the block.
    table.data_block_index_type =
        rocksdb::BlockBasedTableOptions::kDataBlockBinaryAndHash;
    table.whole_key_filtering = true;
    cf.prefix_extractor.reset(
        which == Cf::kStreamIndex
            ? static_cast<const rocksdb::SliceTransform*>(
                  new WithoutSuffix("ledger.StreamPrefix", /*suffix_bytes=*/8))
            : rocksdb::NewNoopTransform());
    if (which == Cf::kStreamIndex) {
      // Each stream's versions arrive in ascending order: an ordered
      // memtable with a per-stream insert hint appends them in O(1). A
      // hash bucket per stream instead searches the bucket on every insert
      // (twice: RocksDB's packaged build keeps its asserts), which grows
      // with the stream: a log with one long stream (the access log) spent
      // a fifth of its CPU there.
      cf.memtable_insert_with_hint_prefix_extractor = cf.prefix_extractor;
    } else {
      cf.memtable_factory.reset(rocksdb::NewHashSkipListRepFactory(200000));
    }
    cf.memtable_prefix_bloom_size_ratio = 0.05;
    cf.memtable_whole_key_filtering = true;
  }
  cf.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  // LZ4 on every level: the log is scanned end to end by rebuilds, catch-up
  // subscriptions and chain verification, and ZSTD's slower decompression
  // was the largest single cost of a rebuild. Disk is the cheaper resource.
  // Merkle nodes are SHA-256 outputs, which do not compress.
  cf.compression =
      which == Cf::kMerkle ? rocksdb::kNoCompression : rocksdb::kLZ4Compression;
  cf.write_buffer_size = which == Cf::kEvents    ? (64 << 20)
                         : which == Cf::kMerkle  ? (16 << 20)
                         : which == Cf::kSecrets ? (4 << 20)
                                                 : (32 << 20);
  return cf;
}

// State families: ordered memtables (timelines and indexes are scanned).
// Families read by key also get bloom filters (a rebuild mostly looks up
// customers not written yet) and a hash table in each data block, so that
// a point lookup skips the binary search inside the block.
rocksdb::ColumnFamilyOptions StateCfOptions(
    StateAccess access, std::shared_ptr<rocksdb::Cache> cache) {
  rocksdb::ColumnFamilyOptions cf = CfOptions(Cf::kEvents, cache);
  cf.write_buffer_size = 32 << 20;
  rocksdb::BlockBasedTableOptions table;
  table.block_cache = std::move(cache);
  if (access == StateAccess::kLookups) {
    table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
    table.data_block_index_type =
        rocksdb::BlockBasedTableOptions::kDataBlockBinaryAndHash;
  }
  cf.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  return cf;
}

}  // namespace

absl::StatusOr<std::unique_ptr<DbHandle>> DbHandle::Open(
    const EventLogOptions& options) {
  std::error_code ec;
  std::filesystem::create_directories(options.path, ec);
  if (ec) {
    return absl::FailedPreconditionError(absl::StrCat(
        "cannot create data directory ", options.path, ": ", ec.message()));
  }

  rocksdb::DBOptions db_options;
  db_options.create_if_missing = true;
  db_options.create_missing_column_families = true;
  db_options.max_background_jobs = 2;
  db_options.bytes_per_sync = 1 << 20;
  // Families written seldom (the state checkpoint, stream heads during
  // 100-event batches) would otherwise keep every WAL file since their
  // last flush: 2.9 GB after a minute of batches, 9 s of replay at restart.
  db_options.max_total_wal_size = options.max_wal_bytes;
  // RocksDB's own info log (LOG): a new file per open and per 16 MB, the
  // last ten kept. Its default keeps a thousand.
  db_options.max_log_file_size = 16 << 20;
  db_options.keep_log_file_num = 10;
  // One writer thread commits every group; hash memtables need this off.
  db_options.allow_concurrent_memtable_write = false;
  if (options.env != nullptr) db_options.env = options.env;

  auto cache = rocksdb::NewLRUCache(options.block_cache_bytes);
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (int i = 0; i < static_cast<int>(Cf::kCount); ++i) {
    descriptors.emplace_back(kCfNames[i], CfOptions(static_cast<Cf>(i), cache));
  }
  std::vector<rocksdb::ColumnFamilyOptions> state_options;
  for (const StateFamilyOptions& family : options.state_families) {
    if (family.name.empty() || family.name.find('@') != std::string::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat("state family name \"", family.name, "\" is not valid"));
    }
    state_options.push_back(StateCfOptions(family.access, cache));
  }
  // RocksDB must open every family on disk: state generations, and any
  // family a newer build added.
  std::vector<std::string> existing;
  if (rocksdb::DB::ListColumnFamilies(db_options, options.path, &existing)
          .ok()) {
    for (const std::string& name : existing) {
      bool known = false;
      for (const auto& d : descriptors) known = known || d.name == name;
      if (known) continue;
      // A generation of a state family gets that family's options, so that
      // RocksDB keeps building its tables the same way.
      size_t i = 0;
      while (i < options.state_families.size() &&
             !absl::StartsWith(name, StateGeneration::FamilyPrefix(
                                         options.state_families[i].name))) {
        ++i;
      }
      descriptors.emplace_back(
          name, i < state_options.size()
                    ? state_options[i]
                    : StateCfOptions(StateAccess::kLookups, cache));
    }
  }

  std::vector<rocksdb::ColumnFamilyHandle*> raw_handles;
  rocksdb::DB* raw_db = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(db_options, options.path, descriptors,
                                        &raw_handles, &raw_db);
  if (!s.ok()) return FromRocks(s, "opening the event log");

  std::unique_ptr<DbHandle> handle(new DbHandle());
  handle->db_.reset(raw_db);
  handle->state_families_ = options.state_families;
  handle->state_options_ = state_options;
  std::vector<std::pair<std::string, rocksdb::ColumnFamilyHandle*>> others;
  for (size_t i = 0; i < raw_handles.size(); ++i) {
    if (i < static_cast<size_t>(Cf::kCount)) {
      handle->handles_.emplace_back(raw_handles[i], HandleDeleter{raw_db});
    } else {
      others.emplace_back(descriptors[i].name, raw_handles[i]);
    }
  }

  // The active generation of the state families is recorded in the default
  // family; families of other generations are leftovers of an interrupted
  // rebuild (or of the layout before generations) and are dropped.
  uint64_t generation = kInitialStateGeneration;
  std::string value;
  if (raw_db
          ->Get(rocksdb::ReadOptions(), handle->cf(Cf::kDefault),
                kStateGenerationKey, &value)
          .ok() &&
      value.size() == 8) {
    generation = DecodeFixed64BE(value.data());
  }
  std::vector<rocksdb::ColumnFamilyHandle*> active(
      options.state_families.size(), nullptr);
  for (auto& [name, h] : others) {
    bool in_use = false;
    for (size_t i = 0; i < options.state_families.size(); ++i) {
      if (name == StateGeneration::FamilyName(options.state_families[i].name,
                                              generation)) {
        active[i] = h;
        in_use = true;
      }
    }
    if (in_use) continue;
    // Only a log opened with its state families manages them; a log opened
    // without (e.g. --verify-chain) leaves them alone.
    if (!options.state_families.empty() && absl::StartsWith(name, "state.")) {
      raw_db->DropColumnFamily(h).PermitUncheckedError();
      raw_db->DestroyColumnFamilyHandle(h).PermitUncheckedError();
    } else {
      handle->handles_.emplace_back(h, HandleDeleter{raw_db});
    }
  }
  bool created_any = false;
  for (size_t i = 0; i < active.size(); ++i) {
    if (active[i] != nullptr) continue;
    created_any = true;
    absl::Status created =
        FromRocks(raw_db->CreateColumnFamily(
                      state_options[i],
                      StateGeneration::FamilyName(
                          options.state_families[i].name, generation),
                      &active[i]),
                  "creating a state family");
    if (!created.ok()) {
      for (auto* h : active) {
        if (h != nullptr)
          raw_db->DestroyColumnFamilyHandle(h).PermitUncheckedError();
      }
      return created;
    }
  }
  handle->state_ =
      std::make_shared<StateGeneration>(raw_db, generation, std::move(active));
  if (created_any) {
    // Empty families cannot hold a built state: make the owner rebuild.
    rocksdb::WriteOptions synced;
    synced.sync = true;
    absl::Status cleared = FromRocks(
        raw_db->Delete(synced, handle->cf(Cf::kDefault), kStateVersionKey),
        "clearing the state version");
    if (!cleared.ok()) return cleared;
  }
  return handle;
}

std::shared_ptr<StateGeneration> DbHandle::state() const {
  absl::MutexLock lock(&mu_);
  return state_;
}

absl::StatusOr<std::shared_ptr<StateGeneration>> DbHandle::CreateGeneration() {
  const uint64_t number = state()->number() + 1;
  // RocksDB's write stalls are database-wide: files a rebuild ingests into
  // its new tables must not slow the live appends, so those tables never
  // stall until they go live (PrepareToServe). Nor are they compacted
  // before then, unless the fold reads them (ResumeCompaction).
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  for (size_t i = 0; i < state_families_.size(); ++i) {
    rocksdb::ColumnFamilyOptions building = state_options_[i];
    building.level0_slowdown_writes_trigger = 1 << 20;
    building.level0_stop_writes_trigger = 1 << 20;
    building.disable_auto_compactions = true;
    rocksdb::ColumnFamilyHandle* h = nullptr;
    absl::Status created = FromRocks(
        db_->CreateColumnFamily(
            building,
            StateGeneration::FamilyName(state_families_[i].name, number), &h),
        "creating a state family");
    if (!created.ok()) {
      // Drop what was made, so a later attempt starts clean.
      auto partial = std::make_shared<StateGeneration>(db_.get(), number,
                                                       std::move(handles));
      partial->Retire();
      return created;
    }
    handles.push_back(h);
  }
  return std::make_shared<StateGeneration>(db_.get(), number,
                                           std::move(handles));
}

absl::Status DbHandle::ResumeCompaction(rocksdb::ColumnFamilyHandle* family) {
  return FromRocks(
      db_->SetOptions(family, {{"disable_auto_compactions", "false"}}),
      "resuming compaction of a rebuilt table");
}

absl::Status DbHandle::MergeAllFiles(
    rocksdb::ColumnFamilyHandle* family,
    const rocksdb::ColumnFamilyMetaData& meta) {
  std::vector<std::string> files;
  bool merged = true;  // every file is in the last level: one sorted run
  for (const rocksdb::LevelMetaData& level : meta.levels) {
    for (const rocksdb::SstFileMetaData& file : level.files) {
      files.push_back(file.name);
      merged =
          merged && level.level + 1 == static_cast<int>(meta.levels.size());
    }
  }
  if (merged) return absl::OkStatus();
  // One merge of every chunk's file, straight into the last level.
  // RocksDB's CompactRange would instead rewrite the whole table once per
  // level: ingestion spreads the first chunks over the empty levels.
  rocksdb::CompactionOptions merge;
  merge.compression = rocksdb::kDisableCompressionOption;  // the table's
  merge.output_file_size_limit = 64 << 20;
  return FromRocks(
      db_->CompactFiles(merge, family, files, db_->NumberLevels(family) - 1),
      "merging a rebuilt table");
}

absl::Status DbHandle::PrepareToServe(const StateGeneration& generation,
                                      const std::atomic<bool>* cancel) {
  // Merge the tables left uncompacted, largest first, on two threads:
  // RocksDB runs a CompactFiles on its caller's thread, and with our two
  // background jobs did not split one into subcompactions when asked to.
  struct Merge {
    rocksdb::ColumnFamilyHandle* family;
    rocksdb::ColumnFamilyMetaData meta;
    absl::Status status;
  };
  std::vector<Merge> merges;
  for (rocksdb::ColumnFamilyHandle* family : generation.families()) {
    if (!db_->GetOptions(family).disable_auto_compactions) continue;
    Merge& merge = merges.emplace_back();
    merge.family = family;
    db_->GetColumnFamilyMetaData(family, &merge.meta);
  }
  std::sort(merges.begin(), merges.end(), [](const Merge& a, const Merge& b) {
    return a.meta.size > b.meta.size;
  });
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i; (i = next.fetch_add(1)) < merges.size();) {
      if (cancel != nullptr && cancel->load()) {
        merges[i].status = absl::CancelledError(
            "projection rebuild cancelled; the previous projections stay in "
            "force");
        continue;
      }
      merges[i].status = MergeAllFiles(merges[i].family, merges[i].meta);
    }
  };
  std::thread helper(work);
  work();
  helper.join();
  for (const Merge& merge : merges) LEDGER_RETURN_IF_ERROR(merge.status);
  // Each table gets back the settings it was built without.
  const std::vector<rocksdb::ColumnFamilyHandle*>& families =
      generation.families();
  for (size_t i = 0; i < families.size(); ++i) {
    const rocksdb::ColumnFamilyOptions& live = state_options_[i];
    const std::unordered_map<std::string, std::string> serving = {
        {"disable_auto_compactions",
         live.disable_auto_compactions ? "true" : "false"},
        {"level0_slowdown_writes_trigger",
         std::to_string(live.level0_slowdown_writes_trigger)},
        {"level0_stop_writes_trigger",
         std::to_string(live.level0_stop_writes_trigger)}};
    LEDGER_RETURN_IF_ERROR(FromRocks(db_->SetOptions(families[i], serving),
                                     "restoring state table options"));
  }
  return absl::OkStatus();
}

void DbHandle::InstallGeneration(std::shared_ptr<StateGeneration> generation) {
  std::shared_ptr<StateGeneration> old;
  {
    absl::MutexLock lock(&mu_);
    old = std::move(state_);
    state_ = std::move(generation);
  }
  old->Retire();  // dropped when the last reader lets go
}

DbHandle::~DbHandle() {
  {
    absl::MutexLock lock(&mu_);
    state_.reset();
  }
  handles_.clear();
  if (db_ != nullptr) db_->Close().PermitUncheckedError();
}

}  // namespace ledger::storage::internal
