#ifndef LEDGER_SERVICES_INTERNAL_LISTEN_ADDRESS_H_
#define LEDGER_SERVICES_INTERNAL_LISTEN_ADDRESS_H_

#include "absl/strings/string_view.h"

namespace ledger::services::internal {

// Whether a gRPC listening address reaches only this machine: a host of
// 127.0.0.0/8, ::1 (also v4-mapped), "localhost", or a unix socket.
// "0.0.0.0:p", "[::]:p", ":p" and every other host are not.
bool IsLoopbackAddress(absl::string_view address);

}  // namespace ledger::services::internal

#endif  // LEDGER_SERVICES_INTERNAL_LISTEN_ADDRESS_H_
