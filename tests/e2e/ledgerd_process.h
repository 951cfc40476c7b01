#ifndef LEDGER_TESTS_E2E_LEDGERD_PROCESS_H_
#define LEDGER_TESTS_E2E_LEDGERD_PROCESS_H_

// A real customer-ledgerd (LEDGERD_PATH) run as a child process, for
// whole-process tests: start, signal, wait and restart it on the same data
// directory.

#include <sys/types.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"

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

// A port on 127.0.0.1 that was free a moment ago (bind to port 0, close).
// 0 if no socket could be bound.
int PickFreePort();

}  // namespace ledger::testing

#endif  // LEDGER_TESTS_E2E_LEDGERD_PROCESS_H_
