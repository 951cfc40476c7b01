#ifndef LEDGER_SERVICES_INTERNAL_RULE_VALIDATION_H_
#define LEDGER_SERVICES_INTERNAL_RULE_VALIDATION_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "ledger/v1/events.pb.h"

namespace ledger::services::internal {

// INVALID_ARGUMENT naming the field (under `field`) when `rule` is not a
// rule that can be saved: rule_id 1-64 of a-z 0-9 _ -, exactly one outcome,
// clauses with exactly one of metric and attribute, known enums, sensible
// thresholds, attribute values that exist (enum names), RFM scales of four
// ascending thresholds.
[[nodiscard]] absl::Status ValidateRule(
    absl::string_view field, const ledger::v1::ClassificationRule& rule);

// rule_id syntax alone (removals).
[[nodiscard]] absl::Status ValidateRuleId(absl::string_view field,
                                          absl::string_view rule_id);

}  // namespace ledger::services::internal

#endif  // LEDGER_SERVICES_INTERNAL_RULE_VALIDATION_H_
