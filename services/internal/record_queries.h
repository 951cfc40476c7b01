#ifndef LEDGER_SERVICES_INTERNAL_RECORD_QUERIES_H_
#define LEDGER_SERVICES_INTERNAL_RECORD_QUERIES_H_

// The CustomerQuery RPCs over a customer's records (transactions,
// opportunities, service cases, member cards). Each validates its request
// (INVALID_ARGUMENT naming the field), answers from one consistent
// StateView and returns NOT_FOUND for an unknown customer.

#include "absl/status/status.h"
#include "absl/time/civil_time.h"
#include "ledger/v1/customer.pb.h"
#include "storage/event_log.h"

namespace ledger::services::internal {

[[nodiscard]] absl::Status ListTransactions(
    const storage::EventLog& log,
    const ledger::v1::ListTransactionsRequest& req,
    ledger::v1::ListTransactionsResponse* resp);
[[nodiscard]] absl::Status ListOpportunities(
    const storage::EventLog& log,
    const ledger::v1::ListOpportunitiesRequest& req,
    ledger::v1::ListOpportunitiesResponse* resp);
[[nodiscard]] absl::Status ListServiceCases(
    const storage::EventLog& log,
    const ledger::v1::ListServiceCasesRequest& req,
    ledger::v1::ListServiceCasesResponse* resp);
// `today` decides MemberCard.expired.
[[nodiscard]] absl::Status ListMemberCards(
    const storage::EventLog& log, const ledger::v1::ListMemberCardsRequest& req,
    absl::CivilDay today, ledger::v1::ListMemberCardsResponse* resp);

}  // namespace ledger::services::internal

#endif  // LEDGER_SERVICES_INTERNAL_RECORD_QUERIES_H_
