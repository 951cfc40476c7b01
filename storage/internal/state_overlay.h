#ifndef LEDGER_STORAGE_INTERNAL_STATE_OVERLAY_H_
#define LEDGER_STORAGE_INTERNAL_STATE_OVERLAY_H_

// Reading state families, directly or through an in-memory overlay of
// writes not yet committed (a commit group's or a rebuild chunk's).

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "rocksdb/db.h"
#include "storage/internal/db_handle.h"

namespace ledger::storage::internal {

// Key: family byte + key. nullopt: deleted.
using StateOverlay =
    absl::flat_hash_map<std::string, std::optional<std::string>>;

inline std::string OverlayKey(int family, absl::string_view key) {
  std::string k(1, static_cast<char>(family));
  k.append(key.data(), key.size());
  return k;
}

// NOT_FOUND when absent; other errors come from RocksDB.
inline absl::Status GetState(rocksdb::DB* db,
                             const rocksdb::ReadOptions& options,
                             rocksdb::ColumnFamilyHandle* family,
                             absl::string_view key, std::string* value) {
  rocksdb::Status s =
      db->Get(options, family, rocksdb::Slice(key.data(), key.size()), value);
  if (s.IsNotFound()) return absl::NotFoundError("absent");
  return FromRocks(s, "reading projection state");
}

// The overlay's value if it has the key, else the stored one.
inline absl::Status GetThroughOverlay(const StateOverlay& overlay,
                                      rocksdb::DB* db,
                                      const StateGeneration& generation,
                                      int family, absl::string_view key,
                                      std::string* value) {
  auto it = overlay.find(OverlayKey(family, key));
  if (it == overlay.end()) {
    return GetState(db, rocksdb::ReadOptions(), generation.family(family), key,
                    value);
  }
  if (!it->second.has_value()) return absl::NotFoundError("absent");
  *value = *it->second;
  return absl::OkStatus();
}

// Writes not yet in the database, by key (nullopt: deleted).
using PendingWrites = std::map<std::string, std::optional<std::string>>;

// Visits the keys of `family` starting with `prefix` in key order: the
// stored ones with `pending` applied over them.
inline absl::Status ScanWithPending(
    rocksdb::DB* db, rocksdb::ColumnFamilyHandle* family,
    absl::string_view prefix, const PendingWrites& pending,
    const std::function<absl::Status(absl::string_view, absl::string_view)>&
        visit) {
  std::unique_ptr<rocksdb::Iterator> it(
      db->NewIterator(rocksdb::ReadOptions(), family));
  const rocksdb::Slice start(prefix.data(), prefix.size());
  auto next = pending.lower_bound(std::string(prefix));
  auto pending_in_range = [&] {
    return next != pending.end() &&
           absl::string_view(next->first).substr(0, prefix.size()) == prefix;
  };
  for (it->Seek(start); it->Valid() && it->key().starts_with(start);
       it->Next()) {
    const absl::string_view key(it->key().data(), it->key().size());
    for (; pending_in_range() && next->first < key; ++next) {
      if (next->second.has_value()) {
        absl::Status s = visit(next->first, *next->second);
        if (!s.ok()) return s;
      }
    }
    if (pending_in_range() && next->first == key) {
      const bool live = next->second.has_value();
      absl::Status s =
          live ? visit(next->first, *next->second) : absl::OkStatus();
      ++next;
      if (!s.ok()) return s;
      continue;
    }
    absl::Status s =
        visit(key, absl::string_view(it->value().data(), it->value().size()));
    if (!s.ok()) return s;
  }
  if (!it->status().ok()) return FromRocks(it->status(), "scanning state");
  for (; pending_in_range(); ++next) {
    if (next->second.has_value()) {
      absl::Status s = visit(next->first, *next->second);
      if (!s.ok()) return s;
    }
  }
  return absl::OkStatus();
}

}  // namespace ledger::storage::internal

#endif  // LEDGER_STORAGE_INTERNAL_STATE_OVERLAY_H_
