// How the command-line clients (ledgerctl, ledger-bench) connect: TLS or
// plaintext, a bearer token or a client certificate, and the request
// metadata every call carries (README, "Access control").
#ifndef LEDGER_TOOLS_COMMON_CLIENT_CONNECTION_H_
#define LEDGER_TOOLS_COMMON_CLIENT_CONNECTION_H_

#include <memory>
#include <string>

#include "CLI/CLI.hpp"
#include "grpcpp/grpcpp.h"

namespace ledger::client {

struct ConnectionOptions {
  // "<token_id>.<secret>" as ledgerctl token create printed it; sent as
  // "authorization: Bearer <token>" on every call.
  std::string token;
  // TLS: the CA that signed the server's certificate (PEM file; empty with
  // TLS: the system's roots). Any of the TLS files turns TLS on.
  std::string tls_ca_file;
  // Mutual TLS: this client's certificate and key (PEM files).
  std::string tls_cert_file;
  std::string tls_key_file;
  // The name to check the server's certificate against, when it is not
  // the host of the address (e.g. "localhost" when dialling 127.0.0.1).
  std::string tls_server_name;
  bool tls = false;  // --tls: TLS with the system's roots
  // Sent as x-ledger-purpose / x-ledger-on-behalf-of request metadata.
  std::string purpose;
  std::string on_behalf_of;

  // Filled by LoadFiles.
  std::string tls_ca_pem;
  std::string tls_cert_pem;
  std::string tls_key_pem;

  bool UsesTls() const {
    return tls || !tls_ca_file.empty() || !tls_cert_file.empty();
  }
  // Whether the server learns who calls from the credentials (then the
  // clients leave the events' actor to the server).
  bool Authenticates() const {
    return !token.empty() || !tls_cert_file.empty();
  }
};

// Registers --token (default: env LEDGER_TOKEN), --tls, --tls-ca,
// --tls-cert, --tls-key, --tls-server-name, --purpose (default: env
// LEDGER_PURPOSE) and, unless `on_behalf_of_flag` is false,
// --on-behalf-of on `app`.
void AddConnectionFlags(CLI::App& app, ConnectionOptions* options,
                        bool on_behalf_of_flag = true);

// Reads the PEM files named in `options`; false with *error naming the
// flag and file when one cannot be read or the flags do not fit together.
bool LoadFiles(ConnectionOptions* options, std::string* error);

// A channel to `address` with `options` (after LoadFiles) and `args`.
std::shared_ptr<grpc::Channel> NewChannel(const std::string& address,
                                          const ConnectionOptions& options,
                                          grpc::ChannelArguments args = {});

}  // namespace ledger::client

#endif  // LEDGER_TOOLS_COMMON_CLIENT_CONNECTION_H_
