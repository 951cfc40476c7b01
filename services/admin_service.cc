#include "services/admin_service.h"

#include <utility>

#include "projections/customer_projector.h"
#include "services/grpc_status.h"

namespace ledger::services {

namespace v1 = ::ledger::v1;

namespace {

constexpr char kRebuildProjections[] = "/ledger.v1.Admin/RebuildProjections";
constexpr char kRotateMasterKey[] = "/ledger.v1.Admin/RotateMasterKey";
constexpr char kCancelRebuildProjections[] =
    "/ledger.v1.Admin/CancelRebuildProjections";

}  // namespace

AdminService::AdminService(storage::EventLog* log, const Authorizer* authorizer,
                           std::shared_ptr<spdlog::logger> logger,
                           KeyVault* vault)
    : log_(log), auth_(authorizer), vault_(vault), logger_(std::move(logger)) {}

AdminService::~AdminService() { WaitForRebuild(); }

void AdminService::WaitForRebuild() {
  std::thread worker;
  {
    absl::MutexLock lock(&mu_);
    worker = std::move(worker_);
  }
  if (worker.joinable()) worker.join();
}

grpc::ServerUnaryReactor* AdminService::RebuildProjections(
    grpc::CallbackServerContext* context,
    const v1::RebuildProjectionsRequest* request,
    v1::RebuildProjectionsResponse* response) {
  (void)request;
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  if (const absl::StatusOr<Principal> principal =
          auth_->Authorize(*context, kRebuildProjections);
      !principal.ok()) {
    reactor->Finish(
        ReportStatus(*logger_, "RebuildProjections", principal.status()));
    return reactor;
  }
  absl::MutexLock lock(&mu_);
  if (stopping_) {
    reactor->Finish(
        ReportStatus(*logger_, "RebuildProjections",
                     absl::UnavailableError("the server is shutting down")));
    return reactor;
  }
  if (running_) {
    reactor->Finish(ReportStatus(
        *logger_, "RebuildProjections",
        absl::FailedPreconditionError(
            "a projection rebuild is already running; wait for it")));
    return reactor;
  }
  running_ = true;
  cancel_ = false;
  if (worker_.joinable()) worker_.join();  // the previous, finished one
  worker_ = std::thread([this, reactor, response] {
    const std::string version = projections::kCustomerProjectionVersion;
    logger_->info("online rebuild of projections {} started", version);
    const absl::Time start = absl::Now();
    projections::CustomerProjector projector(vault_);
    absl::Status status = log_->RebuildState(
        projector, version,
        [&](uint64_t position, uint64_t target) {
          logger_->info("rebuild: {}/{} events", position, target);
        },
        &cancel_);
    const double seconds = absl::ToDoubleSeconds(absl::Now() - start);
    if (absl::IsCancelled(status)) {
      logger_->warn("online rebuild cancelled: {}",
                    std::string(status.message()));
    }
    if (status.ok()) {
      response->set_head_position(log_->GetStateView()->position());
      response->set_version(version);
      response->set_seconds(seconds);
      logger_->info("online rebuild done in {:.2f} s", seconds);
    }
    {
      absl::MutexLock lock(&mu_);
      running_ = false;
    }
    reactor->Finish(ReportStatus(*logger_, "RebuildProjections", status));
  });
  return reactor;
}

void AdminService::Stop() {
  absl::MutexLock lock(&mu_);
  stopping_ = true;
  cancel_ = true;
}

bool AdminService::CancelRebuild() {
  absl::MutexLock lock(&mu_);
  if (!running_) return false;
  cancel_ = true;
  return true;
}

grpc::ServerUnaryReactor* AdminService::CancelRebuildProjections(
    grpc::CallbackServerContext* context,
    const v1::CancelRebuildProjectionsRequest* request,
    v1::CancelRebuildProjectionsResponse* response) {
  (void)request;
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  if (const absl::StatusOr<Principal> principal =
          auth_->Authorize(*context, kCancelRebuildProjections);
      !principal.ok()) {
    reactor->Finish(
        ReportStatus(*logger_, "CancelRebuildProjections", principal.status()));
    return reactor;
  }
  response->set_was_running(CancelRebuild());
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

}  // namespace ledger::services

namespace ledger::services {

grpc::ServerUnaryReactor* AdminService::RotateMasterKey(
    grpc::CallbackServerContext* context,
    const v1::RotateMasterKeyRequest* request,
    v1::RotateMasterKeyResponse* response) {
  (void)request;
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  absl::Status status = auth_->Authorize(*context, kRotateMasterKey).status();
  if (status.ok() && vault_ == nullptr) {
    status = absl::FailedPreconditionError(
        "this server keeps no customer keys (no key vault)");
  }
  if (status.ok()) {
    absl::StatusOr<KeyVault::Rotation> rotation = vault_->RotateMasterKey();
    status = rotation.status();
    if (rotation.ok()) {
      response->set_master_key_id(rotation->master_key_id);
      response->set_rewrapped(rotation->rewrapped);
      response->set_already_current(rotation->already_current);
    }
  }
  reactor->Finish(ReportStatus(*logger_, "RotateMasterKey", status));
  return reactor;
}

}  // namespace ledger::services
