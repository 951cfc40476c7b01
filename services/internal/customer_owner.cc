#include "services/internal/customer_owner.h"

#include <memory>

#include "ledger/v1/customer.pb.h"
#include "services/internal/query_common.h"

namespace ledger::services::internal {

absl::StatusOr<std::optional<std::string>> CurrentOwner(
    const storage::EventLog& log, const std::string& customer_id) {
  std::unique_ptr<storage::StateView> view = log.GetStateView();
  ledger::v1::CustomerProfile profile;
  std::string resolved_from;
  const absl::Status status =
      ResolveProfile(*view, customer_id, &profile, &resolved_from);
  if (absl::IsNotFound(status)) return std::nullopt;
  if (!status.ok()) return status;
  return profile.owner_id();
}

}  // namespace ledger::services::internal
