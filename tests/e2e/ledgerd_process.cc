#include "tests/e2e/ledgerd_process.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <sstream>
#include <system_error>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "ledger/v1/ledger.grpc.pb.h"

extern char** environ;

namespace ledger::testing {

namespace {

// waitpid without blocking; the wait status if `pid` has exited.
std::optional<int> TryReap(pid_t pid) {
  int status = 0;
  pid_t r;
  do {
    r = waitpid(pid, &status, WNOHANG);
  } while (r < 0 && errno == EINTR);
  if (r == pid) return status;
  if (r < 0) return -1;  // not our child any more: treat as gone
  return std::nullopt;
}

std::string DescribeWaitStatus(int status) {
  if (WIFEXITED(status))
    return absl::StrCat("exited with ", WEXITSTATUS(status));
  if (WIFSIGNALED(status))
    return absl::StrCat("killed by signal ", WTERMSIG(status));
  return absl::StrCat("wait status ", status);
}

}  // namespace

int PickFreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return 0;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  int port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  close(fd);
  return port;
}

LedgerdProcess::LedgerdProcess(std::string data_dir, std::string log_dir,
                               std::vector<std::string> extra_args)
    : data_dir_(std::move(data_dir)),
      log_dir_(std::move(log_dir)),
      extra_args_(std::move(extra_args)) {}

LedgerdProcess::~LedgerdProcess() { Kill(); }

bool LedgerdProcess::Spawn(int port) {
  address_ = absl::StrCat("127.0.0.1:", port);
  std::error_code ec;
  std::filesystem::create_directories(log_dir_, ec);
  log_path_ = absl::StrCat(log_dir_, "/ledgerd-", ++starts_, ".log");

  // Everything the child needs is prepared before fork(): between fork and
  // exec a multi-threaded parent's child may only make async-signal-safe
  // calls.
  // No default rules: the tests count positions from 1 (a test that wants
  // them passes --default-rules=true, which the later flag overrides).
  std::vector<std::string> args = {LEDGERD_PATH, "--listen",
                                   address_,     "--data-dir",
                                   data_dir_,    "--default-rules=false"};
  args.insert(args.end(), extra_args_.begin(), extra_args_.end());
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  const int log_fd =
      open(log_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  const pid_t parent = getpid();
  sigset_t no_signals;
  sigemptyset(&no_signals);

  const pid_t pid = fork();
  if (pid == 0) {
    // The server must not outlive a crashed test.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);
    if (log_fd >= 0) {
      dup2(log_fd, STDOUT_FILENO);
      dup2(log_fd, STDERR_FILENO);
    }
    sigprocmask(SIG_SETMASK, &no_signals, nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  if (log_fd >= 0) close(log_fd);
  if (pid < 0) return false;
  pid_ = pid;
  return true;
}

absl::Status LedgerdProcess::Start(absl::Duration timeout) {
  if (running()) return absl::FailedPreconditionError("already running");
  const absl::Time deadline = absl::Now() + timeout;
  std::string last_exit;
  for (int attempt = 0; attempt < 3 && absl::Now() < deadline; ++attempt) {
    const int port = PickFreePort();
    if (port == 0 || !Spawn(port)) {
      return absl::InternalError("cannot pick a port or fork");
    }
    while (absl::Now() < deadline) {
      if (std::optional<int> status = TryReap(pid_)) {
        pid_ = -1;
        last_exit = DescribeWaitStatus(*status);
        break;  // e.g. the port was taken meanwhile: try another
      }
      // A fresh channel per probe: a shared one would wait out gRPC's
      // reconnect backoff after the first refused connection.
      auto stub = ledger::v1::Ledger::NewStub(NewChannel());
      grpc::ClientContext context;
      context.set_deadline(std::chrono::system_clock::now() +
                           std::chrono::milliseconds(500));
      ledger::v1::GetInfoResponse info;
      const grpc::Status status =
          stub->GetInfo(&context, ledger::v1::GetInfoRequest(), &info);
      // UNAUTHENTICATED: serving, with a tokens file.
      if (status.ok() ||
          status.error_code() == grpc::StatusCode::UNAUTHENTICATED) {
        return absl::OkStatus();
      }
      absl::SleepFor(absl::Milliseconds(50));
    }
  }
  const std::string tail = LogTail();
  const bool was_running = running();
  Kill();
  if (was_running) {
    return absl::DeadlineExceededError(
        absl::StrCat("customer-ledgerd did not serve within ",
                     absl::FormatDuration(timeout), "; log:\n", tail));
  }
  return absl::InternalError(absl::StrCat("customer-ledgerd ", last_exit,
                                          " during startup; log:\n", tail));
}

absl::Status LedgerdProcess::Launch() {
  if (running()) return absl::FailedPreconditionError("already running");
  const int port = PickFreePort();
  if (port == 0 || !Spawn(port)) {
    return absl::InternalError("cannot pick a port or fork");
  }
  return absl::OkStatus();
}

bool LedgerdProcess::LogContains(absl::string_view text) const {
  return absl::StrContains(LogTail(1 << 20), text);
}

void LedgerdProcess::Signal(int signal) {
  if (running()) kill(pid_, signal);
}

std::optional<int> LedgerdProcess::Wait(absl::Duration timeout) {
  if (!running()) return std::nullopt;
  const absl::Time deadline = absl::Now() + timeout;
  for (;;) {
    if (std::optional<int> status = TryReap(pid_)) {
      pid_ = -1;
      return status;
    }
    if (absl::Now() >= deadline) return std::nullopt;
    absl::SleepFor(absl::Milliseconds(5));
  }
}

void LedgerdProcess::Kill() {
  if (!running()) return;
  kill(pid_, SIGKILL);
  int status = 0;
  while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  pid_ = -1;
}

std::shared_ptr<grpc::Channel> LedgerdProcess::NewChannel() const {
  static std::atomic<int> next_id{0};
  grpc::ChannelArguments args;
  // Distinct arguments: a connection (and backoff state) of its own.
  args.SetInt("ledger.test.channel", next_id++);
  return grpc::CreateCustomChannel(address_, grpc::InsecureChannelCredentials(),
                                   args);
}

std::string LedgerdProcess::LogTail(size_t bytes) const {
  std::ifstream in(log_path_);
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string log = buffer.str();
  return log.size() <= bytes ? log : log.substr(log.size() - bytes);
}

std::ostream& operator<<(std::ostream& os, const SubprocessResult& r) {
  return os << "exit " << r.exit_code << (r.timed_out ? " (timed out)" : "")
            << "\n--- stdout:\n"
            << r.out << "--- stderr:\n"
            << r.err;
}

std::vector<std::string> LedgerctlEnvironment(const std::string& address,
                                              const std::string& actor) {
  std::vector<std::string> env;
  for (char** var = environ; *var != nullptr; ++var) {
    if (!absl::StartsWith(*var, "LEDGER_")) env.push_back(*var);
  }
  if (!address.empty()) env.push_back(absl::StrCat("LEDGER_ADDRESS=", address));
  env.push_back(absl::StrCat("LEDGER_ACTOR=", actor));
  return env;
}

Subprocess::Subprocess(std::vector<std::string> args,
                       std::vector<std::string> env) {
  // Everything is prepared before fork(): the child of a multi-threaded
  // parent may only make async-signal-safe calls before exec.
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (std::string& var : env) envp.push_back(var.data());
  envp.push_back(nullptr);
  int out[2] = {-1, -1};
  int err[2] = {-1, -1};
  const int null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  const pid_t parent = getpid();
  sigset_t no_signals;
  sigemptyset(&no_signals);
  if (pipe2(out, O_CLOEXEC) == 0 && pipe2(err, O_CLOEXEC) == 0) {
    pid_ = fork();
    if (pid_ == 0) {
      prctl(PR_SET_PDEATHSIG, SIGKILL);  // never outlive a crashed test
      if (getppid() != parent) _exit(127);
      dup2(null_fd, STDIN_FILENO);
      dup2(out[1], STDOUT_FILENO);
      dup2(err[1], STDERR_FILENO);
      sigprocmask(SIG_SETMASK, &no_signals, nullptr);
      execve(argv[0], argv.data(), envp.data());
      _exit(127);
    }
  }
  for (int fd : {null_fd, out[1], err[1]}) {
    if (fd >= 0) close(fd);
  }
  out_fd_ = out[0];
  err_fd_ = err[0];
}

Subprocess::~Subprocess() {
  if (pid_ > 0) KillAndReap();
  CloseOutput();
}

bool Subprocess::WaitForStdout(absl::string_view needle,
                               absl::Duration timeout) {
  Pump(absl::Now() + timeout, needle);
  return absl::StrContains(result_.out, needle);
}

SubprocessResult Subprocess::Finish(absl::Duration timeout) {
  if (pid_ <= 0) {
    result_.err += "[test: the process was not started]";
    return result_;
  }
  const absl::Time deadline = absl::Now() + timeout;
  const bool closed = Pump(deadline, "");
  while (closed && pid_ > 0 && absl::Now() < deadline) {
    int status = 0;
    const pid_t r = waitpid(pid_, &status, WNOHANG);
    if (r == pid_ && WIFEXITED(status)) {
      result_.exit_code = WEXITSTATUS(status);
    }
    if (r == pid_ || (r < 0 && errno != EINTR)) {
      pid_ = -1;
    } else {
      absl::SleepFor(absl::Milliseconds(2));
    }
  }
  if (pid_ > 0) {
    result_.timed_out = true;
    KillAndReap();
  }
  CloseOutput();
  return result_;
}

bool Subprocess::Pump(absl::Time deadline, absl::string_view needle) {
  while (out_fd_ >= 0 || err_fd_ >= 0) {
    if (!needle.empty() && absl::StrContains(result_.out, needle)) {
      return true;
    }
    const absl::Duration left = deadline - absl::Now();
    if (left <= absl::ZeroDuration()) return false;
    pollfd fds[2];
    int n = 0;
    if (out_fd_ >= 0) fds[n++] = {out_fd_, POLLIN, 0};
    if (err_fd_ >= 0) fds[n++] = {err_fd_, POLLIN, 0};
    const int ready =
        poll(fds, n, static_cast<int>(absl::ToInt64Milliseconds(left)) + 1);
    if (ready < 0 && errno != EINTR) return false;
    for (int i = 0; i < n && ready > 0; ++i) {
      if (fds[i].revents == 0) continue;
      const bool is_out = fds[i].fd == out_fd_;
      char buffer[4096];
      const ssize_t got = read(fds[i].fd, buffer, sizeof(buffer));
      if (got < 0 && errno == EINTR) continue;
      if (got <= 0) {
        close(fds[i].fd);
        (is_out ? out_fd_ : err_fd_) = -1;
      } else {
        (is_out ? result_.out : result_.err).append(buffer, got);
      }
    }
  }
  return true;
}

void Subprocess::KillAndReap() {
  kill(pid_, SIGKILL);
  int status = 0;
  while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  pid_ = -1;
}

void Subprocess::CloseOutput() {
  for (int* fd : {&out_fd_, &err_fd_}) {
    if (*fd >= 0) close(*fd);
    *fd = -1;
  }
}

}  // namespace ledger::testing
