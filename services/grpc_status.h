#ifndef LEDGER_SERVICES_GRPC_STATUS_H_
#define LEDGER_SERVICES_GRPC_STATUS_H_

#include "absl/status/status.h"
#include "grpcpp/support/status.h"

namespace ledger::services {

// The one conversion from absl::Status to grpc::Status. The canonical codes
// are numerically identical; the message is kept as is.
grpc::Status ToGrpcStatus(const absl::Status& status);

}  // namespace ledger::services

#endif  // LEDGER_SERVICES_GRPC_STATUS_H_
