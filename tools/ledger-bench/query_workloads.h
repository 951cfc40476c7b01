#ifndef LEDGER_TOOLS_LEDGER_BENCH_QUERY_WORKLOADS_H_
#define LEDGER_TOOLS_LEDGER_BENCH_QUERY_WORKLOADS_H_

// Workloads of the ledger.v1.CustomerQuery service:
//   get-profile  GetProfile of a random customer
//   timeline     ListTimeline (page_size 20) of a random customer
//   search       SearchCustomers (owner + grade filter, page_size 20)
// Their customers are the synthetic ones of customer_data.h: Prepare loads
// config.customers of them, or with config.no_prepare checks that an
// earlier `ledger-bench load` with config.prefix created them.

#include <memory>
#include <string>
#include <vector>

#include "grpcpp/grpcpp.h"
#include "tools/ledger-bench/workloads.h"

namespace ledger::bench {

// Whether `name` is one of the query workloads.
bool IsQueryWorkload(const std::string& name);

// The query workload config.workload, or null if it is not one.
std::unique_ptr<Workload> NewQueryWorkload(
    const BenchConfig& config,
    std::vector<std::shared_ptr<grpc::Channel>> channels);

}  // namespace ledger::bench

#endif  // LEDGER_TOOLS_LEDGER_BENCH_QUERY_WORKLOADS_H_
