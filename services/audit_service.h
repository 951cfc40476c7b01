#ifndef LEDGER_SERVICES_AUDIT_SERVICE_H_
#define LEDGER_SERVICES_AUDIT_SERVICE_H_

#include <memory>

#include "grpcpp/grpcpp.h"
#include "ledger/v1/audit.grpc.pb.h"
#include "projections/payload_opener.h"
#include "services/authorizer.h"
#include "services/service_limits.h"
#include "spdlog/logger.h"
#include "storage/event_log.h"

namespace ledger::services {

class AccessLog;

// ledger.v1.Audit: who changed what (services/internal/audit_queries.h) and
// who saw what (the AccessLog).
//
// The queries run on the calling thread: a field history folds one
// customer's file, and a page of changes by actor or of access records is
// an index range scan plus at most limits.max_read_page point reads.
//
// Thread-safe.
class AuditService final : public ledger::v1::Audit::CallbackService {
 public:
  // REQUIRES: `log`, `access_log`, `authorizer` and `opener` (may be null:
  // histories then see only the public part of sealed payloads) outlive
  // the service.
  AuditService(storage::EventLog* log, AccessLog* access_log,
               const Authorizer* authorizer, const ServiceLimits& limits,
               std::shared_ptr<spdlog::logger> logger,
               const projections::PayloadOpener* opener = nullptr);

  AuditService(const AuditService&) = delete;
  AuditService& operator=(const AuditService&) = delete;

  grpc::ServerUnaryReactor* GetFieldHistory(
      grpc::CallbackServerContext* context,
      const ledger::v1::GetFieldHistoryRequest* request,
      ledger::v1::GetFieldHistoryResponse* response) override;
  grpc::ServerUnaryReactor* ListChangesByActor(
      grpc::CallbackServerContext* context,
      const ledger::v1::ListChangesByActorRequest* request,
      ledger::v1::ListChangesByActorResponse* response) override;
  grpc::ServerUnaryReactor* ListAccess(
      grpc::CallbackServerContext* context,
      const ledger::v1::ListAccessRequest* request,
      ledger::v1::ListAccessResponse* response) override;

 private:
  grpc::ServerUnaryReactor* Finish(grpc::CallbackServerContext* context,
                                   const char* rpc,
                                   const absl::Status& status) const;

  // Constant after construction.
  storage::EventLog* const log_;
  AccessLog* const access_log_;
  const Authorizer* const auth_;
  const projections::PayloadOpener* const opener_;
  const ServiceLimits limits_;
  const std::shared_ptr<spdlog::logger> logger_;
};

}  // namespace ledger::services

#endif  // LEDGER_SERVICES_AUDIT_SERVICE_H_
