#include "services/authorizer.h"

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "services/internal/customer_owner.h"
#include "services/internal/permissions.h"
#include "services/internal/token_store.h"
#include "spdlog/spdlog.h"
#include "storage/status_macros.h"

namespace ledger::services {

namespace {

namespace v1 = ::ledger::v1;
using internal::Access;

constexpr size_t kMaxHeaderLength = 256;

std::string Header(const grpc::CallbackServerContext& context,
                   absl::string_view key) {
  const auto& metadata = context.client_metadata();
  auto it = metadata.find(grpc::string_ref(key.data(), key.size()));
  if (it == metadata.end()) return "";
  return std::string(it->second.data(), it->second.size());
}

// SHA-256(salt || secret) == expected, compared in constant time.
bool SecretMatches(const std::string& salt, absl::string_view secret,
                   const std::string& expected) {
  std::string input = salt;
  input.append(secret.data(), secret.size());
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(input.data()), input.size(),
         digest);
  OPENSSL_cleanse(input.data(), input.size());
  return expected.size() == sizeof(digest) &&
         CRYPTO_memcmp(digest, expected.data(), sizeof(digest)) == 0;
}

void ApplyGrant(const TokenGrant& grant, Principal* principal) {
  principal->name = grant.principal;
  principal->role = grant.role;
  principal->owner_id = grant.owner_id;
  principal->personal_data = grant.personal_data;
  principal->may_write = grant.may_write;
}

bool IsSales(const Principal& principal) {
  return principal.authenticated && principal.role == Role::kSales;
}

std::string Who(const Principal& principal) {
  return absl::StrCat("principal ", principal.name, " (role ",
                      RoleName(principal.role), ")");
}

}  // namespace

Authorizer::Authorizer(Options options)
    : options_(std::move(options)),
      logger_(options_.logger ? options_.logger : spdlog::default_logger()) {}

Authorizer::~Authorizer() = default;

absl::StatusOr<std::unique_ptr<Authorizer>> Authorizer::Create(
    Options options) {
  std::unique_ptr<Authorizer> authorizer(new Authorizer(std::move(options)));
  if (authorizer->options_.tokens_file.empty()) return authorizer;
  if (!authorizer->options_.owner_of) {
    return absl::InvalidArgumentError(
        "Authorizer: owner_of is required with a tokens file");
  }
  auto store = internal::TokenStore::Open(authorizer->options_.tokens_file,
                                          authorizer->options_.reload_interval,
                                          authorizer->logger_);
  if (!store.ok()) return store.status();
  authorizer->tokens_ = *std::move(store);
  return authorizer;
}

absl::Status Authorizer::Deny(const Principal& principal,
                              absl::string_view method,
                              absl::string_view customer_id,
                              absl::Status status) const {
  const bool known = principal.authenticated || !enabled();
  logger_->info("denied {} to {} (role {}) from {}: {}", std::string(method),
                known ? principal.name : "(unauthenticated)",
                known ? std::string(RoleName(principal.role)) : "-",
                principal.peer, absl::StatusCodeToString(status.code()));
  logger_->debug("denial of {}: {}", std::string(method), status.ToString());
  if (options_.on_denied) {
    options_.on_denied(principal, method, customer_id, status);
  }
  return status;
}

absl::Status Authorizer::Authenticate(grpc::CallbackServerContext& context,
                                      absl::string_view method,
                                      Principal* principal) const {
  principal->authenticated = false;
  principal->role = Role::kAuditor;  // no grant until authenticated
  const std::string authorization = Header(context, "authorization");
  if (!authorization.empty()) {
    absl::string_view value = absl::StripAsciiWhitespace(authorization);
    if (value.size() < 7 ||
        !absl::EqualsIgnoreCase(value.substr(0, 7), "bearer ")) {
      return Deny(*principal, method, "",
                  absl::UnauthenticatedError(
                      "authorization metadata is not \"Bearer <token>\""));
    }
    const absl::string_view token =
        absl::StripLeadingAsciiWhitespace(value.substr(7));
    const size_t dot = token.find('.');
    if (dot == absl::string_view::npos || dot == 0 || dot + 1 == token.size()) {
      return Deny(*principal, method, "",
                  absl::UnauthenticatedError(
                      "malformed bearer token: expected <token_id>.<secret> as "
                      "printed by ledgerctl token create"));
    }
    const std::string id(token.substr(0, dot));
    const absl::string_view secret = token.substr(dot + 1);
    std::shared_ptr<const TokensFile> file = tokens_->Get();
    auto it = file->tokens.find(id);
    if (it == file->tokens.end()) {
      file = tokens_->Get(/*check_now=*/true);  // just created?
      it = file->tokens.find(id);
    }
    if (it == file->tokens.end()) {
      return Deny(*principal, method, "",
                  absl::UnauthenticatedError(absl::StrCat(
                      "unknown token id \"", id.substr(0, 64),
                      "\": not in the server's tokens file (mistyped, or "
                      "for another server?)")));
    }
    if (!SecretMatches(it->second.salt, secret, it->second.sha256)) {
      return Deny(*principal, method, "",
                  absl::UnauthenticatedError(absl::StrCat(
                      "token ", id, ": the secret does not match")));
    }
    if (!it->second.grant.revoked_at.empty()) {
      return Deny(
          *principal, method, "",
          absl::UnauthenticatedError(absl::StrCat(
              "token ", id, " was revoked at ", it->second.grant.revoked_at)));
    }
    ApplyGrant(it->second.grant, principal);
    principal->authenticated = true;
    return absl::OkStatus();
  }
  const std::shared_ptr<const grpc::AuthContext> auth = context.auth_context();
  if (auth != nullptr && auth->IsPeerAuthenticated()) {
    const std::vector<grpc::string_ref> names =
        auth->FindPropertyValues("x509_common_name");
    if (!names.empty()) {
      const std::string subject(names[0].data(), names[0].size());
      std::shared_ptr<const TokensFile> file = tokens_->Get();
      auto it = file->certs.find(subject);
      if (it == file->certs.end()) {
        return Deny(*principal, method, "",
                    absl::UnauthenticatedError(
                        absl::StrCat("client certificate CN \"", subject,
                                     "\" is not mapped to a principal: add a "
                                     "cert_subject= line to the tokens file")));
      }
      if (!it->second.revoked_at.empty()) {
        return Deny(*principal, method, "",
                    absl::UnauthenticatedError(absl::StrCat(
                        "client certificate CN \"", subject,
                        "\" was revoked at ", it->second.revoked_at)));
      }
      ApplyGrant(it->second, principal);
      principal->authenticated = true;
      return absl::OkStatus();
    }
  }
  return Deny(*principal, method, "",
              absl::UnauthenticatedError(
                  "no credentials: send \"authorization: Bearer <token>\" "
                  "metadata (ledgerctl --token or LEDGER_TOKEN) or a client "
                  "certificate"));
}

absl::StatusOr<Principal> Authorizer::Authorize(
    grpc::CallbackServerContext& context, absl::string_view method) const {
  Principal principal;
  principal.peer = context.peer();
  principal.purpose = Header(context, "x-ledger-purpose");
  principal.on_behalf_of = Header(context, "x-ledger-on-behalf-of");
  if (principal.purpose.size() > kMaxHeaderLength ||
      principal.on_behalf_of.size() > kMaxHeaderLength) {
    return absl::InvalidArgumentError(
        absl::StrCat("x-ledger-purpose and x-ledger-on-behalf-of metadata "
                     "may be at most ",
                     kMaxHeaderLength, " bytes"));
  }
  if (!enabled()) {
    principal.role = Role::kAdmin;
    principal.personal_data = true;
    principal.may_write = true;
  } else {
    if (absl::Status status = Authenticate(context, method, &principal);
        !status.ok()) {
      return status;
    }
  }
  const std::optional<Access> access =
      internal::AccessFor(method, principal.role);
  if (!access.has_value()) {
    return Deny(principal, method, "",
                absl::PermissionDeniedError(
                    absl::StrCat("no permission is defined for ", method)));
  }
  if (*access == Access::kDenied) {
    return Deny(principal, method, "",
                absl::PermissionDeniedError(absl::StrCat(
                    "role ", RoleName(principal.role), " may not call ", method,
                    " (", Who(principal), ")")));
  }
  if (*access == Access::kWithWriteGrant && !principal.may_write) {
    return Deny(principal, method, "",
                absl::PermissionDeniedError(absl::StrCat(
                    Who(principal), " has no write grant; ", method,
                    " needs write=true in its tokens-file entry")));
  }
  if (principal.authenticated && !principal.on_behalf_of.empty() &&
      principal.role != Role::kService) {
    return Deny(principal, method, "",
                absl::PermissionDeniedError(absl::StrCat(
                    "only role service may act on behalf of someone; ",
                    Who(principal), " sent x-ledger-on-behalf-of")));
  }
  return principal;
}

absl::StatusOr<bool> Authorizer::MayAccessCustomer(
    const Principal& principal, const std::string& customer_id) const {
  if (!IsSales(principal)) return true;
  absl::StatusOr<std::optional<std::string>> owner =
      options_.owner_of(customer_id);
  if (!owner.ok()) return owner.status();
  return owner->has_value() && **owner == principal.owner_id;
}

absl::Status Authorizer::CheckCustomer(const Principal& principal,
                                       absl::string_view method,
                                       const std::string& customer_id) const {
  if (!IsSales(principal)) return absl::OkStatus();
  if (customer_id.empty()) {
    return absl::InvalidArgumentError("customer_id: is required");
  }
  absl::StatusOr<bool> may = MayAccessCustomer(principal, customer_id);
  if (!may.ok()) return may.status();
  if (*may) return absl::OkStatus();
  return Deny(principal, method, customer_id,
              absl::PermissionDeniedError(absl::StrCat(
                  "customer \"", customer_id, "\" is not one of yours: ",
                  Who(principal), " may access only customers with owner_id ",
                  principal.owner_id)));
}

absl::Status Authorizer::ScopeOwnerFilter(const Principal& principal,
                                          absl::string_view method,
                                          std::string* owner_id) const {
  if (!IsSales(principal)) return absl::OkStatus();
  if (owner_id->empty()) {
    *owner_id = principal.owner_id;
    return absl::OkStatus();
  }
  if (*owner_id == principal.owner_id) return absl::OkStatus();
  return Deny(principal, method, "",
              absl::PermissionDeniedError(absl::StrCat(
                  "owner_id ", *owner_id, ": ", Who(principal),
                  " may list only its own customers (owner_id ",
                  principal.owner_id, "); leave the owner empty")));
}

absl::Status Authorizer::CheckSelf(const Principal& principal,
                                   absl::string_view method,
                                   std::string* actor) const {
  if (!IsSales(principal)) return absl::OkStatus();
  if (actor->empty()) {
    *actor = principal.name;
    return absl::OkStatus();
  }
  if (*actor == principal.name) return absl::OkStatus();
  return Deny(principal, method, "",
              absl::PermissionDeniedError(
                  absl::StrCat("actor ", *actor, ": ", Who(principal),
                               " may list only its own changes")));
}

absl::Status Authorizer::ApplyToMetadata(const Principal& principal,
                                         absl::string_view method,
                                         absl::string_view customer_id,
                                         v1::AppendMetadata* metadata) const {
  if (!principal.on_behalf_of.empty()) {
    if (metadata->on_behalf_of().empty()) {
      metadata->set_on_behalf_of(principal.on_behalf_of);
    } else if (metadata->on_behalf_of() != principal.on_behalf_of) {
      return absl::InvalidArgumentError(
          absl::StrCat("metadata.on_behalf_of \"", metadata->on_behalf_of(),
                       "\" differs from the x-ledger-on-behalf-of metadata \"",
                       principal.on_behalf_of, "\"; state one"));
    }
  }
  if (!principal.authenticated) return absl::OkStatus();
  if (metadata->actor().empty()) {
    metadata->set_actor(principal.name);
  } else if (metadata->actor() != principal.name) {
    return Deny(principal, method, customer_id,
                absl::PermissionDeniedError(
                    absl::StrCat("metadata.actor '", metadata->actor(),
                                 "' is not the authenticated principal '",
                                 principal.name, "'; leave it empty")));
  }
  if (!metadata->on_behalf_of().empty() && principal.role != Role::kService) {
    return Deny(principal, method, customer_id,
                absl::PermissionDeniedError(absl::StrCat(
                    "metadata.on_behalf_of: only role service may act on "
                    "behalf of someone; ",
                    Who(principal), " may not")));
  }
  return absl::OkStatus();
}

absl::Status Authorizer::CheckOwner(const Principal& principal,
                                    absl::string_view method,
                                    const std::string& customer_id,
                                    const std::optional<std::string>& owner,
                                    bool registers) const {
  if (owner.has_value() ? *owner == principal.owner_id : registers) {
    return absl::OkStatus();
  }
  return Deny(principal, method, customer_id,
              absl::PermissionDeniedError(absl::StrCat(
                  "customer \"", customer_id, "\" is not one of yours: ",
                  Who(principal), " may access only customers with owner_id ",
                  principal.owner_id)));
}

std::function<absl::Status(storage::StateWriter&)> Authorizer::StagedOwnerCheck(
    const Principal& principal, absl::string_view method,
    const v1::AppendRequest& request) const {
  const bool registers = request.events_size() > 0 &&
                         request.events(0).payload().has_customer_registered();
  return StagedCheck(principal, method, {request.customer_id()}, registers);
}

std::function<absl::Status(storage::StateWriter&)> Authorizer::StagedMergeCheck(
    const Principal& principal, absl::string_view method,
    const v1::MergeCustomersRequest& request) const {
  return StagedCheck(principal, method,
                     {request.survivor_id(), request.merged_id()},
                     /*registers=*/false);
}

std::function<absl::Status(storage::StateWriter&)> Authorizer::StagedCheck(
    const Principal& principal, absl::string_view method,
    std::vector<std::string> customer_ids, bool registers) const {
  if (!IsSales(principal)) return nullptr;
  return [this, principal, method = std::string(method),
          ids = std::move(customer_ids),
          registers](storage::StateWriter& state) -> absl::Status {
    for (const std::string& id : ids) {
      absl::StatusOr<std::optional<std::string>> owner =
          internal::OwnerInState(state, id);
      if (!owner.ok()) return owner.status();
      LEDGER_RETURN_IF_ERROR(
          CheckOwner(principal, method, id, *owner, registers));
    }
    return absl::OkStatus();
  };
}

absl::Status Authorizer::AuthorizeAppend(const Principal& principal,
                                         absl::string_view method,
                                         const v1::AppendRequest& request,
                                         v1::AppendMetadata* metadata) const {
  *metadata = request.metadata();
  if (absl::Status status =
          ApplyToMetadata(principal, method, request.customer_id(), metadata);
      !status.ok()) {
    return status;
  }
  if (!IsSales(principal)) return absl::OkStatus();
  const std::string& id = request.customer_id();
  absl::StatusOr<std::optional<std::string>> owner = options_.owner_of(id);
  if (!owner.ok()) return owner.status();
  const bool registers = request.events_size() > 0 &&
                         request.events(0).payload().has_customer_registered();
  if (absl::Status checked =
          CheckOwner(principal, method, id, *owner, registers);
      !checked.ok()) {
    return checked;
  }
  for (int i = 0; i < request.events_size(); ++i) {
    const v1::EventPayload& payload = request.events(i).payload();
    if (payload.has_customer_registered() &&
        payload.customer_registered().owner_id() != principal.owner_id) {
      return Deny(
          principal, method, id,
          absl::PermissionDeniedError(absl::StrCat(
              "events[", i, "].customer_registered.owner_id: ", Who(principal),
              " registers customers as their owner; "
              "set owner_id to ",
              principal.owner_id)));
    }
    if (payload.has_owner_assigned() &&
        payload.owner_assigned().owner_id() != principal.owner_id) {
      return Deny(principal, method, id,
                  absl::PermissionDeniedError(absl::StrCat(
                      "events[", i, "].owner_assigned: ", Who(principal),
                      " may not hand customer \"", id,
                      "\" to another owner; ask a manager")));
    }
  }
  return absl::OkStatus();
}

}  // namespace ledger::services
