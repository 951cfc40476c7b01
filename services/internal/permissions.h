#ifndef LEDGER_SERVICES_INTERNAL_PERMISSIONS_H_
#define LEDGER_SERVICES_INTERNAL_PERMISSIONS_H_

// The permission table: which role may call which RPC (README, "Access
// control", has it as a matrix). Keyed by the full gRPC method name,
// "/ledger.v1.Ledger/Append". Health checks and reflection are not ours and
// stay open.

#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "services/principal.h"

namespace ledger::services::internal {

enum class Access {
  kDenied,
  kAllowed,
  // Sales: allowed, restricted to the principal's own customers (the
  // handler checks the customer, or forces its owner filter).
  kOwnCustomers,
  // Sales ListChangesByActor: only the principal's own changes.
  kSelf,
  // Service: allowed only with the write grant of its tokens-file entry.
  kWithWriteGrant,
};

// "denied", "allowed", "own customers", "self only", "with write grant".
absl::string_view AccessName(Access access);

// What `role` may do with `method`; nullopt when the method has no entry
// (callers deny it: unknown methods are never open).
std::optional<Access> AccessFor(absl::string_view method, Role role);

// Every method of the table, in table order (tests and documentation).
std::vector<std::string> PermissionMethods();

}  // namespace ledger::services::internal

#endif  // LEDGER_SERVICES_INTERNAL_PERMISSIONS_H_
