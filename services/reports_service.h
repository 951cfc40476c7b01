#ifndef LEDGER_SERVICES_REPORTS_SERVICE_H_
#define LEDGER_SERVICES_REPORTS_SERVICE_H_

#include <memory>

#include "grpcpp/grpcpp.h"
#include "ledger/v1/reports.grpc.pb.h"
#include "services/authorizer.h"
#include "services/internal/report_queries.h"
#include "services/internal/report_runner.h"
#include "spdlog/logger.h"
#include "storage/event_log.h"

namespace ledger::services {

// ledger.v1.Reports: management reports computed from the projections
// (services/internal/report_queries.h), never from the log.
//
// A request is validated on the calling thread; a valid one is queued to a
// small pool of report threads (kReportThreads run at once, at most
// kMaxWaitingReports wait, RESOURCE_EXHAUSTED beyond), so gRPC's threads
// never wait for a long report. A running report stops early when its call
// is cancelled or its deadline passes (CANCELLED) and when Stop() is called
// (UNAVAILABLE).
//
// Thread-safe.
class ReportsService final : public ledger::v1::Reports::CallbackService {
 public:
  static constexpr int kReportThreads = 2;
  static constexpr size_t kMaxWaitingReports = 16;

  // REQUIRES: `log` and `authorizer` outlive the service.
  ReportsService(storage::EventLog* log, const Authorizer* authorizer,
                 std::shared_ptr<spdlog::logger> logger);
  // Stop()s.
  ~ReportsService() override;

  ReportsService(const ReportsService&) = delete;
  ReportsService& operator=(const ReportsService&) = delete;

  // Ends the running and queued reports (UNAVAILABLE) and joins the report
  // threads; later calls are refused. For server shutdown, after the server
  // stopped taking calls. Idempotent.
  void Stop();

  grpc::ServerUnaryReactor* CustomerBreakdown(
      grpc::CallbackServerContext* context,
      const ledger::v1::CustomerBreakdownRequest* request,
      ledger::v1::CustomerBreakdownResponse* response) override;
  grpc::ServerUnaryReactor* NewCustomers(
      grpc::CallbackServerContext* context,
      const ledger::v1::NewCustomersRequest* request,
      ledger::v1::NewCustomersResponse* response) override;
  grpc::ServerUnaryReactor* Satisfaction(
      grpc::CallbackServerContext* context,
      const ledger::v1::SatisfactionRequest* request,
      ledger::v1::SatisfactionResponse* response) override;
  grpc::ServerUnaryReactor* OpportunityConversion(
      grpc::CallbackServerContext* context,
      const ledger::v1::OpportunityConversionRequest* request,
      ledger::v1::OpportunityConversionResponse* response) override;
  grpc::ServerUnaryReactor* ChurnedCustomers(
      grpc::CallbackServerContext* context,
      const ledger::v1::ChurnedCustomersRequest* request,
      ledger::v1::ChurnedCustomersResponse* response) override;

 private:
  // Authorises the caller for `method`, validates `request`, then runs
  // `report` on a report thread and finishes the call with its status.
  template <typename Request, typename Response, typename Report>
  grpc::ServerUnaryReactor* Run(grpc::CallbackServerContext* context,
                                const char* rpc, const char* method,
                                const Request* request, Response* response,
                                Report report);

  // Constant after construction.
  storage::EventLog* const log_;
  const Authorizer* const auth_;
  const std::shared_ptr<spdlog::logger> logger_;

  internal::ReportRunner runner_;
};

}  // namespace ledger::services

#endif  // LEDGER_SERVICES_REPORTS_SERVICE_H_
