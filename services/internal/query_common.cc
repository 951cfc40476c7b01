#include "services/internal/query_common.h"

#include <algorithm>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "projections/customer_keys.h"
#include "storage/status_macros.h"

namespace ledger::services::internal {

namespace {

constexpr uint32_t kDefaultPage = 50;
constexpr uint32_t kMaxPage = 500;

}  // namespace

uint32_t Page(uint32_t requested) {
  return requested == 0 ? kDefaultPage : std::min(requested, kMaxPage);
}

std::string EncodeToken(absl::string_view key) {
  return absl::WebSafeBase64Escape(key);
}

absl::Status DecodeToken(const std::string& token, std::string* key) {
  if (token.empty()) return absl::OkStatus();
  if (!absl::WebSafeBase64Unescape(token, key) || key->empty()) {
    return Invalid("page_token",
                   "is not a next_page_token returned by this query");
  }
  return absl::OkStatus();
}

absl::Status LoadProfile(const storage::StateView& view, const std::string& id,
                         ledger::v1::CustomerProfile* profile) {
  std::string bytes;
  absl::Status read = view.Get(projections::kProfileFamily, id, &bytes);
  return ProfileFromRead(id, read, bytes, profile);
}

absl::Status ProfileFromRead(const std::string& id, const absl::Status& read,
                             const std::string& bytes,
                             ledger::v1::CustomerProfile* profile) {
  if (absl::IsNotFound(read)) {
    return absl::NotFoundError(absl::StrCat("customer \"", id, "\" not found"));
  }
  LEDGER_RETURN_IF_ERROR(read);
  if (!profile->ParseFromString(bytes)) {
    return absl::DataLossError(
        absl::StrCat("the stored profile of ", id, " does not parse"));
  }
  return absl::OkStatus();
}

absl::Status ResolveProfile(const storage::StateView& view,
                            const std::string& id,
                            ledger::v1::CustomerProfile* profile,
                            std::string* resolved_from) {
  return ResolveProfileWith(
      [&view](const std::string& customer, std::string* bytes) {
        return view.Get(projections::kProfileFamily, customer, bytes);
      },
      id, profile, resolved_from);
}

absl::Status ResolveProfileWith(const ProfileReader& read,
                                const std::string& id,
                                ledger::v1::CustomerProfile* profile,
                                std::string* resolved_from) {
  auto load = [&](const std::string& customer) {
    std::string bytes;
    const absl::Status status = read(customer, &bytes);
    return ProfileFromRead(customer, status, bytes, profile);
  };
  resolved_from->clear();
  LEDGER_RETURN_IF_ERROR(load(id));
  // A survivor is never merged when it absorbs, so chains only grow by later
  // merges of the survivor; the bound guards against a corrupt cycle.
  for (int hops = 0; !profile->merged_into().empty(); ++hops) {
    if (hops == 64) {
      return absl::DataLossError(
          absl::StrCat("customer ", id, " resolves through too many merges"));
    }
    *resolved_from = id;
    const std::string next = profile->merged_into();
    LEDGER_RETURN_IF_ERROR(load(next));
  }
  return absl::OkStatus();
}

std::vector<std::string> FileStreams(const ledger::v1::CustomerProfile& p) {
  std::vector<std::string> ids{p.customer_id()};
  for (const auto& merged : p.merged_from())
    ids.push_back(merged.customer_id());
  return ids;
}

}  // namespace ledger::services::internal
