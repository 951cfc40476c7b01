#include "storage/internal/principal_index.h"

#include <algorithm>
#include <chrono>
#include <vector>

#include "spdlog/spdlog.h"
#include "storage/internal/coding.h"
#include "storage/internal/db_handle.h"
#include "storage/internal/log_scanner.h"
#include "storage/status_macros.h"

namespace ledger::storage::internal {
namespace {

constexpr uint64_t kSignBit = uint64_t{1} << 63;
constexpr size_t kBackfillBatchKeys = 1 << 17;
constexpr uint64_t kBackfillLogEvery = 1'000'000;

char RoleByte(PrincipalRole role) {
  return role == PrincipalRole::kActor ? 'a' : 'b';
}

void PutKey(PrincipalRole role, absl::string_view principal,
            const EventRecord& record, rocksdb::ColumnFamilyHandle* family,
            rocksdb::WriteBatch* batch) {
  std::string key = PrincipalPrefix(role, principal);
  PutFixed64BE(&key, static_cast<uint64_t>(record.metadata.recorded_at_micros) ^
                         kSignBit);
  PutFixed64BE(&key, record.position);
  batch->Put(family, key, rocksdb::Slice()).PermitUncheckedError();
}

}  // namespace

std::string PrincipalPrefix(PrincipalRole role, absl::string_view principal) {
  std::string prefix(1, RoleByte(role));
  PutFixed32BE(&prefix, static_cast<uint32_t>(principal.size()));
  prefix.append(principal.data(), principal.size());
  return prefix;
}

std::string PrincipalSuffix(int64_t recorded_micros, uint64_t position) {
  std::string suffix;
  suffix.reserve(kPrincipalSuffixSize);
  PutFixed64BE(&suffix, static_cast<uint64_t>(recorded_micros) ^ kSignBit);
  PutFixed64BE(&suffix, position);
  return suffix;
}

bool ParsePrincipalSuffix(absl::string_view suffix, PrincipalEntry* entry) {
  if (suffix.size() != kPrincipalSuffixSize) return false;
  entry->recorded_at_micros =
      static_cast<int64_t>(DecodeFixed64BE(suffix.data()) ^ kSignBit);
  entry->position = DecodeFixed64BE(suffix.data() + 8);
  return true;
}

void StagePrincipalKeys(const EventRecord& record,
                        rocksdb::ColumnFamilyHandle* family,
                        rocksdb::WriteBatch* batch) {
  if (!record.metadata.actor.empty()) {
    PutKey(PrincipalRole::kActor, record.metadata.actor, record, family, batch);
  }
  if (!record.metadata.on_behalf_of.empty()) {
    PutKey(PrincipalRole::kOnBehalfOf, record.metadata.on_behalf_of, record,
           family, batch);
  }
}

absl::Status BackfillPrincipalIndex(const DbHandle& db, uint64_t head,
                                    spdlog::logger& logger) {
  std::string marker;
  rocksdb::Status s = db.db()->Get(rocksdb::ReadOptions(), db.cf(Cf::kDefault),
                                   kPrincipalIndexKey, &marker);
  if (s.ok()) return absl::OkStatus();
  if (!s.IsNotFound()) {
    return FromRocks(s, "reading the principal index marker");
  }
  rocksdb::ColumnFamilyHandle* family = db.cf(Cf::kPrincipalIndex);
  rocksdb::WriteBatch batch;
  rocksdb::WriteOptions write_options;
  if (head > 0) {
    logger.info(
        "indexing who caused each event: events 1..{} (once, for a data "
        "directory without the principal index)",
        head);
    const auto start = std::chrono::steady_clock::now();
    auto seconds = [&start] {
      return std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                           start)
          .count();
    };
    LogScanner scanner(db.db(), db.cf(Cf::kEvents), 1, head);
    for (;;) {
      const std::vector<EventRecord>* records = nullptr;
      LEDGER_RETURN_IF_ERROR(scanner.Next(&records));
      if (records->empty()) break;
      for (const EventRecord& record : *records) {
        StagePrincipalKeys(record, family, &batch);
      }
      if (batch.Count() >= kBackfillBatchKeys) {
        LEDGER_RETURN_IF_ERROR(FromRocks(db.db()->Write(write_options, &batch),
                                         "writing the principal index"));
        batch.Clear();
      }
      const uint64_t done = records->back().position;
      if (done / kBackfillLogEvery !=
          (done - records->size()) / kBackfillLogEvery) {
        logger.info("principal index: {}/{} events ({:.0f} events/s)", done,
                    head, done / std::max(seconds(), 1e-9));
      }
    }
    logger.info("principal index built: {} events in {:.2f} s", head,
                seconds());
  }
  // The marker commits with the last entries; a crash before it means the
  // next open indexes again (the same keys, so no harm).
  batch.Put(db.cf(Cf::kDefault), kPrincipalIndexKey, EncodeFixed64BE(head))
      .PermitUncheckedError();
  rocksdb::WriteOptions synced;
  synced.sync = true;
  return FromRocks(db.db()->Write(synced, &batch),
                   "writing the principal index");
}

}  // namespace ledger::storage::internal
