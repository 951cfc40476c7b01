#ifndef LEDGER_SERVICES_INTERNAL_DUE_FOLLOW_UPS_H_
#define LEDGER_SERVICES_INTERNAL_DUE_FOLLOW_UPS_H_

// CustomerQuery/ListDueFollowUps: who is due for contact on a day.

#include <array>

#include "absl/status/status.h"
#include "ledger/v1/customer.pb.h"
#include "storage/event_log.h"

namespace ledger::services::internal {

// When customers are due for a visit. Constant; copyable.
struct DuePolicy {
  // Customers without a visit interval are due after this many days
  // without contact (the customer-file rule: revisit at least yearly).
  int revisit_interval_days = 365;
  // Visit interval by grade, indexed by ledger.v1.Grade (0 = ungraded);
  // 0 means none (the revisit rule applies). A maintenance plan's
  // visit_interval_days overrides it.
  std::array<int, 6> grade_visit_days = {0, 7, 14, 30, 90, 180};
};

// Four passes over the indexes, each in index order, paged with one token:
// follow-up dates up to as_of; visits due by a maintenance plan (last
// contact + the plan's interval, indexed as a date); visits due by grade or
// the revisit rule for customers without a plan (their last contact, or
// registration, scanned back from the shortest interval); greetings on
// as_of .. as_of + greeting_lead_days. A customer listed for a follow-up
// date is not listed again for a visit. INVALID_ARGUMENT for a missing or
// invalid as_of, a lead above 31 days or a bad token.
[[nodiscard]] absl::Status ListDueFollowUps(
    const storage::EventLog& log,
    const ledger::v1::ListDueFollowUpsRequest& req, const DuePolicy& policy,
    ledger::v1::ListDueFollowUpsResponse* resp);

}  // namespace ledger::services::internal

#endif  // LEDGER_SERVICES_INTERNAL_DUE_FOLLOW_UPS_H_
