#include "services/internal/validation_util.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "projections/field_checks.h"

namespace ledger::services::internal {

namespace v1 = ::ledger::v1;
using ::ledger::projections::CheckCurrency;
using ::ledger::projections::CheckNotAfter;
using ::ledger::projections::CheckUtf8;

absl::Status Invalid(absl::string_view field, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", why));
}

std::string Sub(absl::string_view field, absl::string_view name) {
  return absl::StrCat(field, ".", name);
}

absl::Status CheckText(absl::string_view field, absl::string_view text,
                       size_t max_bytes) {
  if (text.size() > max_bytes) {
    return Invalid(field, absl::StrCat("is ", text.size(), " bytes; at most ",
                                       max_bytes, " allowed"));
  }
  return CheckUtf8(field, text);
}

absl::Status CheckId(absl::string_view field, absl::string_view id) {
  if (id.empty()) return Invalid(field, "is required");
  return CheckText(field, id, 64);
}

absl::Status CheckEnum(absl::string_view field, int value,
                       bool (*is_valid)(int)) {
  if (!is_valid(value)) {
    return Invalid(field, absl::StrCat(value, " is not a known value"));
  }
  return absl::OkStatus();
}

absl::Status CheckRequiredEnum(absl::string_view field, int value,
                               bool (*is_valid)(int)) {
  if (value == 0) return Invalid(field, "is required");
  return CheckEnum(field, value, is_valid);
}

absl::Status CheckDate(absl::string_view field, const v1::Date& d) {
  if (d.year() == 0 && d.month() == 0 && d.day() == 0) {
    return Invalid(field, "is required");
  }
  const absl::CivilDay day(d.year(), d.month(), d.day());
  if (d.year() < 1 || d.year() > 9999 || day.year() != d.year() ||
      day.month() != d.month() || day.day() != d.day()) {
    return Invalid(field, absl::StrFormat("%d-%02d-%02d is not a valid date",
                                          d.year(), d.month(), d.day()));
  }
  return absl::OkStatus();
}

absl::Status CheckPastDate(absl::string_view field, const v1::Date& d,
                           absl::CivilDay today, absl::string_view what,
                           bool required) {
  if (d.year() == 0 && d.month() == 0 && d.day() == 0) {
    return required ? Invalid(field, "is required") : absl::OkStatus();
  }
  if (absl::Status s = CheckDate(field, d); !s.ok()) return s;
  return CheckNotAfter(field, absl::CivilDay(d.year(), d.month(), d.day()),
                       today, what);
}

absl::Status CheckMoney(absl::string_view field, const v1::Money& m) {
  if (absl::Status s =
          CheckCurrency(Sub(field, "currency_code"), m.currency_code());
      !s.ok()) {
    return s;
  }
  if (m.units() < 0 || m.nanos() < 0) {
    return Invalid(field,
                   absl::StrCat("units=", m.units(), " nanos=", m.nanos(),
                                " is negative; amounts in "
                                "the customer file are not"));
  }
  if (m.nanos() >= 1000000000) {
    return Invalid(Sub(field, "nanos"),
                   absl::StrCat(m.nanos(), " is not below 1,000,000,000"));
  }
  return absl::OkStatus();
}

}  // namespace ledger::services::internal
