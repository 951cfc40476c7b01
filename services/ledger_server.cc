#include "services/ledger_server.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/health_check_service_interface.h"
#include "projections/classification_rules.h"
#include "projections/customer_keys.h"
#include "projections/customer_projector.h"
#include "services/admin_service.h"
#include "services/customer_query_service.h"
#include "services/internal/rule_sweep.h"
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

}  // namespace

absl::StatusOr<std::unique_ptr<LedgerServer>> LedgerServer::Start(
    const ServerOptions& options) {
  std::unique_ptr<LedgerServer> server(new LedgerServer());
  server->options_ = options;
  server->logger_ = options.logger ? options.logger : spdlog::default_logger();

  // The master keys first: a bad key file stops the start before the data
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
  log_options.logger = server->logger_;
  server->projector_ =
      std::make_unique<projections::CustomerProjector>(server->vault_.get());
  log_options.state_families = projections::CustomerStateFamilies();
  log_options.projector = server->projector_.get();
  LEDGER_ASSIGN_OR_RETURN(server->log_, storage::EventLog::Open(log_options));
  server->vault_->AttachLog(server->log_.get());
  LEDGER_RETURN_IF_ERROR(server->RebuildIfNeeded());
  if (options.install_default_rules) {
    LEDGER_RETURN_IF_ERROR(server->InstallDefaultRules());
  }

  // Polls often enough that live subscribers see commits promptly even if a
  // notification races with a park; commits also wake it directly.
  server->hub_ = std::make_unique<SubscriptionHub>(absl::Milliseconds(100));
  SubscriptionHub* hub = server->hub_.get();
  server->log_->AddCommitListener([hub](uint64_t) { hub->NotifyCommitted(); });
  server->service_ =
      std::make_unique<LedgerService>(server->log_.get(), hub, options.limits,
                                      server->logger_, server->vault_.get());
  server->query_service_ = std::make_unique<CustomerQueryService>(
      server->log_.get(), options, server->logger_, server->vault_.get());
  server->admin_service_ = std::make_unique<AdminService>(
      server->log_.get(), server->logger_, server->vault_.get());
  server->sweeper_ = std::make_unique<internal::RuleSweeper>(
      server->log_.get(), options.limits, options.rule_sweep_interval,
      server->logger_);
  server->rules_service_ =
      std::make_unique<RulesService>(server->log_.get(), server->sweeper_.get(),
                                     options.limits, server->logger_);
  server->reports_service_ =
      std::make_unique<ReportsService>(server->log_.get(), server->logger_);

  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  // A second server on the same port must fail, not silently share it.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  builder.AddListeningPort(options.listen_address,
                           grpc::InsecureServerCredentials(), &server->port_);
  builder.RegisterService(server->service_.get());
  builder.RegisterService(server->query_service_.get());
  builder.RegisterService(server->admin_service_.get());
  builder.RegisterService(server->rules_service_.get());
  builder.RegisterService(server->reports_service_.get());
  // Leave room above the append limit so oversized appends reach our own
  // check, which explains the limit, instead of gRPC's generic one.
  builder.SetMaxReceiveMessageSize(
      static_cast<int>(options.limits.max_append_bytes + (4 << 20)));
  server->server_ = builder.BuildAndStart();
  if (server->server_ == nullptr || server->port_ == 0) {
    server->reports_service_->Stop();
    server->vault_->Stop();
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
  server->logger_->info(
      "customer-ledgerd {} listening on {} (port {}), data dir {}, {} events, "
      "head {}, sync={}",
      LEDGER_VERSION, options.listen_address, server->port_, options.data_dir,
      server->log_->head().position,
      storage::HexDigest(server->log_->head().hash).substr(0, 16),
      options.sync ? "on" : "OFF");
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
  vault_->Stop();  // a running purge of destroyed keys finishes first
  log_->Shutdown();
  logger_->info("stopped cleanly at position {}", log_->last_position());
}

}  // namespace ledger::services
