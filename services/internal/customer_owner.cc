#include "services/internal/customer_owner.h"

#include <memory>

#include "ledger/v1/customer.pb.h"
#include "projections/customer_keys.h"
#include "services/internal/query_common.h"

namespace ledger::services::internal {

namespace {

absl::StatusOr<std::optional<std::string>> OwnerWith(
    const ProfileReader& read, const std::string& customer_id) {
  ledger::v1::CustomerProfile profile;
  std::string resolved_from;
  const absl::Status status =
      ResolveProfileWith(read, customer_id, &profile, &resolved_from);
  if (absl::IsNotFound(status)) return std::nullopt;
  if (!status.ok()) return status;
  return profile.owner_id();
}

}  // namespace

absl::StatusOr<std::optional<std::string>> CurrentOwner(
    const storage::EventLog& log, const std::string& customer_id) {
  std::unique_ptr<storage::StateView> view = log.GetStateView();
  return OwnerWith(
      [&view](const std::string& id, std::string* bytes) {
        return view->Get(projections::kProfileFamily, id, bytes);
      },
      customer_id);
}

absl::StatusOr<std::optional<std::string>> OwnerInState(
    storage::StateWriter& state, const std::string& customer_id) {
  return OwnerWith(
      [&state](const std::string& id, std::string* bytes) {
        return state.Get(projections::kProfileFamily, id, bytes);
      },
      customer_id);
}

}  // namespace ledger::services::internal
