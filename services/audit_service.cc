#include "services/audit_service.h"

#include <utility>

#include "services/access_log.h"
#include "services/disclosure.h"
#include "services/grpc_status.h"
#include "services/internal/audit_queries.h"
#include "storage/status_macros.h"

namespace ledger::services {

namespace v1 = ::ledger::v1;

namespace {

constexpr char kGetFieldHistory[] = "/ledger.v1.Audit/GetFieldHistory";
constexpr char kListChangesByActor[] = "/ledger.v1.Audit/ListChangesByActor";
constexpr char kListAccess[] = "/ledger.v1.Audit/ListAccess";

}  // namespace

AuditService::AuditService(storage::EventLog* log, AccessLog* access_log,
                           const Authorizer* authorizer,
                           const ServiceLimits& limits,
                           std::shared_ptr<spdlog::logger> logger,
                           const projections::PayloadOpener* opener)
    : log_(log),
      access_log_(access_log),
      auth_(authorizer),
      opener_(opener),
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
  return Finish(context, "GetFieldHistory", [&]() -> absl::Status {
    LEDGER_ASSIGN_OR_RETURN(const Principal principal,
                            auth_->Authorize(*context, kGetFieldHistory));
    LEDGER_RETURN_IF_ERROR(auth_->CheckCustomer(principal, kGetFieldHistory,
                                                request->customer_id()));
    // Each old and new value is a profile holding only that field: mask it,
    // or note it as shown.
    Disclosure disclosure(access_log_, principal, kGetFieldHistory);
    LEDGER_RETURN_IF_ERROR(internal::GetFieldHistory(
        *log_, *request, response,
        [&](v1::CustomerProfile* holder) {
          disclosure.Add(request->customer_id(), holder);
        },
        opener_));
    return disclosure.Commit();
  }());
}

grpc::ServerUnaryReactor* AuditService::ListChangesByActor(
    grpc::CallbackServerContext* context,
    const v1::ListChangesByActorRequest* request,
    v1::ListChangesByActorResponse* response) {
  return Finish(context, "ListChangesByActor", [&]() -> absl::Status {
    LEDGER_ASSIGN_OR_RETURN(const Principal principal,
                            auth_->Authorize(*context, kListChangesByActor));
    std::string actor = request->actor();
    LEDGER_RETURN_IF_ERROR(
        auth_->CheckSelf(principal, kListChangesByActor, &actor));
    if (actor == request->actor()) {
      return internal::ListChangesByActor(*log_, *request, limits_, response);
    }
    v1::ListChangesByActorRequest scoped = *request;
    scoped.set_actor(actor);
    return internal::ListChangesByActor(*log_, scoped, limits_, response);
  }());
}

grpc::ServerUnaryReactor* AuditService::ListAccess(
    grpc::CallbackServerContext* context, const v1::ListAccessRequest* request,
    v1::ListAccessResponse* response) {
  return Finish(context, "ListAccess", [&]() -> absl::Status {
    LEDGER_RETURN_IF_ERROR(auth_->Authorize(*context, kListAccess).status());
    LEDGER_ASSIGN_OR_RETURN(*response,
                            access_log_->List(*request, limits_.max_read_page));
    return absl::OkStatus();
  }());
}

}  // namespace ledger::services
