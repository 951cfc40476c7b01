#include "tests/e2e/ledgerctl_fixture.h"

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "tests/e2e/ledgerd_process.h"

namespace ledger::testing {

LedgerctlFixture::LedgerctlFixture(std::string actor,
                                   absl::Duration command_timeout)
    : actor_(std::move(actor)), command_timeout_(command_timeout) {}

void LedgerctlFixture::SetUp() { StartServer(ServerFlags()); }

void LedgerctlFixture::StartServer(std::vector<std::string> flags) {
  server_ = std::make_unique<LedgerdProcess>(data_dir(), dir_.Sub("logs"),
                                             std::move(flags));
  const absl::Status started = server_->Start();
  ASSERT_TRUE(started.ok()) << started;
}

std::vector<std::string> LedgerctlFixture::Environment(
    const std::string& address) const {
  return LedgerctlEnvironment(address, actor_);
}

std::unique_ptr<Subprocess> LedgerctlFixture::StartCtl(
    std::vector<std::string> args, const std::string& address,
    std::vector<std::string> extra_env) {
  std::vector<std::string> env =
      Environment(!address.empty()     ? address
                  : server_ != nullptr ? server_->address()
                                       : "");
  for (std::string& variable : extra_env) env.push_back(std::move(variable));
  args.insert(args.begin(), LEDGERCTL_PATH);
  return std::make_unique<Subprocess>(std::move(args), std::move(env));
}

SubprocessResult LedgerctlFixture::Ctl(std::vector<std::string> args) {
  return Ctl(std::move(args), command_timeout_);
}

SubprocessResult LedgerctlFixture::Ctl(std::vector<std::string> args,
                                       absl::Duration timeout) {
  const absl::Time start = absl::Now();
  SubprocessResult result = StartCtl(std::move(args))->Finish(timeout);
  last_ctl_duration_ = absl::Now() - start;
  return result;
}

}  // namespace ledger::testing
