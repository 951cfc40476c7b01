// The principal index half of EventLog: "who caused which event", kept by
// the writer with every event (event_log_writer.cc) and built once at open
// for a log from before it.

#include <memory>
#include <vector>

#include "rocksdb/db.h"
#include "storage/event_log.h"
#include "storage/internal/db_handle.h"
#include "storage/internal/principal_index.h"
#include "storage/status_macros.h"

namespace ledger::storage {

using internal::Cf;
using internal::FromRocks;

absl::Status EventLog::RecoverPrincipalIndex() {
  if (options_.principal_index) {
    return internal::BackfillPrincipalIndex(*db_, last_position(), *logger_);
  }
  // Appends made now go unindexed: a later open with the index rebuilds it.
  return FromRocks(
      db_->db()->Delete(rocksdb::WriteOptions(), db_->cf(Cf::kDefault),
                        internal::kPrincipalIndexKey),
      "clearing the principal index marker");
}

absl::StatusOr<std::vector<PrincipalEntry>> EventLog::ListByPrincipal(
    PrincipalRole role, absl::string_view principal, PrincipalEntry after,
    int64_t before_micros, size_t limit) const {
  if (!options_.principal_index) {
    return absl::FailedPreconditionError(
        "this log keeps no index of the principals that caused its events");
  }
  std::vector<PrincipalEntry> entries;
  const std::string prefix = internal::PrincipalPrefix(role, principal);
  const std::string start =
      prefix +
      internal::PrincipalSuffix(after.recorded_at_micros, after.position);
  const std::string end = prefix + internal::PrincipalSuffix(before_micros, 0);
  if (limit == 0 || start >= end) return entries;
  const rocksdb::Slice upper(end);
  rocksdb::ReadOptions options;
  options.iterate_upper_bound = &upper;
  options.total_order_seek = true;
  std::unique_ptr<rocksdb::Iterator> it(
      db_->db()->NewIterator(options, db_->cf(Cf::kPrincipalIndex)));
  for (it->Seek(start); it->Valid() && entries.size() < limit; it->Next()) {
    const rocksdb::Slice key = it->key();
    PrincipalEntry entry;
    if (!key.starts_with(prefix) ||
        !internal::ParsePrincipalSuffix(
            absl::string_view(key.data() + prefix.size(),
                              key.size() - prefix.size()),
            &entry)) {
      return absl::DataLossError(
          "the principal index holds a malformed key in its range");
    }
    if (entry == after) continue;  // exclusive
    entries.push_back(entry);
  }
  LEDGER_RETURN_IF_ERROR(
      FromRocks(it->status(), "reading the principal index"));
  return entries;
}

}  // namespace ledger::storage
