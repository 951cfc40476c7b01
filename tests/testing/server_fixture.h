#ifndef LEDGER_TESTS_TESTING_SERVER_FIXTURE_H_
#define LEDGER_TESTS_TESTING_SERVER_FIXTURE_H_

#include <memory>
#include <string>

#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "ledger/v1/ledger.grpc.pb.h"
#include "services/ledger_server.h"
#include "services/server_options.h"
#include "tests/testing/temp_dir.h"

namespace ledger::testing {

// Runs a real in-process customer-ledgerd on 127.0.0.1:0 over a RocksDB in a
// temporary directory, and gives the test a stub for it. Tests may change
// options_ and call RestartServer(); the data directory survives restarts.
class ServerFixture : public ::testing::Test {
 protected:
  ServerFixture();
  void SetUp() override { StartServer(); }
  void TearDown() override { StopServer(); }

  void StartServer();
  void StopServer();
  void RestartServer() {
    StopServer();
    StartServer();
  }

  ledger::v1::Ledger::Stub& stub() { return *stub_; }
  std::shared_ptr<grpc::Channel> channel() { return channel_; }
  services::LedgerServer& server() { return *server_; }

  // A context with a deadline (tests must never hang).
  static std::unique_ptr<grpc::ClientContext> Context(
      absl::Duration timeout = absl::Seconds(10));

  TempDir dir_;
  services::ServerOptions options_;

 private:
  std::unique_ptr<services::LedgerServer> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<ledger::v1::Ledger::Stub> stub_;
};

}  // namespace ledger::testing

#endif  // LEDGER_TESTS_TESTING_SERVER_FIXTURE_H_
