#ifndef LEDGER_STORAGE_INTERNAL_PRINCIPAL_INDEX_H_
#define LEDGER_STORAGE_INTERNAL_PRINCIPAL_INDEX_H_

// The log's index of who caused each event, in the "principal_index" column
// family: one entry per event under its metadata.actor (when set) and one
// under its metadata.on_behalf_of (when set), written in the WriteBatch that
// commits the event and never changed:
//
//   role u32be(len) principal u64be(recorded_at µs ^ 2^63) u64be(position)
//     -> ""
//
// role is 'a' (actor) or 'b' (on_behalf_of). The length prefix keeps one
// principal's entries contiguous whatever bytes its name holds; the
// sign-flipped commit time makes a time range a key range. Commit times
// never decrease along the log, so one principal's entries are also in
// position order. A data directory from before the index is indexed once at
// open (Backfill); the default family's kPrincipalIndexKey records that the
// index covers the whole log.

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "rocksdb/write_batch.h"
#include "storage/event_log.h"
#include "storage/event_record.h"

namespace spdlog {
class logger;
}  // namespace spdlog

namespace ledger::storage::internal {

class DbHandle;

// Present (u64be(head when it was built)) once the index covers the log.
inline constexpr char kPrincipalIndexKey[] = "principal_index";

// Bytes of the (recorded_at, position) suffix of a key.
inline constexpr size_t kPrincipalSuffixSize = 16;

// role u32be(len) principal: every entry of one principal in one role.
std::string PrincipalPrefix(PrincipalRole role, absl::string_view principal);

// The (recorded_at, position) suffix; (micros, 0) sorts before every event
// committed at `micros` or later.
std::string PrincipalSuffix(int64_t recorded_micros, uint64_t position);

// False when `suffix` is not kPrincipalSuffixSize bytes.
[[nodiscard]] bool ParsePrincipalSuffix(absl::string_view suffix,
                                        PrincipalEntry* entry);

// Adds the index entries of the committed `record` to `batch`.
void StagePrincipalKeys(const EventRecord& record,
                        rocksdb::ColumnFamilyHandle* family,
                        rocksdb::WriteBatch* batch);

// Indexes positions 1..head unless kPrincipalIndexKey says the index is
// complete, then records that it is. Meant for open, before any append.
// Errors: DATA_LOSS for a gap in the log, others from RocksDB.
[[nodiscard]] absl::Status BackfillPrincipalIndex(const DbHandle& db,
                                                  uint64_t head,
                                                  spdlog::logger& logger);

}  // namespace ledger::storage::internal

#endif  // LEDGER_STORAGE_INTERNAL_PRINCIPAL_INDEX_H_
