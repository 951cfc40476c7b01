#ifndef LEDGER_SERVICES_INTERNAL_VALIDATION_UTIL_H_
#define LEDGER_SERVICES_INTERNAL_VALIDATION_UTIL_H_

// Building blocks of payload validation. Each check returns OK or
// INVALID_ARGUMENT "<field>: <why>", quoting the offending value.

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "ledger/v1/events.pb.h"

namespace ledger::services::internal {

// "<field>: <why>" as INVALID_ARGUMENT.
absl::Status Invalid(absl::string_view field, absl::string_view why);

// "<field>.<name>".
std::string Sub(absl::string_view field, absl::string_view name);

// Valid UTF-8 without control characters, at most max_bytes.
[[nodiscard]] absl::Status CheckText(absl::string_view field,
                                     absl::string_view text, size_t max_bytes);

// A record id (transaction, opportunity, case, card, key person): required,
// 1-64 bytes of printable UTF-8.
[[nodiscard]] absl::Status CheckId(absl::string_view field,
                                   absl::string_view id);

// `value` is a known value of its enum (0, unspecified, included).
[[nodiscard]] absl::Status CheckEnum(absl::string_view field, int value,
                                     bool (*is_valid)(int));
// As CheckEnum, and not 0.
[[nodiscard]] absl::Status CheckRequiredEnum(absl::string_view field, int value,
                                             bool (*is_valid)(int));

// A real calendar date (1..9999, month and day in range).
[[nodiscard]] absl::Status CheckDate(absl::string_view field,
                                     const ledger::v1::Date& date);

// A real date not after `today` (e.g. a birthday). An unset date (all zero)
// passes unless `required`.
[[nodiscard]] absl::Status CheckPastDate(absl::string_view field,
                                         const ledger::v1::Date& date,
                                         absl::CivilDay today,
                                         absl::string_view what, bool required);

// Non-negative, nanos in [0, 10^9), ISO 4217 currency.
[[nodiscard]] absl::Status CheckMoney(absl::string_view field,
                                      const ledger::v1::Money& money);

}  // namespace ledger::services::internal

#endif  // LEDGER_SERVICES_INTERNAL_VALIDATION_UTIL_H_
