#ifndef LEDGER_PROJECTIONS_MONEY_H_
#define LEDGER_PROJECTIONS_MONEY_H_

// Arithmetic on ledger.v1.Money (units + nanos of one currency). Amounts in
// the customer file are non-negative and validated at append; these helpers
// assume normalised values (0 <= nanos < 10^9).

#include <string>

#include "google/protobuf/repeated_field.h"
#include "ledger/v1/events.pb.h"

namespace ledger::projections {

// a < b, comparing units then nanos. REQUIRES: same currency.
bool MoneyLess(const ledger::v1::Money& a, const ledger::v1::Money& b);

// *total += amount (currency taken from amount when total has none).
void AddMoney(const ledger::v1::Money& amount, ledger::v1::Money* total);

// *total -= amount; REQUIRES: amount <= *total, same currency.
void SubtractMoney(const ledger::v1::Money& amount, ledger::v1::Money* total);

// Adds `amount` to the entry of its currency in `totals`, which stays sorted
// by currency code; removes an entry that drops to zero when subtracting.
void AddToTotals(const ledger::v1::Money& amount,
                 google::protobuf::RepeatedPtrField<ledger::v1::Money>* totals);
void SubtractFromTotals(
    const ledger::v1::Money& amount,
    google::protobuf::RepeatedPtrField<ledger::v1::Money>* totals);

// "12,345.60 CNY"-style text without thousands separators: "12345.60 CNY".
std::string FormatMoney(const ledger::v1::Money& amount);

}  // namespace ledger::projections

#endif  // LEDGER_PROJECTIONS_MONEY_H_
