#include "services/grpc_status.h"

#include <string>

namespace ledger::services {

grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()),
                      std::string(status.message()));
}

grpc::Status ReportStatus(spdlog::logger& logger, const char* rpc,
                          const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kOk:
      break;
    case absl::StatusCode::kInternal:
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kDataLoss:
    case absl::StatusCode::kUnknown:
      logger.error("{} failed: {}", rpc, status.ToString());
      break;
    default:
      logger.debug("{} rejected: {}", rpc, status.ToString());
      break;
  }
  return ToGrpcStatus(status);
}

}  // namespace ledger::services
