// ledger-bench: a load generator for customer-ledgerd over gRPC.
//
//   ledger-bench append --address 127.0.0.1:50051 --clients 64 --duration 10
//   ledger-bench read-stream --clients 16 --runs 3 --json
//   ledger-bench health --clients 64 --duration 5
//   ledger-bench load --customers 1000000 --events-per-customer 10
//       --prefix L --clients 8          # server with --sync=false for this
//   ledger-bench get-profile --no-prepare --prefix L --customers 1000000
//   ledger-bench timeline|search --no-prepare --prefix L --customers 1000000
//
// N client threads make synchronous calls (each with a deadline) over C
// separate connections for a warm-up and then a timed window; the report
// gives throughput, latency percentiles, failed calls by status code and,
// for append, the server's average group-commit batch size. Exit status: 0
// when every timed call succeeded, 1 when setup failed, 3 when some timed
// calls failed.
//
// `load` is not timed like the others: it appends whole synthetic customers
// (one request of --events-per-customer events each, deterministic ids
// "<prefix>-<n>" and request_ids, so a rerun only gets duplicates) and
// reports progress and a summary. get-profile, timeline and search load
// --customers such customers themselves unless --no-prepare is given.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <exception>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/synchronization/mutex.h"
#include "tools/common/client_connection.h"
#include "tools/ledger-bench/customer_data.h"
#include "tools/ledger-bench/loader.h"
#include "tools/ledger-bench/stats.h"
#include "tools/ledger-bench/workloads.h"

namespace ledger::bench {

namespace {

constexpr int kWarmup = 0;
constexpr int kMeasure = 1;
constexpr int kStop = 2;

const char* CodeName(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK:
      return "OK";
    case grpc::StatusCode::CANCELLED:
      return "CANCELLED";
    case grpc::StatusCode::UNKNOWN:
      return "UNKNOWN";
    case grpc::StatusCode::INVALID_ARGUMENT:
      return "INVALID_ARGUMENT";
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return "DEADLINE_EXCEEDED";
    case grpc::StatusCode::NOT_FOUND:
      return "NOT_FOUND";
    case grpc::StatusCode::ALREADY_EXISTS:
      return "ALREADY_EXISTS";
    case grpc::StatusCode::PERMISSION_DENIED:
      return "PERMISSION_DENIED";
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return "RESOURCE_EXHAUSTED";
    case grpc::StatusCode::FAILED_PRECONDITION:
      return "FAILED_PRECONDITION";
    case grpc::StatusCode::ABORTED:
      return "ABORTED";
    case grpc::StatusCode::OUT_OF_RANGE:
      return "OUT_OF_RANGE";
    case grpc::StatusCode::UNIMPLEMENTED:
      return "UNIMPLEMENTED";
    case grpc::StatusCode::INTERNAL:
      return "INTERNAL";
    case grpc::StatusCode::UNAVAILABLE:
      return "UNAVAILABLE";
    case grpc::StatusCode::DATA_LOSS:
      return "DATA_LOSS";
    case grpc::StatusCode::UNAUTHENTICATED:
      return "UNAUTHENTICATED";
    default:
      return "UNRECOGNIZED";
  }
}

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
      .count();
}

void SleepSeconds(double seconds) {
  if (seconds > 0) {
    std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  }
}

// One client thread: calls until told to stop, recording only the calls
// that started inside the timed window.
void ClientLoop(Client& client, const std::atomic<int>& phase,
                ThreadStats& stats) {
  stats.latencies_us.reserve(1 << 16);
  for (;;) {
    const int now_phase = phase.load(std::memory_order_acquire);
    if (now_phase == kStop) return;
    const auto start = std::chrono::steady_clock::now();
    uint64_t events = 0;
    const grpc::Status status = client.Call(&events);
    const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(
                            std::chrono::steady_clock::now() - start)
                            .count();
    if (now_phase == kMeasure) {
      if (status.ok()) {
        stats.latencies_us.push_back(
            static_cast<uint32_t>(std::min<int64_t>(micros, UINT32_MAX)));
        ++stats.ok_requests;
        stats.events += events;
      } else {
        const char* name = CodeName(status.error_code());
        ++stats.errors[name];
        if (stats.first_error.empty()) {
          stats.first_error = std::string(name) + ": " + status.error_message();
        }
      }
    }
    // Do not spin when the server is down.
    if (!status.ok()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

RunResult RunOnce(const BenchConfig& config, Workload& workload,
                  std::vector<std::unique_ptr<Client>>& clients,
                  const std::shared_ptr<grpc::Channel>& info_channel) {
  std::atomic<int> phase{kWarmup};
  std::vector<ThreadStats> stats(clients.size());
  std::vector<std::thread> threads;
  for (size_t i = 0; i < clients.size(); ++i) {
    threads.emplace_back([&, i] { ClientLoop(*clients[i], phase, stats[i]); });
  }
  SleepSeconds(config.warmup_s);
  ServerCounters before, after;
  if (workload.ReportsCommits()) {
    grpc::Status s =
        ReadServerCounters(info_channel, config.deadline_ms, &before);
    if (!s.ok()) {
      std::fprintf(stderr, "warning: GetInfo before the run failed: %s\n",
                   s.error_message().c_str());
    }
  }
  const auto start = std::chrono::steady_clock::now();
  phase.store(kMeasure, std::memory_order_release);
  SleepSeconds(config.duration_s);
  phase.store(kStop, std::memory_order_release);
  const double seconds = SecondsSince(start);
  if (workload.ReportsCommits()) {
    grpc::Status s =
        ReadServerCounters(info_channel, config.deadline_ms, &after);
    if (!s.ok()) {
      std::fprintf(stderr, "warning: GetInfo after the run failed: %s\n",
                   s.error_message().c_str());
    }
  }
  for (auto& t : threads) t.join();
  return MergeRun(stats, seconds, before, after);
}

// Waits up to ~5 s for the server to answer GetInfo.
bool WaitForServer(const BenchConfig& config,
                   const std::shared_ptr<grpc::Channel>& channel,
                   ServerCounters* info) {
  grpc::Status status;
  for (int attempt = 0; attempt < 25; ++attempt) {
    status = ReadServerCounters(channel, 1000, info);
    if (status.ok()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  std::fprintf(stderr,
               "ledger-bench: cannot reach customer-ledgerd at %s: %s\n",
               config.address.c_str(), status.error_message().c_str());
  return false;
}

std::string ConfigJson(const BenchConfig& config, const Workload& workload) {
  char buf[512];
  std::snprintf(
      buf, sizeof(buf),
      "\"clients\":%d,\"channels\":%d,\"duration_s\":%.2f,"
      "\"warmup_s\":%.2f,\"payload_bytes\":%d,"
      "\"events_per_request\":%d,\"customers\":%d,"
      "\"new_customer_ratio\":%.3f,\"deadline_ms\":%d,"
      "\"events_per_customer\":%d,\"no_prepare\":%s",
      config.clients, config.channels, config.duration_s, config.warmup_s,
      config.payload_bytes, config.events_per_request, config.customers,
      config.new_customer_ratio, config.deadline_ms, config.events_per_customer,
      config.no_prepare ? "true" : "false");
  return "\"workload\":" + JsonString(config.workload) +
         ",\"address\":" + JsonString(config.address) +
         ",\"description\":" + JsonString(workload.Describe()) + "," + buf;
}

int Bench(const BenchConfig& config) {
  auto channels =
      MakeChannels(config.address, config.channels, config.connection);
  ServerCounters info;
  if (!WaitForServer(config, channels[0], &info)) return 1;
  if (config.workload == "load") {
    return RunLoad(config, channels, info.sync_writes);
  }
  std::string error;
  std::unique_ptr<Workload> workload = NewWorkload(config, channels, &error);
  if (workload == nullptr) {
    std::fprintf(stderr, "ledger-bench: %s\n", error.c_str());
    return 1;
  }
  if (!config.json) {
    std::printf(
        "ledger-bench %s -> %s (server sync=%s): %d clients on %d "
        "channels, %d run(s) of %.1f s after %.1f s warm-up\n"
        "  request: %s\n",
        config.workload.c_str(), config.address.c_str(),
        info.sync_writes ? "on" : "OFF", config.clients, config.channels,
        config.runs, config.duration_s, config.warmup_s,
        workload->Describe().c_str());
    std::fflush(stdout);
  }
  const auto prepare_start = std::chrono::steady_clock::now();
  if (!workload->Prepare(&error)) {
    std::fprintf(stderr, "ledger-bench: preparation failed: %s\n",
                 error.c_str());
    return 1;
  }
  std::fprintf(stderr, "prepared in %.2f s\n", SecondsSince(prepare_start));

  std::vector<std::unique_ptr<Client>> clients;
  for (int i = 0; i < config.clients; ++i) {
    clients.push_back(workload->NewClient(i));
  }
  std::vector<RunResult> runs;
  for (int r = 0; r < config.runs; ++r) {
    runs.push_back(RunOnce(config, *workload, clients, channels[0]));
    if (!config.json) {
      std::printf("run %d/%d\n%s", r + 1, config.runs,
                  FormatRunText(runs.back()).c_str());
      std::fflush(stdout);
    }
  }

  uint64_t errors = 0;
  std::vector<double> rps, eps, p99;
  for (const RunResult& run : runs) {
    errors += run.error_count;
    rps.push_back(run.requests_per_sec());
    eps.push_back(run.events_per_sec());
    p99.push_back(run.p99_ms);
  }
  if (config.json) {
    std::string out = "{" + ConfigJson(config, *workload) + ",\"runs\":[";
    for (size_t i = 0; i < runs.size(); ++i) {
      if (i > 0) out += ",";
      out += FormatRunJson(runs[i]);
    }
    char buf[256];
    std::snprintf(buf, sizeof(buf),
                  "],\"median\":{\"requests_per_sec\":%.1f,"
                  "\"events_per_sec\":%.1f,\"p99_ms\":%.3f},"
                  "\"error_count\":%" PRIu64 "}",
                  Median(rps), Median(eps), Median(p99), errors);
    std::printf("%s%s\n", out.c_str(), buf);
  } else {
    if (runs.size() > 1) {
      std::printf(
          "median of %zu runs: %.1f requests/s, %.1f events/s, "
          "p99 %.3f ms\n",
          runs.size(), Median(rps), Median(eps), Median(p99));
    }
    if (errors > 0) {
      std::printf("FAILED CALLS: %" PRIu64
                  " timed calls failed; the figures above count successful "
                  "calls only\n",
                  errors);
    }
  }
  return errors > 0 ? 3 : 0;
}

}  // namespace

}  // namespace ledger::bench

int main(int argc, char** argv) {
  // Debian's Abseil is built without NDEBUG, so every absl::Mutex lock in
  // gRPC's client core would also update Abseil's deadlock graph (a few
  // percent of the load generator's CPU, taken from the server it shares
  // the machine with). The server turns it off the same way.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  ledger::bench::BenchConfig config;
  CLI::App app{
      "ledger-bench: load generator for customer-ledgerd (gRPC "
      "ledger.v1). Exit status 0: all timed calls succeeded; 1: "
      "setup failed; 3: some timed calls failed."};
  app.add_option(
         "workload", config.workload,
         "append, read-stream, health, info, get-profile, timeline, search "
         "or load")
      ->required()
      ->check(CLI::IsMember({"append", "read-stream", "health", "info",
                             "get-profile", "timeline", "search", "load"}));
  app.add_option("--address", config.address, "Server address (host:port)")
      ->capture_default_str();
  app.add_option("--clients", config.clients,
                 "Client threads, each with one call in flight")
      ->capture_default_str()
      ->check(CLI::Range(1, 4096));
  app.add_option("--channels", config.channels,
                 "Separate connections the clients share (default "
                 "min(clients, 4))")
      ->check(CLI::Range(1, 1024));
  app.add_option("--duration", config.duration_s, "Seconds of each timed run")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--warmup", config.warmup_s,
                 "Seconds of untimed load before each run")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  app.add_option("--runs", config.runs,
                 "Timed runs; reports each and the median")
      ->capture_default_str()
      ->check(CLI::Range(1, 100));
  app.add_option("--payload-bytes", config.payload_bytes,
                 "Approximate serialized size of each ContactLogged payload")
      ->capture_default_str()
      ->check(CLI::Range(20, 1 << 20));
  app.add_option("--events-per-request", config.events_per_request,
                 "ContactLogged events per append request")
      ->capture_default_str()
      ->check(CLI::Range(1, 100000));
  app.add_option("--customers", config.customers,
                 "Customers created before timing starts; load: customers "
                 "to load; with --no-prepare: customers of the earlier load")
      ->capture_default_str()
      ->check(CLI::Range(1, 10000000));
  app.add_option("--new-customer-ratio", config.new_customer_ratio,
                 "append: fraction of requests that register a new customer")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1.0));
  app.add_option("--deadline-ms", config.deadline_ms, "Deadline of every call")
      ->capture_default_str()
      ->check(CLI::Range(1, 600000));
  app.add_option("--seed", config.seed,
                 "Random seed of the generated content (0: from the clock)")
      ->capture_default_str();
  app.add_option("--events-per-customer", config.events_per_customer,
                 "load, get-profile, timeline, search: events of each "
                 "customer, appended in one request (registration, "
                 "contacts, a classification, an owner change)")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000));
  app.add_option("--prefix", config.prefix,
                 "load and query workloads: customer ids are "
                 "\"<prefix>-<n>\" (default \"L\" for load and --no-prepare, "
                 "else a run-unique prefix)");
  app.add_flag("--no-prepare", config.no_prepare,
               "get-profile, timeline, search: create nothing; use the "
               "customers of an earlier load with the same --prefix and "
               "--customers");
  app.add_option("--progress", config.progress_s,
                 "Seconds between progress lines while loading (0: none)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  app.add_flag("--json", config.json,
               "Print the result as one JSON object on stdout");
  ledger::client::AddConnectionFlags(app, &config.connection);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  if (std::string error;
      !ledger::client::LoadFiles(&config.connection, &error)) {
    std::fprintf(stderr, "ledger-bench: %s\n", error.c_str());
    return 1;
  }
  // An authenticated bench appends as its principal.
  if (config.connection.Authenticates()) ledger::bench::SetBenchActor("");
  if (config.channels == 0) config.channels = std::min(config.clients, 4);
  config.channels = std::min(config.channels, config.clients);
  if (config.seed == 0) {
    config.seed = static_cast<uint64_t>(
        std::chrono::system_clock::now().time_since_epoch().count());
  }
  return ledger::bench::Bench(config);
}
