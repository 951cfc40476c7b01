#include "services/internal/server_credentials.h"

#include <fstream>
#include <sstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "grpcpp/security/server_credentials.h"
#include "services/internal/listen_address.h"
#include "storage/status_macros.h"

namespace ledger::services::internal {

namespace {

absl::Status ReadPem(const char* flag, const std::string& path,
                     std::string* out) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  if (in.is_open()) buffer << in.rdbuf();
  *out = buffer.str();
  if (!in.is_open() || out->find("-----BEGIN ") == std::string::npos) {
    return absl::FailedPreconditionError(absl::StrCat(
        flag, " ", path, ": cannot read a PEM file there (",
        in.is_open() ? "no -----BEGIN block" : "cannot open", ")"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> MakeServerCredentials(
    const ServerOptions& options) {
  if (options.tokens_file.empty() &&
      !IsLoopbackAddress(options.listen_address)) {
    return absl::FailedPreconditionError(absl::StrCat(
        "refusing to listen on ", options.listen_address,
        " without authentication: only loopback addresses (127.0.0.1, ::1, "
        "localhost) may be served without it. Create a tokens file "
        "(ledgerctl token create --tokens-file FILE --principal NAME --role "
        "admin) and start with --tokens-file FILE (and --tls-cert/--tls-key "
        "so tokens do not travel in plaintext), or listen on "
        "127.0.0.1"));
  }
  if (options.tls_cert_file.empty() != options.tls_key_file.empty()) {
    return absl::FailedPreconditionError(
        "--tls-cert and --tls-key go together: give both (the server's "
        "certificate chain and its private key, PEM)");
  }
  if (options.tls_cert_file.empty()) {
    if (!options.tls_client_ca_file.empty() ||
        options.tls_require_client_cert) {
      return absl::FailedPreconditionError(
          "--tls-client-ca and --tls-require-client-cert need TLS: give "
          "--tls-cert and --tls-key too");
    }
    return grpc::InsecureServerCredentials();
  }
  if (options.tls_require_client_cert && options.tls_client_ca_file.empty()) {
    return absl::FailedPreconditionError(
        "--tls-require-client-cert needs --tls-client-ca (the CA that signs "
        "client certificates)");
  }
  if (!options.tls_client_ca_file.empty() && options.tokens_file.empty()) {
    return absl::FailedPreconditionError(
        "--tls-client-ca needs --tokens-file: its cert_subject= lines map "
        "client certificate names to principals and roles");
  }
  grpc::SslServerCredentialsOptions ssl;
  grpc::SslServerCredentialsOptions::PemKeyCertPair pair;
  LEDGER_RETURN_IF_ERROR(
      ReadPem("--tls-key", options.tls_key_file, &pair.private_key));
  LEDGER_RETURN_IF_ERROR(
      ReadPem("--tls-cert", options.tls_cert_file, &pair.cert_chain));
  ssl.pem_key_cert_pairs.push_back(std::move(pair));
  if (options.tls_client_ca_file.empty()) {
    ssl.client_certificate_request = GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE;
  } else {
    LEDGER_RETURN_IF_ERROR(ReadPem(
        "--tls-client-ca", options.tls_client_ca_file, &ssl.pem_root_certs));
    ssl.client_certificate_request =
        options.tls_require_client_cert
            ? GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY
            : GRPC_SSL_REQUEST_CLIENT_CERTIFICATE_AND_VERIFY;
  }
  return grpc::SslServerCredentials(ssl);
}

}  // namespace ledger::services::internal
