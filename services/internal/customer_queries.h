#ifndef LEDGER_SERVICES_INTERNAL_CUSTOMER_QUERIES_H_
#define LEDGER_SERVICES_INTERNAL_CUSTOMER_QUERIES_H_

// The query logic behind ledger.v1.CustomerQuery, one function per RPC
// (SearchCustomers is in customer_search.h, ListDueFollowUps in
// due_follow_ups.h). Each
// validates its request (INVALID_ARGUMENT naming the field), answers from
// one consistent StateView, and returns NOT_FOUND for unknown customers.

#include "absl/status/status.h"
#include "ledger/v1/customer.pb.h"
#include "projections/payload_opener.h"
#include "storage/event_log.h"

namespace ledger::services::internal {

// Time travel folds the stream again, opening sealed personal fields with
// `opener` (null: only their public part is seen).
[[nodiscard]] absl::Status GetProfile(
    const storage::EventLog& log, const ledger::v1::GetProfileRequest& req,
    ledger::v1::GetProfileResponse* resp,
    const projections::PayloadOpener* opener = nullptr);
[[nodiscard]] absl::Status ListTimeline(
    const storage::EventLog& log, const ledger::v1::ListTimelineRequest& req,
    ledger::v1::ListTimelineResponse* resp);
[[nodiscard]] absl::Status GetClassification(
    const storage::EventLog& log,
    const ledger::v1::GetClassificationRequest& req,
    ledger::v1::GetClassificationResponse* resp,
    const projections::PayloadOpener* opener = nullptr);

}  // namespace ledger::services::internal

#endif  // LEDGER_SERVICES_INTERNAL_CUSTOMER_QUERIES_H_
