#ifndef LEDGER_SERVICES_AUTHORIZER_H_
#define LEDGER_SERVICES_AUTHORIZER_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "ledger/v1/ledger.pb.h"
#include "services/principal.h"
#include "spdlog/logger.h"
#include "storage/projector.h"

namespace ledger::services {

namespace internal {
class TokenStore;
}  // namespace internal

// Who is calling and what they may do (README, "Access control").
//
// With a tokens file, every call must carry `authorization: Bearer
// <token_id>.<secret>` metadata or a client certificate whose common name
// the file maps (cert_subject=); the role of the entry is then checked
// against the permission table (services/internal/permissions.h). Without
// one, authentication is off (the server then listens on loopback only):
// every caller is Principal{authenticated=false, role=admin,
// personal_data=true} and events keep the actor the client states.
//
// Every handler calls Authorize first; handlers of customer-scoped RPCs
// then call CheckCustomer / ScopeOwnerFilter / CheckSelf, and handlers that
// append call AuthorizeAppend or ApplyToMetadata. All of them report each
// denial (UNAUTHENTICATED or PERMISSION_DENIED) to the `on_denied` sink
// before returning it; a denied call must change nothing.
//
// Thread-safe.
class Authorizer {
 public:
  // Called for every denial with the principal as far as it is known
  // (authenticated=false and an empty name for UNAUTHENTICATED), the full
  // method name, the customer concerned ("" if none) and the status
  // returned to the caller. Runs on the calling thread: keep it cheap.
  using DenialSink = std::function<void(
      const Principal& principal, absl::string_view method,
      absl::string_view customer_id, const absl::Status& status)>;
  // The current owner_id of a customer's file (the survivor's when merged);
  // nullopt when there is no such customer.
  using OwnerLookup = std::function<absl::StatusOr<std::optional<std::string>>(
      const std::string& customer_id)>;

  struct Options {
    // Empty: authentication off.
    std::string tokens_file;
    // How often the tokens file's modification time is checked.
    absl::Duration reload_interval = absl::Seconds(1);
    // Required when tokens_file is set (sales checks).
    OwnerLookup owner_of;
    DenialSink on_denied;  // optional
    std::shared_ptr<spdlog::logger> logger;
  };

  // Loads the tokens file (errors as LoadTokensFile: a malformed line or a
  // group/other-accessible file refuses to start).
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<Authorizer>> Create(
      Options options);
  ~Authorizer();

  Authorizer(const Authorizer&) = delete;
  Authorizer& operator=(const Authorizer&) = delete;

  // Whether callers must authenticate (a tokens file is configured).
  bool enabled() const { return tokens_ != nullptr; }

  // Authenticates the caller and checks that its role may call `method`
  // ("/ledger.v1.Ledger/Append"). The principal carries the purpose and
  // on_behalf_of request metadata (x-ledger-purpose,
  // x-ledger-on-behalf-of) and the peer. UNAUTHENTICATED: no, unknown,
  // revoked or malformed token, wrong secret, or an unmapped client
  // certificate (the message says which). PERMISSION_DENIED: the role may
  // not call `method` (the message names both), a service principal
  // without write grant calls a write, or a non-service principal states
  // on_behalf_of. A method without a permission entry is always denied.
  [[nodiscard]] absl::StatusOr<Principal> Authorize(
      grpc::CallbackServerContext& context, absl::string_view method) const;

  // Sales: PERMISSION_DENIED naming the customer unless its file's current
  // owner_id is the principal's (an unknown customer is denied the same
  // way, so the answer reveals nothing). OK for every other role and when
  // authentication is off. INVALID_ARGUMENT for an empty id.
  [[nodiscard]] absl::Status CheckCustomer(
      const Principal& principal, absl::string_view method,
      const std::string& customer_id) const;

  // Whether CheckCustomer would pass, without reporting a denial (for
  // leaving other owners' customers out of a list).
  [[nodiscard]] absl::StatusOr<bool> MayAccessCustomer(
      const Principal& principal, const std::string& customer_id) const;

  // Sales: an empty *owner_id filter becomes the principal's owner_id;
  // another owner's is PERMISSION_DENIED. No-op for other roles.
  [[nodiscard]] absl::Status ScopeOwnerFilter(const Principal& principal,
                                              absl::string_view method,
                                              std::string* owner_id) const;

  // Sales (Audit/ListChangesByActor): only their own changes; an empty
  // *actor becomes the principal's name. No-op for other roles.
  [[nodiscard]] absl::Status CheckSelf(const Principal& principal,
                                       absl::string_view method,
                                       std::string* actor) const;

  // The metadata of events the caller appends. Authenticated: an empty
  // actor becomes the principal's name, another name is
  // PERMISSION_DENIED; on_behalf_of (the field or x-ledger-on-behalf-of,
  // INVALID_ARGUMENT when they differ) is recorded, and only a service may
  // state it. Unauthenticated: the metadata stays as the client sent it,
  // on_behalf_of filled from the request metadata when empty.
  [[nodiscard]] absl::Status ApplyToMetadata(
      const Principal& principal, absl::string_view method,
      absl::string_view customer_id,
      ledger::v1::AppendMetadata* metadata) const;

  // ApplyToMetadata for `request` (its metadata goes to *metadata), then
  // for sales: the customer must be theirs, or new and registered by this
  // request naming them as owner; no OwnerAssigned to another owner.
  [[nodiscard]] absl::Status AuthorizeAppend(
      const Principal& principal, absl::string_view method,
      const ledger::v1::AppendRequest& request,
      ledger::v1::AppendMetadata* metadata) const;

  // AuthorizeAppend's ownership rule once more, as the log stages the
  // append (storage::AppendRequest::check), against the state it commits
  // on: an owner change committed after AuthorizeAppend read the owner is
  // seen, and refuses the append with PERMISSION_DENIED (reported like any
  // denial). Empty (no check needed) unless `principal` is sales.
  // REQUIRES: AuthorizeAppend accepted `request` for `principal`.
  std::function<absl::Status(storage::StateWriter&)> StagedOwnerCheck(
      const Principal& principal, absl::string_view method,
      const ledger::v1::AppendRequest& request) const;

  // The same for a merge: both customers must still be the sales
  // principal's when the merge is staged (CheckCustomer accepted both).
  std::function<absl::Status(storage::StateWriter&)> StagedMergeCheck(
      const Principal& principal, absl::string_view method,
      const ledger::v1::MergeCustomersRequest& request) const;

 private:
  explicit Authorizer(Options options);
  // CheckOwner for each of `customer_ids` against the staged state; null
  // unless `principal` is sales.
  std::function<absl::Status(storage::StateWriter&)> StagedCheck(
      const Principal& principal, absl::string_view method,
      std::vector<std::string> customer_ids, bool registers) const;
  // Sets the name, role and grants of *principal from the credentials.
  [[nodiscard]] absl::Status Authenticate(grpc::CallbackServerContext& context,
                                          absl::string_view method,
                                          Principal* principal) const;
  // PERMISSION_DENIED (reported by Deny) unless `owner` is the sales
  // principal's, or the customer is new (nullopt) and `registers`.
  [[nodiscard]] absl::Status CheckOwner(const Principal& principal,
                                        absl::string_view method,
                                        const std::string& customer_id,
                                        const std::optional<std::string>& owner,
                                        bool registers) const;
  // Logs and reports a denial; returns `status`.
  absl::Status Deny(const Principal& principal, absl::string_view method,
                    absl::string_view customer_id, absl::Status status) const;

  // Constant after Create.
  const Options options_;
  std::shared_ptr<spdlog::logger> logger_;
  std::unique_ptr<internal::TokenStore> tokens_;
};

}  // namespace ledger::services

#endif  // LEDGER_SERVICES_AUTHORIZER_H_
