#include "tests/testing/server_fixture.h"

#include <chrono>

#include "spdlog/sinks/null_sink.h"
#include "spdlog/spdlog.h"

namespace ledger::testing {

ServerFixture::ServerFixture() {
  options_.listen_address = "127.0.0.1:0";
  options_.data_dir = dir_.Sub("data");
  options_.shutdown_grace = absl::Seconds(2);
  options_.logger = std::make_shared<spdlog::logger>(
      "test-server", std::make_shared<spdlog::sinks::null_sink_mt>());
}

void ServerFixture::StartServer() {
  auto server = services::LedgerServer::Start(options_);
  ASSERT_TRUE(server.ok()) << server.status();
  server_ = *std::move(server);
  channel_ = grpc::CreateChannel(server_->address(),
                                 grpc::InsecureChannelCredentials());
  stub_ = ledger::v1::Ledger::NewStub(channel_);
}

void ServerFixture::StopServer() {
  stub_.reset();
  channel_.reset();
  if (server_ != nullptr) server_->Shutdown();
  server_.reset();
}

std::unique_ptr<grpc::ClientContext> ServerFixture::Context(
    absl::Duration timeout) {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(std::chrono::system_clock::now() +
                        absl::ToChronoMicroseconds(timeout));
  return context;
}

}  // namespace ledger::testing
