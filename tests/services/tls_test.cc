// TLS and mutual TLS with gRPC's credentials and certificates made at test
// time by deploy/make-test-certs.sh; the safe default without
// authentication; refused security configurations.

#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "ledger/v1/ledger.grpc.pb.h"
#include "services/internal/listen_address.h"
#include "services/ledger_server.h"
#include "spdlog/logger.h"
#include "spdlog/sinks/null_sink.h"
#include "tests/services/auth_test_util.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace ledger::testing {
namespace {

namespace v1 = ::ledger::v1;
using services::internal::IsLoopbackAddress;
using ::testing::HasSubstr;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

services::ServerOptions TestOptions(const TempDir& dir) {
  services::ServerOptions options;
  options.listen_address = "127.0.0.1:0";
  options.data_dir = dir.Sub("data");
  options.shutdown_grace = absl::Seconds(2);
  options.logger = std::make_shared<spdlog::logger>(
      "tls-test", std::make_shared<spdlog::sinks::null_sink_mt>());
  return options;
}

// One set of certificates for the whole suite (openssl takes a moment).
class TlsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    certs_ = new TempDir();
    const std::string command =
        absl::StrCat("'", LEDGER_SOURCE_DIR, "/deploy/make-test-certs.sh' '",
                     certs_->path(), "' ledger-admin stranger >/dev/null");
    ASSERT_EQ(std::system(command.c_str()), 0) << command;
  }
  static void TearDownTestSuite() {
    delete certs_;
    certs_ = nullptr;
  }

  static std::string Cert(const std::string& name) { return certs_->Sub(name); }

  void StartServer(bool require_client_cert) {
    options_ = TestOptions(dir_);
    token_ = MakeToken("lt_tlsadmin0001", "token-admin", "admin");
    tokens_path_ = dir_.Sub("tokens");
    WriteFileWithMode(
        tokens_path_,
        absl::StrCat(token_.line,
                     "\ncert_subject=ledger-admin principal=cert-admin "
                     "role=admin\n"));
    options_.tokens_file = tokens_path_;
    options_.tls_cert_file = Cert("server.pem");
    options_.tls_key_file = Cert("server.key");
    options_.tls_client_ca_file = Cert("ca.pem");
    options_.tls_require_client_cert = require_client_cert;
    auto server = services::LedgerServer::Start(options_);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
  }

  std::unique_ptr<v1::Ledger::Stub> Stub(const std::string& client) {
    grpc::SslCredentialsOptions ssl;
    ssl.pem_root_certs = ReadFile(Cert("ca.pem"));
    if (!client.empty()) {
      ssl.pem_cert_chain = ReadFile(Cert("client-" + client + ".pem"));
      ssl.pem_private_key = ReadFile(Cert("client-" + client + ".key"));
    }
    std::shared_ptr<grpc::ChannelCredentials> credentials =
        grpc::SslCredentials(ssl);
    if (!with_token_.empty()) {
      credentials = grpc::CompositeChannelCredentials(
          credentials, grpc::AccessTokenCredentials(with_token_));
    }
    return v1::Ledger::NewStub(
        grpc::CreateChannel(server_->address(), credentials));
  }

  static grpc::ClientContext* Deadline(grpc::ClientContext* context) {
    context->set_deadline(std::chrono::system_clock::now() +
                          std::chrono::seconds(10));
    return context;
  }

  grpc::Status Info(v1::Ledger::Stub& stub) {
    grpc::ClientContext context;
    v1::GetInfoResponse info;
    return stub.GetInfo(Deadline(&context), {}, &info);
  }

  static TempDir* certs_;
  TempDir dir_;
  services::ServerOptions options_;
  std::string tokens_path_;
  TestToken token_;
  std::string with_token_;
  std::unique_ptr<services::LedgerServer> server_;
};

TempDir* TlsTest::certs_ = nullptr;

TEST_F(TlsTest, ClientCertificateAuthenticatesItsMappedPrincipal) {
  StartServer(/*require_client_cert=*/false);
  auto stub = Stub("ledger-admin");
  ASSERT_THAT(Info(*stub), GrpcOk());
  v1::AppendRequest request;
  request.set_customer_id("C-TLS");
  auto* registered =
      request.add_events()->mutable_payload()->mutable_customer_registered();
  registered->set_kind(v1::CUSTOMER_KIND_ORGANIZATION);
  registered->mutable_profile()->set_name("TLS Ltd");
  grpc::ClientContext append_context;
  v1::AppendResponse appended;
  ASSERT_THAT(stub->Append(Deadline(&append_context), request, &appended),
              GrpcOk());
  grpc::ClientContext read_context;
  v1::ReadStreamRequest read;
  read.set_customer_id("C-TLS");
  v1::ReadStreamResponse events;
  ASSERT_THAT(stub->ReadStream(Deadline(&read_context), read, &events),
              GrpcOk());
  ASSERT_EQ(events.events_size(), 1);
  EXPECT_EQ(events.events(0).metadata().actor(), "cert-admin");

  // A valid certificate whose name the tokens file does not map.
  EXPECT_THAT(Info(*Stub("stranger")),
              GrpcStatusIs(grpc::StatusCode::UNAUTHENTICATED,
                           HasSubstr("CN \"stranger\" is not mapped")));
  // TLS without a client certificate: a bearer token as call credentials.
  EXPECT_THAT(Info(*Stub("")), GrpcStatusIs(grpc::StatusCode::UNAUTHENTICATED));
  with_token_ = token_.token;
  EXPECT_THAT(Info(*Stub("")), GrpcOk());
  // Plaintext does not reach a TLS server.
  auto plain = v1::Ledger::NewStub(grpc::CreateChannel(
      server_->address(), grpc::InsecureChannelCredentials()));
  EXPECT_THAT(Info(*plain), GrpcStatusIs(grpc::StatusCode::UNAVAILABLE));
}

TEST_F(TlsTest, RequiredClientCertificateRefusesClientsWithout) {
  StartServer(/*require_client_cert=*/true);
  with_token_ = token_.token;
  EXPECT_THAT(Info(*Stub("")), GrpcStatusIs(grpc::StatusCode::UNAVAILABLE));
  with_token_.clear();
  EXPECT_THAT(Info(*Stub("ledger-admin")), GrpcOk());
}

TEST(SecurityConfigTest, NonLoopbackWithoutAuthenticationIsRefused) {
  TempDir dir;
  for (const char* address : {"0.0.0.0:0", "[::]:0", ":0", "10.1.2.3:0"}) {
    services::ServerOptions options = TestOptions(dir);
    options.listen_address = address;
    auto server = services::LedgerServer::Start(options);
    EXPECT_THAT(server, StatusIs(absl::StatusCode::kFailedPrecondition,
                                 HasSubstr("--tokens-file")))
        << address;
  }
  EXPECT_TRUE(IsLoopbackAddress("127.0.0.1:50051"));
  EXPECT_TRUE(IsLoopbackAddress("127.3.4.5:1"));
  EXPECT_TRUE(IsLoopbackAddress("[::1]:50051"));
  EXPECT_TRUE(IsLoopbackAddress("localhost:50051"));
  EXPECT_TRUE(IsLoopbackAddress("unix:/run/ledger.sock"));
  EXPECT_FALSE(IsLoopbackAddress("0.0.0.0:50051"));
  EXPECT_FALSE(IsLoopbackAddress("[::]:50051"));
  EXPECT_FALSE(IsLoopbackAddress(":50051"));
  EXPECT_FALSE(IsLoopbackAddress("ledger.example.com:50051"));
  EXPECT_FALSE(IsLoopbackAddress("128.0.0.1:50051"));

  // With a tokens file a non-loopback address is served.
  services::ServerOptions options = TestOptions(dir);
  options.listen_address = "0.0.0.0:0";
  options.tokens_file = dir.Sub("tokens");
  WriteFileWithMode(options.tokens_file,
                    MakeToken("lt_x00000000001", "a", "admin").line + "\n");
  auto server = services::LedgerServer::Start(options);
  ASSERT_THAT(server, IsOk());
  (*server)->Shutdown();
}

TEST(SecurityConfigTest, UnsafeOrBrokenTokensFilesAreRefused) {
  TempDir dir;
  services::ServerOptions options = TestOptions(dir);
  options.tokens_file = dir.Sub("tokens");
  const std::string good = MakeToken("lt_x00000000001", "a", "admin").line;

  WriteFileWithMode(options.tokens_file, good + "\n", 0644);
  EXPECT_THAT(
      services::LedgerServer::Start(options),
      StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("chmod 600")));

  WriteFileWithMode(options.tokens_file,
                    absl::StrCat("# ok\n", good,
                                 "\ntoken_id=lt_y principal=b role=chief "
                                 "salt=00 sha256=00\n"));
  EXPECT_THAT(
      services::LedgerServer::Start(options),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("line 3: role")));

  WriteFileWithMode(options.tokens_file,
                    "cert_subject=x principal=p role=auditor write=true\n");
  EXPECT_THAT(
      services::LedgerServer::Start(options),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("line 1: write")));

  options.tokens_file = dir.Sub("missing");
  EXPECT_THAT(services::LedgerServer::Start(options),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("ledgerctl token create")));

  // mTLS needs the tokens file that maps certificates.
  services::ServerOptions tls = TestOptions(dir);
  tls.tls_cert_file = dir.Sub("none.pem");
  EXPECT_THAT(
      services::LedgerServer::Start(tls),
      StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("--tls-key")));
}

}  // namespace
}  // namespace ledger::testing
