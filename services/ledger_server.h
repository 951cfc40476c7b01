#ifndef LEDGER_SERVICES_LEDGER_SERVER_H_
#define LEDGER_SERVICES_LEDGER_SERVER_H_

#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "grpcpp/grpcpp.h"
#include "services/server_options.h"

namespace ledger::storage {
class EventLog;
class Projector;
}  // namespace ledger::storage

namespace ledger::services {

class AccessLog;
class AdminService;
class AuditService;
class Authorizer;
class KeyVault;
class CustomerQueryService;
class IntegrityService;
class LedgerService;
class RulesService;
class ReportsService;
class SubscriptionHub;
namespace internal {
class DigestSigner;
class RuleSweeper;
}  // namespace internal

// A running customer-ledgerd: the event log, the gRPC services (Ledger,
// CustomerQuery, Reports, Audit, Integrity, Admin, health, reflection) and the
// subscription hub, wired together. Used by the daemon's main and by in-process
// tests.
//
// Thread-safe.
class LedgerServer {
 public:
  // Opens the log, rebuilds the projections if needed and starts serving.
  // FAILED_PRECONDITION for a non-loopback listen address without a tokens
  // file, security options that do not fit together, or a tokens file or
  // PEM file that cannot be used (internal/server_credentials.h,
  // tokens_file.h); INVALID_ARGUMENT naming the line of a malformed tokens
  // file. FAILED_PRECONDITION/UNAVAILABLE if the data directory cannot be
  // opened or the signing key file is unusable (e.g. readable by others);
  // UNAVAILABLE if the address cannot be bound; CANCELLED if
  // options.stop_requested became true during a start-up rebuild.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<LedgerServer>> Start(
      const ServerOptions& options);

  // Shuts down if still running.
  ~LedgerServer();

  LedgerServer(const LedgerServer&) = delete;
  LedgerServer& operator=(const LedgerServer&) = delete;

  // Stops accepting calls, ends subscriptions, lets in-flight calls finish
  // (up to shutdown_grace), drains queued appends and closes the log.
  // Idempotent.
  void Shutdown();

  int port() const { return port_; }
  // "127.0.0.1:<port>" style address clients can dial.
  std::string address() const;
  storage::EventLog* log() const { return log_.get(); }
  AccessLog* access_log() const { return access_log_.get(); }
  const Authorizer& authorizer() const { return *authorizer_; }
  KeyVault* key_vault() const { return vault_.get(); }

 private:
  LedgerServer() = default;
  // Rebuilds the projections when their stored version is not the code's,
  // or when asked to.
  [[nodiscard]] absl::Status RebuildIfNeeded();
  // Saves the default classification rules when the rules stream is empty.
  [[nodiscard]] absl::Status InstallDefaultRules();

  // Constant after Start().
  ServerOptions options_;
  int port_ = 0;
  std::shared_ptr<spdlog::logger> logger_;
  // Declared before the projector and the log, which use it: destroyed
  // after them.
  std::unique_ptr<KeyVault> vault_;
  std::unique_ptr<storage::Projector> projector_;  // outlives log_
  std::unique_ptr<storage::EventLog> log_;
  std::unique_ptr<AccessLog> access_log_;
  std::unique_ptr<Authorizer> authorizer_;
  std::unique_ptr<SubscriptionHub> hub_;
  std::unique_ptr<LedgerService> service_;
  std::unique_ptr<CustomerQueryService> query_service_;
  std::unique_ptr<AdminService> admin_service_;
  std::unique_ptr<internal::RuleSweeper> sweeper_;
  std::unique_ptr<RulesService> rules_service_;
  std::unique_ptr<ReportsService> reports_service_;
  std::unique_ptr<AuditService> audit_service_;
  std::unique_ptr<internal::DigestSigner> signer_;
  std::unique_ptr<IntegrityService> integrity_service_;
  std::unique_ptr<grpc::Server> server_;

  absl::Mutex mu_;
  bool shut_down_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace ledger::services

#endif  // LEDGER_SERVICES_LEDGER_SERVER_H_
