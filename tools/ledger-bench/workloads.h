#ifndef LEDGER_TOOLS_LEDGER_BENCH_WORKLOADS_H_
#define LEDGER_TOOLS_LEDGER_BENCH_WORKLOADS_H_

// The workloads of ledger-bench. A Workload prepares its data before timing
// starts and hands every client thread a Client that makes one synchronous
// call at a time.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "grpcpp/grpcpp.h"
#include "tools/common/client_connection.h"
#include "tools/ledger-bench/stats.h"

namespace ledger::bench {

struct BenchConfig {
  // append, read-stream, health, get-profile, timeline, search or load
  std::string workload;
  std::string address = "127.0.0.1:50051";
  int clients = 16;
  int channels = 0;  // 0: min(clients, 4)
  double duration_s = 10;
  double warmup_s = 1;
  int payload_bytes = 300;
  int events_per_request = 1;
  int customers = 1000;
  double new_customer_ratio = 0.1;
  int deadline_ms = 10000;
  int runs = 1;
  bool json = false;
  uint64_t seed = 0;  // 0: from the clock
  // load and the query workloads: customers are "<prefix>-<n>", n <
  // customers, each with events_per_customer events. Empty prefix: a
  // run-unique one (query workloads) or "L" (load).
  std::string prefix;
  int events_per_customer = 10;
  bool no_prepare = false;  // query workloads: use an earlier `load`
  double progress_s = 5;    // load: seconds between progress lines
  client::ConnectionOptions connection;  // TLS, token, metadata
};

// One client thread's connection to the server. Not thread-safe: each
// thread owns one.
class Client {
 public:
  virtual ~Client() = default;
  // Makes one call with a deadline. On success sets *events to the number of
  // events it appended or read (0 for health checks).
  virtual grpc::Status Call(uint64_t* events) = 0;
};

class Workload {
 public:
  virtual ~Workload() = default;
  // Creates what the timed calls need (customers, events). False with
  // *error set if that failed.
  virtual bool Prepare(std::string* error) = 0;
  // The client of thread `index` (0-based).
  virtual std::unique_ptr<Client> NewClient(int index) = 0;
  // Whether the report should include the server's group-commit counters.
  virtual bool ReportsCommits() const { return false; }
  // One-line description of what a request does, for the report header.
  virtual std::string Describe() const = 0;
};

// `count` channels to `address`, each with distinct channel arguments so
// that gRPC gives each its own TCP connection.
std::vector<std::shared_ptr<grpc::Channel>> MakeChannels(
    const std::string& address, int count,
    const client::ConnectionOptions& connection);

// The workload named config.workload over `channels`, or null (with *error
// set) for an unknown name.
std::unique_ptr<Workload> NewWorkload(
    const BenchConfig& config,
    std::vector<std::shared_ptr<grpc::Channel>> channels, std::string* error);

// Reads the server's GetInfo counters with a deadline.
grpc::Status ReadServerCounters(const std::shared_ptr<grpc::Channel>& channel,
                                int deadline_ms, ServerCounters* out);

}  // namespace ledger::bench

#endif  // LEDGER_TOOLS_LEDGER_BENCH_WORKLOADS_H_
