#ifndef LEDGER_SERVICES_INTERNAL_CUSTOMER_SEARCH_H_
#define LEDGER_SERVICES_INTERNAL_CUSTOMER_SEARCH_H_

#include "absl/status/status.h"
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
[[nodiscard]] absl::Status SearchCustomers(
    const storage::EventLog& log, const ledger::v1::SearchCustomersRequest& req,
    ledger::v1::SearchCustomersResponse* resp);

}  // namespace ledger::services::internal

#endif  // LEDGER_SERVICES_INTERNAL_CUSTOMER_SEARCH_H_
