#ifndef LEDGER_TESTS_E2E_LEDGERCTL_FIXTURE_H_
#define LEDGER_TESTS_E2E_LEDGERCTL_FIXTURE_H_

// The fixture of the whole-process ledgerctl tests: a real customer-ledgerd
// child process (LEDGERD_PATH) in a temporary directory, and the real
// ledgerctl binary (LEDGERCTL_PATH) run against it.

#include <memory>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "tests/e2e/ledgerd_process.h"
#include "tests/testing/temp_dir.h"

namespace ledger::testing {

// SetUp starts server_ with ServerFlags() on data_dir() (a fixture that
// starts it itself overrides SetUp and calls StartServer). Every ledgerctl
// run gets the environment of LedgerctlEnvironment: LEDGER_ACTOR is the
// fixture's actor and LEDGER_ADDRESS the server's address (given in the
// environment, not as --address, so that a test can still pass --address).
// Not thread-safe: gtest drives a fixture from one thread.
class LedgerctlFixture : public ::testing::Test {
 protected:
  // `actor` is LEDGER_ACTOR of every ledgerctl run; `command_timeout` bounds
  // each Ctl without a timeout of its own.
  explicit LedgerctlFixture(std::string actor,
                            absl::Duration command_timeout = absl::Seconds(15));

  void SetUp() override;

  // Flags SetUp appends to customer-ledgerd's command line. None by default.
  virtual std::vector<std::string> ServerFlags() const { return {}; }

  // Makes server_ a new customer-ledgerd on data_dir() with `flags` and
  // starts it; a server that does not serve fails the test (fatally, so
  // call it under ASSERT_NO_FATAL_FAILURE outside SetUp).
  void StartServer(std::vector<std::string> flags = {});

  std::string data_dir() const { return dir_.Sub("data"); }

  // The environment of a ledgerctl run with LEDGER_ADDRESS = `address`
  // (none if empty) and LEDGER_ACTOR = the fixture's actor.
  std::vector<std::string> Environment(const std::string& address) const;

  // Starts ledgerctl `args` with LEDGER_ADDRESS = `address` (default: the
  // server's, or none while there is no server) and `extra_env`
  // ("NAME=value" each) added to the environment.
  std::unique_ptr<Subprocess> StartCtl(std::vector<std::string> args,
                                       const std::string& address = "",
                                       std::vector<std::string> extra_env = {});

  // Runs ledgerctl `args` against the server to the end, waiting at most
  // `timeout` (default: the fixture's command timeout), and notes how long
  // it took in last_ctl_duration_.
  SubprocessResult Ctl(std::vector<std::string> args);
  SubprocessResult Ctl(std::vector<std::string> args, absl::Duration timeout);

  TempDir dir_;  // outlives the server
  std::unique_ptr<LedgerdProcess> server_;
  absl::Duration last_ctl_duration_;

 private:
  const std::string actor_;
  const absl::Duration command_timeout_;
};

}  // namespace ledger::testing

#endif  // LEDGER_TESTS_E2E_LEDGERCTL_FIXTURE_H_
