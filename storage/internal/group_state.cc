#include "storage/internal/group_state.h"

#include "absl/strings/match.h"
#include "rocksdb/db.h"
#include "storage/internal/db_handle.h"

namespace ledger::storage::internal {

absl::Status GroupStateWriter::Get(int family, absl::string_view key,
                                   std::string* value) {
  return GetThroughOverlay(group_->state_overlay, db_->db(),
                           *group_->generation, family, key, value);
}

void GroupStateWriter::Remember(const std::string& overlay_key) {
  auto it = group_->state_overlay.find(overlay_key);
  group_->overlay_undo.emplace_back(
      overlay_key, it == group_->state_overlay.end()
                       ? std::nullopt
                       : std::optional<std::optional<std::string>>(it->second));
}

void GroupStateWriter::Put(int family, absl::string_view key,
                           absl::string_view value) {
  std::string overlay_key = OverlayKey(family, key);
  Remember(overlay_key);
  group_->state_overlay[std::move(overlay_key)] = std::string(value);
  group_->batch
      .Put(group_->generation->family(family),
           rocksdb::Slice(key.data(), key.size()),
           rocksdb::Slice(value.data(), value.size()))
      .PermitUncheckedError();
}

void GroupStateWriter::Delete(int family, absl::string_view key) {
  std::string overlay_key = OverlayKey(family, key);
  Remember(overlay_key);
  group_->state_overlay[std::move(overlay_key)] = std::nullopt;
  group_->batch
      .Delete(group_->generation->family(family),
              rocksdb::Slice(key.data(), key.size()))
      .PermitUncheckedError();
}

absl::Status GroupStateWriter::Scan(
    int family, absl::string_view prefix,
    const std::function<absl::Status(absl::string_view, absl::string_view)>&
        visit) {
  // The overlay is unordered and holds only this group's writes: pick
  // those of the range.
  const std::string start = OverlayKey(family, prefix);
  PendingWrites pending;
  for (const auto& [key, value] : group_->state_overlay) {
    if (absl::StartsWith(key, start)) pending.emplace(key.substr(1), value);
  }
  return ScanWithPending(db_->db(), group_->generation->family(family), prefix,
                         pending, visit);
}

void GroupStateWriter::Undo() {
  auto& undo = group_->overlay_undo;
  for (auto it = undo.rbegin(); it != undo.rend(); ++it) {
    if (it->second.has_value()) {
      group_->state_overlay[it->first] = *it->second;
    } else {
      group_->state_overlay.erase(it->first);
    }
  }
  undo.clear();
}

}  // namespace ledger::storage::internal
