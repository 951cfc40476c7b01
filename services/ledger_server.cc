#include "services/ledger_server.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/health_check_service_interface.h"
#include "projections/classification_rules.h"
#include "projections/customer_keys.h"
#include "projections/customer_projector.h"
#include "services/access_log.h"
#include "services/admin_service.h"
#include "services/audit_service.h"
#include "services/authorizer.h"
#include "services/customer_query_service.h"
#include "services/disclosure.h"
#include "services/integrity_service.h"
#include "services/internal/customer_owner.h"
#include "services/internal/digest_signer.h"
#include "services/internal/listen_address.h"
#include "services/internal/rule_sweep.h"
#include "services/internal/server_credentials.h"
#include "services/key_vault.h"
#include "services/ledger_service.h"
#include "services/master_key_file.h"
#include "services/reports_service.h"
#include "services/request_validation.h"
#include "services/rules_service.h"
#include "services/subscription_hub.h"
#include "spdlog/spdlog.h"
#include "storage/event_log.h"
#include "storage/hash_chain.h"
#include "storage/status_macros.h"

namespace ledger::services {

namespace {

namespace v1 = ::ledger::v1;

constexpr char kLedgerServiceName[] = "ledger.v1.Ledger";
constexpr char kCustomerQueryServiceName[] = "ledger.v1.CustomerQuery";
constexpr char kReportsServiceName[] = "ledger.v1.Reports";
constexpr char kAuditServiceName[] = "ledger.v1.Audit";
constexpr char kIntegrityServiceName[] = "ledger.v1.Integrity";
constexpr char kDefaultSigningKeyFile[] = "signing-key.pem";

}  // namespace

absl::StatusOr<std::unique_ptr<LedgerServer>> LedgerServer::Start(
    const ServerOptions& options) {
  std::unique_ptr<LedgerServer> server(new LedgerServer());
  server->options_ = options;
  server->logger_ = options.logger ? options.logger : spdlog::default_logger();
  // Security first: a refused configuration must not touch the data.
  LEDGER_ASSIGN_OR_RETURN(std::shared_ptr<grpc::ServerCredentials> credentials,
                          internal::MakeServerCredentials(options));

  // The key first: a refused key file must not wait for a backfill or a
  // rebuild.
  const std::string signing_key_file =
      options.signing_key_file.empty()
          ? absl::StrCat(options.data_dir, "/", kDefaultSigningKeyFile)
          : options.signing_key_file;
  LEDGER_ASSIGN_OR_RETURN(
      server->signer_,
      internal::DigestSigner::LoadOrCreate(signing_key_file, *server->logger_));

  // The master keys too: a bad key file stops the start before the data
  // is touched.
  const std::string key_file = options.master_key_file.empty()
                                   ? options.data_dir + "/master.key"
                                   : options.master_key_file;
  LEDGER_ASSIGN_OR_RETURN(
      std::vector<MasterKey> master_keys,
      LoadMasterKeyFile(key_file, options.master_key_file.empty(),
                        *server->logger_));
  LEDGER_ASSIGN_OR_RETURN(
      server->vault_,
      KeyVault::Create(key_file, std::move(master_keys), options.key_cache_size,
                       server->logger_));

  storage::EventLogOptions log_options;
  log_options.path = options.data_dir;
  log_options.sync = options.sync;
  log_options.block_cache_bytes = options.block_cache_mb << 20;
  log_options.max_wal_bytes = options.max_wal_mb << 20;
  log_options.logger = server->logger_;
  server->projector_ =
      std::make_unique<projections::CustomerProjector>(server->vault_.get());
  log_options.state_families = projections::CustomerStateFamilies();
  log_options.projector = server->projector_.get();
  LEDGER_ASSIGN_OR_RETURN(server->log_, storage::EventLog::Open(log_options));
  server->vault_->AttachLog(server->log_.get());
  AccessLogOptions access_options;
  access_options.path = options.access_log_dir.empty()
                            ? absl::StrCat(options.data_dir, "/access-log")
                            : options.access_log_dir;
  access_options.sync = options.sync;
  access_options.logger = server->logger_;
  LEDGER_ASSIGN_OR_RETURN(server->access_log_, AccessLog::Open(access_options));
  Authorizer::Options auth_options;
  auth_options.tokens_file = options.tokens_file;
  // Refused calls go to the access log (and to the option's sink, if any).
  auth_options.on_denied =
      [access = server->access_log_.get(), extra = options.on_access_denied](
          const Principal& principal, absl::string_view method,
          absl::string_view customer_id, const absl::Status& status) {
        RecordDenial(access, principal, method, customer_id, status);
        if (extra) extra(principal, method, customer_id, status);
      };
  auth_options.logger = server->logger_;
  storage::EventLog* log = server->log_.get();
  auth_options.owner_of = [log](const std::string& customer_id) {
    return internal::CurrentOwner(*log, customer_id);
  };
  absl::StatusOr<std::unique_ptr<Authorizer>> authorizer =
      Authorizer::Create(std::move(auth_options));
  if (!authorizer.ok()) {
    server->log_->Shutdown();
    return authorizer.status();
  }
  server->authorizer_ = *std::move(authorizer);
  const Authorizer* auth = server->authorizer_.get();
  LEDGER_RETURN_IF_ERROR(server->RebuildIfNeeded());
  if (options.install_default_rules) {
    LEDGER_RETURN_IF_ERROR(server->InstallDefaultRules());
  }

  // Polls often enough that live subscribers see commits promptly even if a
  // notification races with a park; commits also wake it directly.
  server->hub_ = std::make_unique<SubscriptionHub>(absl::Milliseconds(100));
  SubscriptionHub* hub = server->hub_.get();
  server->log_->AddCommitListener([hub](uint64_t) { hub->NotifyCommitted(); });
  server->service_ = std::make_unique<LedgerService>(
      server->log_.get(), hub, auth, server->access_log_.get(), options.limits,
      server->logger_, server->vault_.get());
  server->query_service_ = std::make_unique<CustomerQueryService>(
      server->log_.get(), auth, server->access_log_.get(), options,
      server->logger_, server->vault_.get());
  server->admin_service_ = std::make_unique<AdminService>(
      server->log_.get(), auth, server->logger_, server->vault_.get());
  server->sweeper_ = std::make_unique<internal::RuleSweeper>(
      server->log_.get(), options.limits, options.rule_sweep_interval,
      server->logger_);
  server->rules_service_ =
      std::make_unique<RulesService>(server->log_.get(), server->sweeper_.get(),
                                     auth, options.limits, server->logger_);
  server->reports_service_ = std::make_unique<ReportsService>(
      server->log_.get(), auth, server->logger_);
  server->audit_service_ = std::make_unique<AuditService>(
      server->log_.get(), server->access_log_.get(), auth, options.limits,
      server->logger_, server->vault_.get());
  server->integrity_service_ = std::make_unique<IntegrityService>(
      server->log_.get(), server->signer_.get(), auth, server->logger_);

  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  // A second server on the same port must fail, not silently share it.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  builder.AddListeningPort(options.listen_address, credentials, &server->port_);
  builder.RegisterService(server->service_.get());
  builder.RegisterService(server->query_service_.get());
  builder.RegisterService(server->admin_service_.get());
  builder.RegisterService(server->rules_service_.get());
  builder.RegisterService(server->reports_service_.get());
  builder.RegisterService(server->audit_service_.get());
  builder.RegisterService(server->integrity_service_.get());
  // Leave room above the append limit so oversized appends reach our own
  // check, which explains the limit, instead of gRPC's generic one.
  builder.SetMaxReceiveMessageSize(
      static_cast<int>(options.limits.max_append_bytes + (4 << 20)));
  server->server_ = builder.BuildAndStart();
  if (server->server_ == nullptr || server->port_ == 0) {
    server->reports_service_->Stop();
    server->vault_->Stop();
    server->access_log_->Shutdown();
    server->log_->Shutdown();
    return absl::UnavailableError(
        absl::StrCat("cannot listen on ", options.listen_address,
                     " (address in use or not local?)"));
  }
  server->server_->GetHealthCheckService()->SetServingStatus(kLedgerServiceName,
                                                             true);
  server->server_->GetHealthCheckService()->SetServingStatus(
      kCustomerQueryServiceName, true);
  server->server_->GetHealthCheckService()->SetServingStatus(
      kReportsServiceName, true);
  server->server_->GetHealthCheckService()->SetServingStatus(kAuditServiceName,
                                                             true);
  server->server_->GetHealthCheckService()->SetServingStatus(
      kIntegrityServiceName, true);
  server->logger_->info(
      "customer-ledgerd {} listening on {} (port {}, {}), data dir {}, {} "
      "events, head {}, sync={}",
      LEDGER_VERSION, options.listen_address, server->port_,
      options.tls_cert_file.empty() ? "plaintext" : "TLS", options.data_dir,
      server->log_->head().position,
      storage::HexDigest(server->log_->head().hash).substr(0, 16),
      options.sync ? "on" : "OFF");
  if (!auth->enabled()) {
    server->logger_->warn(
        "running WITHOUT AUTHENTICATION (no --tokens-file): every caller "
        "on this machine is an unnamed admin and events keep the actor the "
        "client states; serving loopback only");
  } else {
    server->logger_->info(
        "authentication on: tokens file {}{}", options.tokens_file,
        options.tls_client_ca_file.empty() ? ""
                                           : ", client certificates mapped");
    if (options.tls_cert_file.empty() &&
        !internal::IsLoopbackAddress(options.listen_address)) {
      server->logger_->warn(
          "bearer tokens travel in PLAINTEXT on {}: configure --tls-cert "
          "and --tls-key",
          options.listen_address);
    }
  }
  if (!options.sync) {
    server->logger_->warn(
        "SYNC IS OFF (--sync=false): acknowledged appends are NOT durable "
        "and can be lost on power failure or kernel crash. Use only for bulk "
        "loads, then restart with --sync=true.");
  }
  return server;
}

absl::Status LedgerServer::RebuildIfNeeded() {
  LEDGER_ASSIGN_OR_RETURN(std::string stored, log_->StoredStateVersion());
  const std::string wanted = projections::kCustomerProjectionVersion;
  if (stored == wanted && !options_.rebuild_projections)
    return absl::OkStatus();
  if (options_.rebuild_projections) {
    logger_->info("rebuilding projections {} (--rebuild-projections)", wanted);
  } else if (stored.empty()) {
    logger_->info("building projections {} from the log", wanted);
  } else {
    logger_->warn("projection version changed (stored {}, code {}): rebuilding",
                  stored, wanted);
  }
  const absl::Time start = absl::Now();
  projections::CustomerProjector rebuild_projector(vault_.get());
  LEDGER_RETURN_IF_ERROR(log_->RebuildState(
      rebuild_projector, wanted,
      [&](uint64_t position, uint64_t head) {
        const double seconds = absl::ToDoubleSeconds(absl::Now() - start);
        logger_->info("rebuild: {}/{} events ({:.0f} events/s)", position, head,
                      seconds > 0 ? position / seconds : 0.0);
      },
      options_.stop_requested));
  const double seconds = absl::ToDoubleSeconds(absl::Now() - start);
  logger_->info("projections rebuilt: {} events in {:.2f} s",
                log_->last_position(), seconds);
  return absl::OkStatus();
}

absl::Status LedgerServer::InstallDefaultRules() {
  LEDGER_ASSIGN_OR_RETURN(std::optional<storage::StreamHead> head,
                          log_->GetStreamHead(projections::kRulesStream));
  if (head.has_value()) return absl::OkStatus();
  v1::AppendRequest append;
  append.set_customer_id(projections::kRulesStream);
  append.set_request_id("default-classification-rules/1");
  append.mutable_metadata()->set_actor("customer-ledgerd");
  append.mutable_metadata()->set_reason(
      "default classification rules (README: Classification rules)");
  for (const v1::ClassificationRule& rule : projections::DefaultRules()) {
    *append.add_events()
         ->mutable_payload()
         ->mutable_classification_rule_saved()
         ->mutable_rule() = rule;
  }
  LEDGER_ASSIGN_OR_RETURN(
      storage::AppendRequest request,
      ValidateRulesAppend(append, options_.limits, absl::Now()));
  LEDGER_RETURN_IF_ERROR(log_->Append(std::move(request)).status());
  logger_->info("saved {} default classification rules", append.events_size());
  return absl::OkStatus();
}

LedgerServer::~LedgerServer() { Shutdown(); }

std::string LedgerServer::address() const {
  return absl::StrCat("127.0.0.1:", port_);
}

void LedgerServer::Shutdown() {
  {
    absl::MutexLock lock(&mu_);
    if (shut_down_) return;
    shut_down_ = true;
  }
  if (server_ == nullptr) {  // Start failed before serving (e.g. cancelled)
    if (vault_ != nullptr) vault_->Stop();
    if (access_log_ != nullptr) access_log_->Shutdown();
    if (log_ != nullptr) log_->Shutdown();
    return;
  }
  logger_->info(
      "shutting down: ending subscriptions, finishing in-flight calls");
  server_->GetHealthCheckService()->SetServingStatus(false);
  hub_->Shutdown();
  // A rebuild would hold the shutdown for its whole length; the current
  // projections stay valid, so stop it.
  admin_service_->Stop();
  sweeper_->Stop();  // a running sweep ends its call with CANCELLED
  server_->Shutdown(std::chrono::system_clock::now() +
                    absl::ToChronoMicroseconds(options_.shutdown_grace));
  server_->Wait();
  // Every report call has finished by now: join the report threads.
  reports_service_->Stop();
  admin_service_->WaitForRebuild();
  vault_->Stop();           // a running purge of destroyed keys finishes first
  access_log_->Shutdown();  // writes the access records still queued
  log_->Shutdown();
  logger_->info("stopped cleanly at position {}", log_->last_position());
}

}  // namespace ledger::services
