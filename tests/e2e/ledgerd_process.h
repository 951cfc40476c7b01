#ifndef LEDGER_TESTS_E2E_LEDGERD_PROCESS_H_
#define LEDGER_TESTS_E2E_LEDGERD_PROCESS_H_

// A real customer-ledgerd (LEDGERD_PATH) run as a child process, for
// whole-process tests: start, signal, wait and restart it on the same data
// directory. Also a short-lived child with captured output (Subprocess), for
// running command-line tools such as ledgerctl.

#include <sys/types.h>

#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "google/protobuf/util/json_util.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"

namespace ledger::testing {

// Not thread-safe: one test thread drives it. The destructor SIGKILLs and
// reaps a child that is still running, and the child gets SIGKILL if the
// test process dies first, so no server outlives its test.
class LedgerdProcess {
 public:
  // `data_dir` is the --data-dir; the child's stderr goes to
  // `log_dir`/ledgerd-<n>.log (n counts starts). `extra_args` are appended
  // to the command line.
  LedgerdProcess(std::string data_dir, std::string log_dir,
                 std::vector<std::string> extra_args = {});
  ~LedgerdProcess();

  LedgerdProcess(const LedgerdProcess&) = delete;
  LedgerdProcess& operator=(const LedgerdProcess&) = delete;

  // Starts the server on a free 127.0.0.1 port and waits until GetInfo
  // answers. Retries with another port if the child exits during startup
  // (the port may have been taken meanwhile). Fails, with the child's log
  // tail in the message, if it does not serve within `timeout`.
  absl::Status Start(absl::Duration timeout = absl::Seconds(30));

  // Starts the server on a free port without waiting for it to serve, for
  // tests of start-up itself. Fails only if no port or fork is available.
  absl::Status Launch();

  // Whether the current child's log contains `text`.
  bool LogContains(absl::string_view text) const;

  // Sends `signal` to the running child.
  void Signal(int signal);

  // Waits up to `timeout` for the child to exit and returns its wait status
  // (see waitpid), or nullopt if it is still running.
  std::optional<int> Wait(absl::Duration timeout);

  // SIGKILL and reap, if running.
  void Kill();

  bool running() const { return pid_ > 0; }
  const std::string& address() const { return address_; }

  // A new channel to the server with its own connection.
  std::shared_ptr<grpc::Channel> NewChannel() const;

  // The last `bytes` of the current child's log, for failure messages.
  std::string LogTail(size_t bytes = 4000) const;

 private:
  // Forks and execs the server on `port`; false if fork failed.
  bool Spawn(int port);

  const std::string data_dir_;
  const std::string log_dir_;
  const std::vector<std::string> extra_args_;
  pid_t pid_ = -1;
  int starts_ = 0;
  std::string address_;
  std::string log_path_;
};

// The environment for a ledgerctl child: this process's, without any
// LEDGER_* variable (a developer's LEDGER_TOKEN or LEDGER_PURPOSE must not
// reach a test), plus LEDGER_ADDRESS=`address` (unless empty) and
// LEDGER_ACTOR=`actor`.
std::vector<std::string> LedgerctlEnvironment(const std::string& address,
                                              const std::string& actor);

// `text` (ledgerctl --json output) parsed as a Message; a parse error fails
// the test.
template <typename Message>
Message ParseJson(absl::string_view text) {
  Message message;
  const auto status = google::protobuf::util::JsonStringToMessage(
      std::string(absl::StripAsciiWhitespace(text)), &message);
  EXPECT_TRUE(status.ok()) << status.ToString() << " in: " << text;
  return message;
}

// What a Subprocess printed and how it ended.
struct SubprocessResult {
  int exit_code = -1;  // -1 if the process did not exit normally
  bool timed_out = false;
  std::string out;
  std::string err;
};

// The exit code and both outputs, for failure messages.
std::ostream& operator<<(std::ostream& os, const SubprocessResult& r);

// A child process with stdin from /dev/null and stdout and stderr captured
// through pipes. Every wait is bounded; the child gets SIGKILL if the test
// process dies, and the destructor SIGKILLs and reaps a child still running.
// Not thread-safe.
class Subprocess {
 public:
  // Starts `args[0]` (a path) with arguments `args` and exactly the
  // environment `env` ("NAME=value" each). If it cannot start, Finish
  // reports exit code -1 (or 127 if exec failed).
  Subprocess(std::vector<std::string> args, std::vector<std::string> env);
  ~Subprocess();

  Subprocess(const Subprocess&) = delete;
  Subprocess& operator=(const Subprocess&) = delete;

  // Reads output until stdout contains `needle` (true), or until the child
  // closes its output or `timeout` passes (false).
  bool WaitForStdout(absl::string_view needle, absl::Duration timeout);

  // Reads the rest of the output and reaps the child, waiting at most
  // `timeout`; a child still running then is killed and reported as timed
  // out. Call once.
  SubprocessResult Finish(absl::Duration timeout);

 private:
  // Reads output until both pipes are closed (true), stdout contains a
  // non-empty `needle` (true) or `deadline` passes (false).
  bool Pump(absl::Time deadline, absl::string_view needle);
  void KillAndReap();
  void CloseOutput();

  pid_t pid_ = -1;
  int out_fd_ = -1;
  int err_fd_ = -1;
  SubprocessResult result_;
};

// A port on 127.0.0.1 that was free a moment ago (bind to port 0, close).
// 0 if no socket could be bound.
int PickFreePort();

}  // namespace ledger::testing

#endif  // LEDGER_TESTS_E2E_LEDGERD_PROCESS_H_
