#ifndef LEDGER_SERVICES_INTERNAL_CUSTOMER_QUERIES_H_
#define LEDGER_SERVICES_INTERNAL_CUSTOMER_QUERIES_H_

// The query logic behind ledger.v1.CustomerQuery, one function per RPC
// (SearchCustomers is in customer_search.h, ListDueFollowUps in
// due_follow_ups.h). Each
// validates its request (INVALID_ARGUMENT naming the field), answers from
// one consistent StateView, and returns NOT_FOUND for unknown customers.

#include "absl/status/status.h"
#include "ledger/v1/customer.pb.h"
#include "storage/event_log.h"

namespace ledger::services::internal {

[[nodiscard]] absl::Status GetProfile(const storage::EventLog& log,
                                      const ledger::v1::GetProfileRequest& req,
                                      ledger::v1::GetProfileResponse* resp);
[[nodiscard]] absl::Status ListTimeline(
    const storage::EventLog& log, const ledger::v1::ListTimelineRequest& req,
    ledger::v1::ListTimelineResponse* resp);
[[nodiscard]] absl::Status GetClassification(
    const storage::EventLog& log,
    const ledger::v1::GetClassificationRequest& req,
    ledger::v1::GetClassificationResponse* resp);

}  // namespace ledger::services::internal

#endif  // LEDGER_SERVICES_INTERNAL_CUSTOMER_QUERIES_H_
