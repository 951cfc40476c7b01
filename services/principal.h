#ifndef LEDGER_SERVICES_PRINCIPAL_H_
#define LEDGER_SERVICES_PRINCIPAL_H_

#include <string>

#include "absl/strings/string_view.h"

namespace ledger::services {

// What a caller may do (README, "Access control"):
//   kAdmin    everything, including ForgetCustomer and key rotation;
//   kManager  all customers, read and write;
//   kSales    only the customers whose owner_id is the principal's own id;
//   kService  internal microservices: read all, write when the token says;
//   kAuditor  events, history, proofs and the access log; no writes.
enum class Role { kAdmin, kManager, kSales, kService, kAuditor };

// "admin", "manager", "sales", "service", "auditor".
absl::string_view RoleName(Role role);

// The inverse of RoleName; false (and *role unchanged) for other names.
bool ParseRole(absl::string_view name, Role* role);

// Who is calling, as authentication established it. A plain value type.
struct Principal {
  std::string name;  // recorded as the actor of the events it appends
  Role role = Role::kAdmin;
  // kSales: the owner_id of the customers this principal may see.
  std::string owner_id;
  // May read personal fields unmasked.
  bool personal_data = false;
  // kService with write permission may append.
  bool may_write = false;
  // The end user a kService principal acts for (request metadata
  // x-ledger-on-behalf-of, or AppendMetadata.on_behalf_of).
  std::string on_behalf_of;
  // Why personal data is read (request metadata x-ledger-purpose).
  std::string purpose;
  // The peer address, for the access log.
  std::string peer;
  // False when the server runs without authentication (loopback only): the
  // caller is then an unnamed admin and events keep the actor it states.
  bool authenticated = false;
};

}  // namespace ledger::services

#endif  // LEDGER_SERVICES_PRINCIPAL_H_
