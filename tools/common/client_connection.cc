#include "tools/common/client_connection.h"

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <utility>
#include <vector>

#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/support/client_interceptor.h"

namespace ledger::client {

namespace {

using Headers = std::vector<std::pair<std::string, std::string>>;

// Adds fixed request metadata to every call of a channel.
class HeaderInterceptor : public grpc::experimental::Interceptor {
 public:
  explicit HeaderInterceptor(const Headers* headers) : headers_(headers) {}
  void Intercept(
      grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(
            grpc::experimental::InterceptionHookPoints::
                PRE_SEND_INITIAL_METADATA)) {
      auto* metadata = methods->GetSendInitialMetadata();
      for (const auto& [key, value] : *headers_) metadata->insert({key, value});
    }
    methods->Proceed();
  }

 private:
  const Headers* headers_;
};

class HeaderInterceptorFactory
    : public grpc::experimental::ClientInterceptorFactoryInterface {
 public:
  explicit HeaderInterceptorFactory(Headers headers)
      : headers_(std::move(headers)) {}
  grpc::experimental::Interceptor* CreateClientInterceptor(
      grpc::experimental::ClientRpcInfo* info) override {
    (void)info;
    return new HeaderInterceptor(&headers_);
  }

 private:
  const Headers headers_;
};

bool ReadFile(const char* flag, const std::string& path, std::string* out,
              std::string* error) {
  if (path.empty()) return true;
  std::ifstream in(path, std::ios::binary);
  if (!in.is_open()) {
    *error = std::string(flag) + " " + path + ": cannot open the file";
    return false;
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  *out = buffer.str();
  if (out->find("-----BEGIN ") == std::string::npos) {
    *error = std::string(flag) + " " + path + ": not a PEM file";
    return false;
  }
  return true;
}

std::string EnvOr(const char* name) {
  const char* value = std::getenv(name);
  return value != nullptr ? value : "";
}

}  // namespace

void AddConnectionFlags(CLI::App& app, ConnectionOptions* options,
                        bool on_behalf_of_flag) {
  options->token = EnvOr("LEDGER_TOKEN");
  options->purpose = EnvOr("LEDGER_PURPOSE");
  app.add_option("--token", options->token,
                 "Bearer token <token_id>.<secret> from ledgerctl token "
                 "create (env LEDGER_TOKEN)");
  app.add_flag("--tls", options->tls,
               "Use TLS, trusting the system's root certificates");
  app.add_option("--tls-ca", options->tls_ca_file,
                 "Use TLS; the CA certificate (PEM) that signed the "
                 "server's certificate");
  app.add_option("--tls-cert", options->tls_cert_file,
                 "Mutual TLS: this client's certificate (PEM)");
  app.add_option("--tls-key", options->tls_key_file,
                 "Mutual TLS: this client's private key (PEM)");
  app.add_option("--tls-server-name", options->tls_server_name,
                 "Check the server's certificate for this name instead of "
                 "the address's host");
  app.add_option("--purpose", options->purpose,
                 "Why personal data is read, recorded in the access log "
                 "(x-ledger-purpose; env LEDGER_PURPOSE)");
  if (on_behalf_of_flag) {
    app.add_option("--on-behalf-of", options->on_behalf_of,
                   "The end user a service acts for (x-ledger-on-behalf-of; "
                   "role service only)");
  }
}

bool LoadFiles(ConnectionOptions* options, std::string* error) {
  if (options->tls_cert_file.empty() != options->tls_key_file.empty()) {
    *error = "--tls-cert and --tls-key go together";
    return false;
  }
  return ReadFile("--tls-ca", options->tls_ca_file, &options->tls_ca_pem,
                  error) &&
         ReadFile("--tls-cert", options->tls_cert_file, &options->tls_cert_pem,
                  error) &&
         ReadFile("--tls-key", options->tls_key_file, &options->tls_key_pem,
                  error);
}

std::shared_ptr<grpc::Channel> NewChannel(const std::string& address,
                                          const ConnectionOptions& options,
                                          grpc::ChannelArguments args) {
  Headers headers;
  std::shared_ptr<grpc::ChannelCredentials> credentials;
  if (options.UsesTls()) {
    grpc::SslCredentialsOptions ssl;
    ssl.pem_root_certs = options.tls_ca_pem;
    ssl.pem_cert_chain = options.tls_cert_pem;
    ssl.pem_private_key = options.tls_key_pem;
    credentials = grpc::SslCredentials(ssl);
    if (!options.token.empty()) {
      // Call credentials: gRPC sends them only over a secure channel.
      credentials = grpc::CompositeChannelCredentials(
          credentials, grpc::AccessTokenCredentials(options.token));
    }
    if (!options.tls_server_name.empty()) {
      args.SetSslTargetNameOverride(options.tls_server_name);
    }
  } else {
    credentials = grpc::InsecureChannelCredentials();
    // gRPC refuses call credentials without TLS, so a plaintext channel
    // (loopback, or the operator's choice) carries the token as metadata.
    if (!options.token.empty()) {
      headers.emplace_back("authorization", "Bearer " + options.token);
    }
  }
  if (!options.purpose.empty()) {
    headers.emplace_back("x-ledger-purpose", options.purpose);
  }
  if (!options.on_behalf_of.empty()) {
    headers.emplace_back("x-ledger-on-behalf-of", options.on_behalf_of);
  }
  if (headers.empty()) {
    return grpc::CreateCustomChannel(address, credentials, args);
  }
  std::vector<
      std::unique_ptr<grpc::experimental::ClientInterceptorFactoryInterface>>
      interceptors;
  interceptors.push_back(
      std::make_unique<HeaderInterceptorFactory>(std::move(headers)));
  return grpc::experimental::CreateCustomChannelWithInterceptors(
      address, credentials, args, std::move(interceptors));
}

}  // namespace ledger::client
