#ifndef LEDGER_SERVICES_INTERNAL_DUPLICATES_H_
#define LEDGER_SERVICES_INTERNAL_DUPLICATES_H_

// CustomerQuery/FindDuplicates: candidate duplicate customers from the
// duplicate-detection indexes (projections/customer_keys.h).

#include "absl/status/status.h"
#include "ledger/v1/customer.pb.h"
#include "storage/event_log.h"

namespace ledger::services::internal {

// Pairs of active customers sharing a normalised phone, e-mail, credit
// code, ID document, licence or tax number, or with very similar names in
// the same city, each pair once with all its reasons, ordered by ids.
//
// Costs: for one customer, its keys' index ranges and every name in its
// city. For the whole store, one pass over the duplicate keys (a value
// shared by more than 50 customers, such as a switchboard number, pairs
// only the first 50) and one over the city/name index, comparing each name
// with its 20 neighbours in sorted order (the sorted-neighbourhood method:
// similar names that differ in their first characters can be missed).
// NOT_FOUND for an unknown customer_id; INVALID_ARGUMENT for a similarity
// above 100 or a bad token.
[[nodiscard]] absl::Status FindDuplicates(
    const storage::EventLog& log, const ledger::v1::FindDuplicatesRequest& req,
    ledger::v1::FindDuplicatesResponse* resp);

}  // namespace ledger::services::internal

#endif  // LEDGER_SERVICES_INTERNAL_DUPLICATES_H_
