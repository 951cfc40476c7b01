#ifndef LEDGER_PROJECTIONS_CUSTOMER_MERGE_H_
#define LEDGER_PROJECTIONS_CUSTOMER_MERGE_H_

// MergeCustomers: how a merged customer's file joins the survivor's. Pure;
// shared by the inline projection, the rebuild and time travel.

#include <cstdint>

#include "absl/status/status.h"
#include "google/protobuf/timestamp.pb.h"
#include "ledger/v1/customer.pb.h"

namespace ledger::projections {

// Whether `survivor` (as stored; empty when it has no events) can absorb
// `merged`: NOT_FOUND when either has no events; FAILED_PRECONDITION when
// either was merged already or they are the same customer. The messages
// name the customer and where its file went.
[[nodiscard]] absl::Status CheckMerge(
    const ledger::v1::CustomerProfile& merged,
    const ledger::v1::CustomerProfile& survivor);

// Folds `merged` (its final profile) into `survivor`:
// - profile fields: the survivor's values win; the merged customer's fill
//   the fields the survivor lacks; lists are united (no duplicates);
// - key people, active member cards and the maintenance plan likewise;
// - contact, transaction, opportunity, case and satisfaction figures add
//   up; first/last dates take the earliest/latest;
// - merged_from gains the merged customer and everyone merged into it;
// - the classification stays the survivor's (it changes only by events).
// `position` and `at` are the CustomerMerged event's.
void MergeProfileInto(const ledger::v1::CustomerProfile& merged,
                      uint64_t position, const google::protobuf::Timestamp& at,
                      ledger::v1::CustomerProfile* survivor);

}  // namespace ledger::projections

#endif  // LEDGER_PROJECTIONS_CUSTOMER_MERGE_H_
