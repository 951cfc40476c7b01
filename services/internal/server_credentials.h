#ifndef LEDGER_SERVICES_INTERNAL_SERVER_CREDENTIALS_H_
#define LEDGER_SERVICES_INTERNAL_SERVER_CREDENTIALS_H_

#include <memory>

#include "absl/status/statusor.h"
#include "grpcpp/security/server_credentials.h"
#include "services/server_options.h"

namespace ledger::services::internal {

// The credentials to listen with, after checking that the security options
// fit together: TLS (gRPC's SslServerCredentials) when tls_cert_file is
// set, with client certificates verified against tls_client_ca_file;
// plaintext otherwise. FAILED_PRECONDITION, saying what to configure, for a
// non-loopback listen address without a tokens file, a client CA without a
// tokens file (nothing would map certificates to principals), a
// certificate without its key (or the reverse), and an unreadable PEM file.
[[nodiscard]] absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>>
MakeServerCredentials(const ServerOptions& options);

}  // namespace ledger::services::internal

#endif  // LEDGER_SERVICES_INTERNAL_SERVER_CREDENTIALS_H_
