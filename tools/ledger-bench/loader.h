#ifndef LEDGER_TOOLS_LEDGER_BENCH_LOADER_H_
#define LEDGER_TOOLS_LEDGER_BENCH_LOADER_H_

// Bulk loading of synthetic customers (customer_data.h): one Append per
// customer carrying its whole history, from many client threads.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "grpcpp/grpcpp.h"
#include "tools/ledger-bench/workloads.h"

namespace ledger::bench {

struct LoadResult {
  int64_t customers = 0;      // appends that succeeded (new or duplicate)
  int64_t events = 0;         // events in those appends
  int64_t duplicates = 0;     // appends the server had already committed
  uint64_t max_position = 0;  // highest last_position answered
  double seconds = 0;
};

// Appends customers 0 .. config.customers-1 of `prefix` with
// config.events_per_customer events each, from config.clients threads over
// `channels`. Retries UNAVAILABLE, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED and
// ABORTED with the same request. Prints a progress line to stderr every
// progress_s seconds (none when <= 0). False with *error set on the first
// call that failed for good; *result then covers what was done.
bool LoadCustomers(const BenchConfig& config, const std::string& prefix,
                   const std::vector<std::shared_ptr<grpc::Channel>>& channels,
                   double progress_s, LoadResult* result, std::string* error);

// The `load` command: LoadCustomers with config.prefix (default "L"),
// progress on stderr, and a summary on stdout (JSON with --json). Exit
// status 0 on success, 1 on failure.
int RunLoad(const BenchConfig& config,
            const std::vector<std::shared_ptr<grpc::Channel>>& channels,
            bool server_sync);

}  // namespace ledger::bench

#endif  // LEDGER_TOOLS_LEDGER_BENCH_LOADER_H_
