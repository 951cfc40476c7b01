#include "tools/ledger-bench/loader.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <thread>

#include "ledger/v1/ledger.grpc.pb.h"
#include "tools/ledger-bench/customer_data.h"
#include "tools/ledger-bench/stats.h"

namespace ledger::bench {

namespace {

namespace v1 = ::ledger::v1;

constexpr int kMaxAttempts = 10;

bool Retryable(grpc::StatusCode code) {
  return code == grpc::StatusCode::UNAVAILABLE ||
         code == grpc::StatusCode::DEADLINE_EXCEEDED ||
         code == grpc::StatusCode::RESOURCE_EXHAUSTED ||
         code == grpc::StatusCode::ABORTED;
}

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
      .count();
}

// Counters shared by the loader threads.
struct Progress {
  std::atomic<int64_t> customers{0};
  std::atomic<int64_t> events{0};
  std::atomic<int64_t> duplicates{0};
  std::atomic<uint64_t> max_position{0};
};

// Appends one customer, retrying transient failures with backoff.
grpc::Status AppendWithRetry(v1::Ledger::Stub& stub,
                             const v1::AppendRequest& request, int deadline_ms,
                             v1::AppendResponse* response) {
  grpc::Status status;
  int backoff_ms = 50;
  for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::milliseconds(deadline_ms));
    status = stub.Append(&context, request, response);
    if (!Retryable(status.error_code())) return status;
    std::this_thread::sleep_for(std::chrono::milliseconds(backoff_ms));
    backoff_ms = std::min(backoff_ms * 2, 2000);
  }
  return status;
}

void PrintProgress(const BenchConfig& config, const Progress& progress,
                   double elapsed, int64_t* last_customers,
                   int64_t* last_events, double* last_time) {
  const int64_t customers = progress.customers.load();
  const int64_t events = progress.events.load();
  const double interval = std::max(1e-9, elapsed - *last_time);
  std::fprintf(stderr,
               "load: %lld/%d customers (%.1f%%) in %.0f s: %.0f customers/s, "
               "%.0f events/s (last %.1f s); %.0f events/s overall; %lld "
               "duplicates\n",
               static_cast<long long>(customers), config.customers,
               100.0 * static_cast<double>(customers) / config.customers,
               elapsed,
               static_cast<double>(customers - *last_customers) / interval,
               static_cast<double>(events - *last_events) / interval, interval,
               elapsed > 0 ? static_cast<double>(events) / elapsed : 0.0,
               static_cast<long long>(progress.duplicates.load()));
  *last_customers = customers;
  *last_events = events;
  *last_time = elapsed;
}

}  // namespace

bool LoadCustomers(const BenchConfig& config, const std::string& prefix,
                   const std::vector<std::shared_ptr<grpc::Channel>>& channels,
                   double progress_s, LoadResult* result, std::string* error) {
  const auto start = std::chrono::steady_clock::now();
  Progress progress;
  std::atomic<int64_t> next{0};
  std::atomic<bool> failed{false};
  std::mutex mu;
  std::condition_variable done_cv;
  int running = config.clients;

  std::vector<std::thread> workers;
  for (int t = 0; t < config.clients; ++t) {
    workers.emplace_back([&, t] {
      auto stub = v1::Ledger::NewStub(channels[t % channels.size()]);
      for (int64_t n = next++; n < config.customers && !failed; n = next++) {
        const v1::AppendRequest request =
            SyntheticCustomerRequest(prefix, n, config.events_per_customer);
        v1::AppendResponse response;
        const grpc::Status status =
            AppendWithRetry(*stub, request, config.deadline_ms, &response);
        if (!status.ok()) {
          std::lock_guard<std::mutex> lock(mu);
          if (!failed.exchange(true)) {
            *error =
                "appending customer " + request.customer_id() +
                " failed: code " + std::to_string(status.error_code()) + ": " +
                status.error_message() +
                (status.error_code() == grpc::StatusCode::FAILED_PRECONDITION
                     ? " (was it loaded before with another "
                       "--events-per-customer?)"
                     : "");
          }
          break;
        }
        progress.customers.fetch_add(1, std::memory_order_relaxed);
        progress.events.fetch_add(request.events_size(),
                                  std::memory_order_relaxed);
        if (response.duplicate()) {
          progress.duplicates.fetch_add(1, std::memory_order_relaxed);
        }
        uint64_t seen = progress.max_position.load(std::memory_order_relaxed);
        while (response.last_position() > seen &&
               !progress.max_position.compare_exchange_weak(
                   seen, response.last_position())) {
        }
      }
      std::lock_guard<std::mutex> lock(mu);
      if (--running == 0) done_cv.notify_all();
    });
  }

  int64_t last_customers = 0, last_events = 0;
  double last_time = 0;
  {
    std::unique_lock<std::mutex> lock(mu);
    while (running > 0) {
      if (progress_s > 0) {
        done_cv.wait_for(lock, std::chrono::duration<double>(progress_s),
                         [&] { return running == 0; });
        if (running > 0) {
          lock.unlock();
          PrintProgress(config, progress, SecondsSince(start), &last_customers,
                        &last_events, &last_time);
          lock.lock();
        }
      } else {
        done_cv.wait(lock, [&] { return running == 0; });
      }
    }
  }
  for (auto& w : workers) w.join();

  result->seconds = SecondsSince(start);
  result->customers = progress.customers.load();
  result->events = progress.events.load();
  result->duplicates = progress.duplicates.load();
  result->max_position = progress.max_position.load();
  return !failed;
}

int RunLoad(const BenchConfig& config,
            const std::vector<std::shared_ptr<grpc::Channel>>& channels,
            bool server_sync) {
  const std::string prefix = config.prefix.empty() ? "L" : config.prefix;
  if (!config.json) {
    std::printf(
        "ledger-bench load -> %s (server sync=%s): customers %s-0 .. %s-%d, "
        "%d events each, one append per customer, %d clients on %zu "
        "channels\n",
        config.address.c_str(), server_sync ? "on" : "OFF", prefix.c_str(),
        prefix.c_str(), config.customers - 1, config.events_per_customer,
        config.clients, channels.size());
    if (server_sync) {
      std::printf(
          "  note: the server syncs every commit; for a fast bulk load start "
          "it with --sync=false and restart it with --sync=true after\n");
    }
    std::fflush(stdout);
  }
  LoadResult result;
  std::string error;
  const bool ok = LoadCustomers(config, prefix, channels, config.progress_s,
                                &result, &error);
  const double cps =
      result.seconds > 0
          ? static_cast<double>(result.customers) / result.seconds
          : 0;
  const double eps = result.seconds > 0
                         ? static_cast<double>(result.events) / result.seconds
                         : 0;
  if (config.json) {
    char buf[512];
    std::snprintf(
        buf, sizeof(buf),
        "{\"workload\":\"load\",\"address\":%s,\"prefix\":%s,"
        "\"customers\":%d,\"events_per_customer\":%d,\"clients\":%d,"
        "\"channels\":%zu,\"loaded_customers\":%lld,\"events\":%lld,"
        "\"duplicates\":%lld,\"seconds\":%.3f,\"customers_per_sec\":%.1f,"
        "\"events_per_sec\":%.1f,\"last_position\":%llu,\"ok\":%s}",
        JsonString(config.address).c_str(), JsonString(prefix).c_str(),
        config.customers, config.events_per_customer, config.clients,
        channels.size(), static_cast<long long>(result.customers),
        static_cast<long long>(result.events),
        static_cast<long long>(result.duplicates), result.seconds, cps, eps,
        static_cast<unsigned long long>(result.max_position),
        ok ? "true" : "false");
    std::printf("%s\n", buf);
  } else {
    std::printf(
        "loaded %lld customers, %lld events in %.2f s: %.0f customers/s, "
        "%.0f events/s; %lld were already loaded (duplicates); log head "
        "position >= %llu\n",
        static_cast<long long>(result.customers),
        static_cast<long long>(result.events), result.seconds, cps, eps,
        static_cast<long long>(result.duplicates),
        static_cast<unsigned long long>(result.max_position));
  }
  if (!ok) {
    std::fprintf(stderr, "ledger-bench: load failed: %s\n", error.c_str());
    return 1;
  }
  return 0;
}

}  // namespace ledger::bench
