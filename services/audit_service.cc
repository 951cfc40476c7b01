#include "services/audit_service.h"

#include <utility>

#include "services/access_log.h"
#include "services/grpc_status.h"
#include "services/internal/audit_queries.h"

namespace ledger::services {

namespace v1 = ::ledger::v1;

AuditService::AuditService(storage::EventLog* log, AccessLog* access_log,
                           const ServiceLimits& limits,
                           std::shared_ptr<spdlog::logger> logger)
    : log_(log),
      access_log_(access_log),
      limits_(limits),
      logger_(std::move(logger)) {}

grpc::ServerUnaryReactor* AuditService::Finish(
    grpc::CallbackServerContext* context, const char* rpc,
    const absl::Status& status) const {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(ReportStatus(*logger_, rpc, status));
  return reactor;
}

grpc::ServerUnaryReactor* AuditService::GetFieldHistory(
    grpc::CallbackServerContext* context,
    const v1::GetFieldHistoryRequest* request,
    v1::GetFieldHistoryResponse* response) {
  return Finish(context, "GetFieldHistory",
                internal::GetFieldHistory(*log_, *request, response));
}

grpc::ServerUnaryReactor* AuditService::ListChangesByActor(
    grpc::CallbackServerContext* context,
    const v1::ListChangesByActorRequest* request,
    v1::ListChangesByActorResponse* response) {
  return Finish(
      context, "ListChangesByActor",
      internal::ListChangesByActor(*log_, *request, limits_, response));
}

grpc::ServerUnaryReactor* AuditService::ListAccess(
    grpc::CallbackServerContext* context, const v1::ListAccessRequest* request,
    v1::ListAccessResponse* response) {
  absl::StatusOr<v1::ListAccessResponse> page =
      access_log_->List(*request, limits_.max_read_page);
  if (page.ok()) *response = *std::move(page);
  return Finish(context, "ListAccess", page.status());
}

}  // namespace ledger::services
