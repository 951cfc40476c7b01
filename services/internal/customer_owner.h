#ifndef LEDGER_SERVICES_INTERNAL_CUSTOMER_OWNER_H_
#define LEDGER_SERVICES_INTERNAL_CUSTOMER_OWNER_H_

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "storage/event_log.h"
#include "storage/projector.h"

namespace ledger::services::internal {

// The owner_id of the customer file a lookup of `customer_id` lands on (the
// survivor's for a merged customer), from the projections; "" when it has
// none; nullopt when there is no such customer. DATA_LOSS for an
// unreadable profile.
[[nodiscard]] absl::StatusOr<std::optional<std::string>> CurrentOwner(
    const storage::EventLog& log, const std::string& customer_id);

// The same, as `state` holds it: the state a commit group is staging on
// (storage::AppendRequest::check), which may not be committed yet.
[[nodiscard]] absl::StatusOr<std::optional<std::string>> OwnerInState(
    storage::StateWriter& state, const std::string& customer_id);

}  // namespace ledger::services::internal

#endif  // LEDGER_SERVICES_INTERNAL_CUSTOMER_OWNER_H_
