#ifndef LEDGER_SERVICES_INTERNAL_QUERY_COMMON_H_
#define LEDGER_SERVICES_INTERNAL_QUERY_COMMON_H_

// Helpers shared by the CustomerQuery implementations: paging, tokens,
// errors naming a field, and profile loads.

#include <algorithm>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "ledger/v1/customer.pb.h"
#include "projections/customer_keys.h"
#include "projections/customer_records.h"
#include "services/internal/validation_util.h"  // Invalid()
#include "storage/state_view.h"
#include "storage/status_macros.h"

namespace ledger::services::internal {

// A request's page size: 50 when unset, at most 500.
uint32_t Page(uint32_t requested);

// Page tokens wrap a resume key (opaque to clients).
std::string EncodeToken(absl::string_view key);
// Empty token -> empty key; INVALID_ARGUMENT for a token this server did not
// issue.
[[nodiscard]] absl::Status DecodeToken(const std::string& token,
                                       std::string* key);

// The profile of `id` from the result of reading its stored bytes: NOT_FOUND
// naming the customer when absent, DATA_LOSS when it does not parse.
[[nodiscard]] absl::Status ProfileFromRead(
    const std::string& id, const absl::Status& read, const std::string& bytes,
    ledger::v1::CustomerProfile* profile);

// The stored profile of `id` (errors as ProfileFromRead).
[[nodiscard]] absl::Status LoadProfile(const storage::StateView& view,
                                       const std::string& id,
                                       ledger::v1::CustomerProfile* profile);

// The customer a lookup of `id` lands on: `id` itself, or the survivor its
// file was merged into (following later merges too). *profile is that
// customer's; *resolved_from is set to `id` when it was merged, else
// cleared. Errors as LoadProfile.
[[nodiscard]] absl::Status ResolveProfile(const storage::StateView& view,
                                          const std::string& id,
                                          ledger::v1::CustomerProfile* profile,
                                          std::string* resolved_from);

// Reads the stored profile of customer `id` into *bytes; NOT_FOUND when
// absent.
using ProfileReader =
    std::function<absl::Status(const std::string& id, std::string* bytes)>;

// ResolveProfile over any reader of the profile family (e.g. the state a
// commit group is staging, storage::StateWriter).
[[nodiscard]] absl::Status ResolveProfileWith(
    const ProfileReader& read, const std::string& id,
    ledger::v1::CustomerProfile* profile, std::string* resolved_from);

// The streams that make up a customer's file: its own id first, then every
// customer merged into it.
std::vector<std::string> FileStreams(const ledger::v1::CustomerProfile& p);

// Every record of `kind` in `profile`'s file, sorted by id: its own and those
// of the customers merged into it (a merged file's records stay under the id
// that recorded them). DATA_LOSS when one does not parse.
template <typename Record>
[[nodiscard]] absl::Status LoadFileRecords(
    const storage::StateView& view, const ledger::v1::CustomerProfile& profile,
    projections::RecordKind kind, std::vector<Record>* out) {
  std::vector<std::pair<std::string, Record>> by_id;
  for (const std::string& stream : FileStreams(profile)) {
    const std::string prefix =
        projections::RecordPrefix(stream, static_cast<char>(kind));
    std::unique_ptr<storage::StateIterator> it =
        view.NewIterator(projections::kRecordsFamily);
    for (it->Seek(prefix); it->Valid() && absl::StartsWith(it->key(), prefix);
         it->Next()) {
      auto& [id, record] = by_id.emplace_back();
      id = std::string(it->key().substr(prefix.size()));
      if (!record.ParseFromArray(it->value().data(),
                                 static_cast<int>(it->value().size()))) {
        return absl::DataLossError(
            absl::StrCat("a stored ", Record::descriptor()->name(),
                         " of customer ", stream, " does not parse"));
      }
    }
    LEDGER_RETURN_IF_ERROR(it->status());
  }
  std::stable_sort(
      by_id.begin(), by_id.end(),
      [](const auto& a, const auto& b) { return a.first < b.first; });
  out->reserve(out->size() + by_id.size());
  for (auto& [id, record] : by_id) out->push_back(std::move(record));
  return absl::OkStatus();
}

}  // namespace ledger::services::internal

#endif  // LEDGER_SERVICES_INTERNAL_QUERY_COMMON_H_
