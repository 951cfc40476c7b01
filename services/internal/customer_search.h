#ifndef LEDGER_SERVICES_INTERNAL_CUSTOMER_SEARCH_H_
#define LEDGER_SERVICES_INTERNAL_CUSTOMER_SEARCH_H_

#include "absl/status/status.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "ledger/v1/customer.pb.h"
#include "storage/event_log.h"

namespace ledger::services::internal {

// ledger.v1.CustomerQuery/SearchCustomers: the AND of the request's filters,
// answered from the secondary indexes of one StateView. Matching and
// counting read index keys only; profiles are loaded for the returned page
// alone, so total_count stays cheap for large result sets.
//
// INVALID_ARGUMENT (naming the field) for unknown enum values and foreign
// page tokens.
// A request's purpose keeps only customers with a consent for it that is
// live on the UTC day of `now`.
[[nodiscard]] absl::Status SearchCustomers(
    const storage::EventLog& log, const ledger::v1::SearchCustomersRequest& req,
    ledger::v1::SearchCustomersResponse* resp, absl::Time now = absl::Now());

}  // namespace ledger::services::internal

#endif  // LEDGER_SERVICES_INTERNAL_CUSTOMER_SEARCH_H_
