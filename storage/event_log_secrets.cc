// EventLog's secrets family: a small name -> bytes store beside the log.

#include <memory>
#include <vector>

#include "rocksdb/db.h"
#include "storage/event_log.h"
#include "storage/internal/db_handle.h"
#include "storage/status_macros.h"

namespace ledger::storage {

using internal::Cf;
using internal::FromRocks;

absl::Status EventLog::GetSecret(absl::string_view name,
                                 std::string* value) const {
  rocksdb::Status s =
      db_->db()->Get(rocksdb::ReadOptions(), db_->cf(Cf::kSecrets),
                     rocksdb::Slice(name.data(), name.size()), value);
  if (s.IsNotFound()) return absl::NotFoundError("no such secret");
  return FromRocks(s, "reading a secret");
}

absl::Status EventLog::PutSecret(absl::string_view name,
                                 absl::string_view value, bool sync) {
  rocksdb::WriteOptions options;
  options.sync = sync && options_.sync;
  return FromRocks(db_->db()->Put(options, db_->cf(Cf::kSecrets),
                                  rocksdb::Slice(name.data(), name.size()),
                                  rocksdb::Slice(value.data(), value.size())),
                   "writing a secret");
}

absl::Status EventLog::ForEachSecret(
    absl::string_view prefix,
    const std::function<absl::Status(absl::string_view, absl::string_view)>&
        visit) const {
  const rocksdb::Snapshot* snapshot = db_->db()->GetSnapshot();
  rocksdb::ReadOptions options;
  options.snapshot = snapshot;
  absl::Status result = [&]() -> absl::Status {
    std::unique_ptr<rocksdb::Iterator> it(
        db_->db()->NewIterator(options, db_->cf(Cf::kSecrets)));
    const rocksdb::Slice start(prefix.data(), prefix.size());
    for (it->Seek(start); it->Valid() && it->key().starts_with(start);
         it->Next()) {
      LEDGER_RETURN_IF_ERROR(
          visit(absl::string_view(it->key().data(), it->key().size()),
                absl::string_view(it->value().data(), it->value().size())));
    }
    return FromRocks(it->status(), "scanning the secrets");
  }();
  db_->db()->ReleaseSnapshot(snapshot);
  return result;
}

absl::Status EventLog::PurgeDeletedSecrets() {
  rocksdb::DB* db = db_->db();
  // A WAL file is deleted once every family with data in it has flushed.
  std::vector<rocksdb::ColumnFamilyHandle*> families;
  for (int i = 0; i < static_cast<int>(Cf::kCount); ++i) {
    families.push_back(db_->cf(static_cast<Cf>(i)));
  }
  // Keep the state generation alive while its families are flushed.
  std::shared_ptr<internal::StateGeneration> state = db_->state();
  for (rocksdb::ColumnFamilyHandle* family : state->families()) {
    families.push_back(family);
  }
  rocksdb::FlushOptions flush;
  flush.wait = true;
  LEDGER_RETURN_IF_ERROR(
      FromRocks(db->Flush(flush, families), "flushing before a purge"));
  rocksdb::CompactRangeOptions compact;
  compact.bottommost_level_compaction =
      rocksdb::BottommostLevelCompaction::kForce;
  compact.exclusive_manual_compaction = false;
  return FromRocks(
      db->CompactRange(compact, db_->cf(Cf::kSecrets), nullptr, nullptr),
      "compacting the secrets");
}

}  // namespace ledger::storage
