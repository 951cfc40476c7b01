#ifndef LEDGER_SERVICES_INTERNAL_RECORD_VALIDATION_H_
#define LEDGER_SERVICES_INTERNAL_RECORD_VALIDATION_H_

// Stateless checks of the record events: transactions and payments,
// opportunities, service cases and revisits, member cards. Part of
// ValidatePayload (payload_validation.h), with the same contract.

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "ledger/v1/events.pb.h"

namespace ledger::services::internal {

// REQUIRES: payload holds one of the record events above.
[[nodiscard]] absl::Status ValidateRecordPayload(
    absl::string_view field, const ledger::v1::EventPayload& payload,
    absl::CivilDay today);

}  // namespace ledger::services::internal

#endif  // LEDGER_SERVICES_INTERNAL_RECORD_VALIDATION_H_
