#ifndef LEDGER_TOOLS_LEDGER_BENCH_CUSTOMER_DATA_H_
#define LEDGER_TOOLS_LEDGER_BENCH_CUSTOMER_DATA_H_

// Deterministic synthetic customers for `ledger-bench load` and the query
// workloads. Customer n of prefix P has the id "P-n" and its whole history
// is one AppendRequest that depends only on (P, n, events per customer), so
// a rerun sends byte-identical requests under the same request_id and the
// server answers them as duplicates.

#include <cstdint>
#include <string>

#include "ledger/v1/events.pb.h"
#include "ledger/v1/ledger.pb.h"

namespace ledger::bench {

// Owners are "owner-00" .. "owner-49"; every customer's final owner and
// grade are functions of n, so (owner, grade) filters match about
// customers / (kOwnerPoolSize * kGradeCount) customers.
inline constexpr int kOwnerPoolSize = 50;
inline constexpr int kGradeCount = 5;  // GRADE_K .. GRADE_D

// "<prefix>-<n>".
std::string SyntheticCustomerId(const std::string& prefix, int64_t n);

// "owner-NN" for 0 <= index < kOwnerPoolSize.
std::string PoolOwnerId(int index);

// The owner of customer n after its whole history.
std::string FinalOwnerOf(int64_t n);

// The grade of customer n; GRADE_UNSPECIFIED when it has fewer than two
// events (then it is never classified).
ledger::v1::Grade FinalGradeOf(int64_t n, int events_per_customer);

// The idempotency key of customer n's request.
std::string SyntheticRequestId(const std::string& prefix, int64_t n);

// The whole history of customer n (events_per_customer >= 1): a
// CustomerRegistered (owner from the pool, region, industry), one
// CustomerClassified with a grade (if >= 2 events), one OwnerAssigned as
// the last event (if >= 3) and ContactLogged events in between, some with
// a next_follow_up. Business times lie in 2023 and are increasing.
// The actor the generated appends state: "ledger-bench", or "" when the
// server authenticates the bench (it then records the principal). Set once
// in main before any thread starts.
const std::string& BenchActor();
void SetBenchActor(std::string actor);

ledger::v1::AppendRequest SyntheticCustomerRequest(const std::string& prefix,
                                                   int64_t n,
                                                   int events_per_customer);

}  // namespace ledger::bench

#endif  // LEDGER_TOOLS_LEDGER_BENCH_CUSTOMER_DATA_H_
