#ifndef LEDGER_SERVICES_GRPC_STATUS_H_
#define LEDGER_SERVICES_GRPC_STATUS_H_

#include "absl/status/status.h"
#include "grpcpp/support/status.h"
#include "spdlog/logger.h"

namespace ledger::services {

// The one conversion from absl::Status to grpc::Status. The canonical codes
// are numerically identical; the message is kept as is.
grpc::Status ToGrpcStatus(const absl::Status& status);

// The service boundary: logs a server-side failure (INTERNAL, UNAVAILABLE,
// DATA_LOSS, UNKNOWN) once at error level, a client error only at debug
// (its message may quote customer data), and converts it.
grpc::Status ReportStatus(spdlog::logger& logger, const char* rpc,
                          const absl::Status& status);

}  // namespace ledger::services

#endif  // LEDGER_SERVICES_GRPC_STATUS_H_
