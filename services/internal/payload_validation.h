#ifndef LEDGER_SERVICES_INTERNAL_PAYLOAD_VALIDATION_H_
#define LEDGER_SERVICES_INTERNAL_PAYLOAD_VALIDATION_H_

// Stateless checks of one proposed event's payload: required fields, known
// enum values, formats (phones, e-mails, credit codes, ID numbers,
// postcodes, currencies), dates that must not lie in the future and
// amounts that must not be negative. What depends on the customer's current
// state (an unknown transaction id, a closed opportunity…) is decided by the
// projection when the event is committed (projections/customer_records.h).

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "ledger/v1/events.pb.h"

namespace ledger::services {

// INVALID_ARGUMENT naming the offending field below `field` (e.g.
// "events[0].payload.transaction_recorded.amount.currency_code"), why it is
// wrong and the value. `today` is the latest calendar day anywhere (UTC+14),
// so a date is "in the future" only when it is so for every time zone.
[[nodiscard]] absl::Status ValidatePayload(
    absl::string_view field, const ledger::v1::EventPayload& payload,
    absl::CivilDay today);

}  // namespace ledger::services

#endif  // LEDGER_SERVICES_INTERNAL_PAYLOAD_VALIDATION_H_
