#include "services/reports_service.h"

#include <chrono>
#include <utility>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "services/grpc_status.h"

namespace ledger::services {

namespace v1 = ::ledger::v1;

namespace {

// Reports slower than this are logged at info level (with no customer data).
constexpr absl::Duration kSlowReport = absl::Seconds(1);

}  // namespace

ReportsService::ReportsService(storage::EventLog* log,
                               const Authorizer* authorizer,
                               std::shared_ptr<spdlog::logger> logger)
    : log_(log),
      auth_(authorizer),
      logger_(std::move(logger)),
      runner_(kReportThreads, kMaxWaitingReports) {}

ReportsService::~ReportsService() { Stop(); }

void ReportsService::Stop() { runner_.Stop(); }

template <typename Request, typename Response, typename Report>
grpc::ServerUnaryReactor* ReportsService::Run(
    grpc::CallbackServerContext* context, const char* rpc, const char* method,
    const Request* request, Response* response, Report report) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  const absl::StatusOr<Principal> principal =
      auth_->Authorize(*context, method);
  absl::Status status = principal.status();
  if (status.ok()) status = internal::CheckRequest(*request);
  if (status.ok()) {
    status = runner_.Submit([this, context, rpc, request, response, report,
                             reactor]() {
      internal::ReportControl control([this, context]() -> absl::Status {
        if (runner_.stopping()) {
          return absl::UnavailableError(
              "the server is shutting down; run the report again later");
        }
        if (context->IsCancelled() ||
            std::chrono::system_clock::now() > context->deadline()) {
          return absl::CancelledError(
              "the report was cancelled or its deadline passed");
        }
        return absl::OkStatus();
      });
      const absl::Time start = absl::Now();
      const absl::Status result = report(*log_, *request, control, response);
      const absl::Duration took = absl::Now() - start;
      if (took >= kSlowReport) {
        logger_->info("{} took {:.2f} s", rpc, absl::ToDoubleSeconds(took));
      } else {
        logger_->debug("{} took {:.3f} s", rpc, absl::ToDoubleSeconds(took));
      }
      reactor->Finish(ReportStatus(*logger_, rpc, result));
    });
  }
  if (!status.ok()) reactor->Finish(ReportStatus(*logger_, rpc, status));
  return reactor;
}

grpc::ServerUnaryReactor* ReportsService::CustomerBreakdown(
    grpc::CallbackServerContext* context,
    const v1::CustomerBreakdownRequest* request,
    v1::CustomerBreakdownResponse* response) {
  return Run(context, "CustomerBreakdown",
             "/ledger.v1.Reports/CustomerBreakdown", request, response,
             internal::CustomerBreakdown);
}

grpc::ServerUnaryReactor* ReportsService::NewCustomers(
    grpc::CallbackServerContext* context,
    const v1::NewCustomersRequest* request,
    v1::NewCustomersResponse* response) {
  return Run(context, "NewCustomers", "/ledger.v1.Reports/NewCustomers",
             request, response, internal::NewCustomers);
}

grpc::ServerUnaryReactor* ReportsService::Satisfaction(
    grpc::CallbackServerContext* context,
    const v1::SatisfactionRequest* request,
    v1::SatisfactionResponse* response) {
  return Run(context, "Satisfaction", "/ledger.v1.Reports/Satisfaction",
             request, response, internal::Satisfaction);
}

grpc::ServerUnaryReactor* ReportsService::OpportunityConversion(
    grpc::CallbackServerContext* context,
    const v1::OpportunityConversionRequest* request,
    v1::OpportunityConversionResponse* response) {
  return Run(context, "OpportunityConversion",
             "/ledger.v1.Reports/OpportunityConversion", request, response,
             internal::OpportunityConversion);
}

grpc::ServerUnaryReactor* ReportsService::ChurnedCustomers(
    grpc::CallbackServerContext* context,
    const v1::ChurnedCustomersRequest* request,
    v1::ChurnedCustomersResponse* response) {
  return Run(context, "ChurnedCustomers", "/ledger.v1.Reports/ChurnedCustomers",
             request, response, internal::ChurnedCustomers);
}

}  // namespace ledger::services
