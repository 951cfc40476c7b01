#include "services/audit_service.h"

#include <utility>

#include "services/grpc_status.h"
#include "services/internal/audit_queries.h"

namespace ledger::services {

namespace v1 = ::ledger::v1;

AuditService::AuditService(storage::EventLog* log, const ServiceLimits& limits,
                           std::shared_ptr<spdlog::logger> logger)
    : log_(log), limits_(limits), logger_(std::move(logger)) {}

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
  (void)request;
  (void)response;
  return Finish(context, "ListAccess",
                absl::UnimplementedError(
                    "ListAccess is not implemented yet: the access log "
                    "arrives with authentication (issue 5)"));
}

}  // namespace ledger::services
