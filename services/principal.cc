#include "services/principal.h"

namespace ledger::services {

absl::string_view RoleName(Role role) {
  switch (role) {
    case Role::kAdmin:
      return "admin";
    case Role::kManager:
      return "manager";
    case Role::kSales:
      return "sales";
    case Role::kService:
      return "service";
    case Role::kAuditor:
      return "auditor";
  }
  return "unknown";
}

bool ParseRole(absl::string_view name, Role* role) {
  for (Role r : {Role::kAdmin, Role::kManager, Role::kSales, Role::kService,
                 Role::kAuditor}) {
    if (RoleName(r) == name) {
      *role = r;
      return true;
    }
  }
  return false;
}

}  // namespace ledger::services
