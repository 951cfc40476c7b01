#include "projections/money.h"

#include <cstdio>

#include "absl/strings/str_cat.h"

namespace ledger::projections {

namespace v1 = ::ledger::v1;

namespace {

constexpr int32_t kNanosPerUnit = 1000000000;

bool IsZero(const v1::Money& m) { return m.units() == 0 && m.nanos() == 0; }

}  // namespace

bool MoneyLess(const v1::Money& a, const v1::Money& b) {
  return a.units() < b.units() ||
         (a.units() == b.units() && a.nanos() < b.nanos());
}

void AddMoney(const v1::Money& amount, v1::Money* total) {
  if (total->currency_code().empty()) {
    total->set_currency_code(amount.currency_code());
  }
  int64_t units = total->units() + amount.units();
  int32_t nanos = total->nanos() + amount.nanos();
  if (nanos >= kNanosPerUnit) {
    nanos -= kNanosPerUnit;
    ++units;
  }
  total->set_units(units);
  total->set_nanos(nanos);
}

void SubtractMoney(const v1::Money& amount, v1::Money* total) {
  int64_t units = total->units() - amount.units();
  int32_t nanos = total->nanos() - amount.nanos();
  if (nanos < 0) {
    nanos += kNanosPerUnit;
    --units;
  }
  total->set_units(units);
  total->set_nanos(nanos);
}

void AddToTotals(const v1::Money& amount,
                 google::protobuf::RepeatedPtrField<v1::Money>* totals) {
  int i = 0;
  while (i < totals->size() &&
         totals->Get(i).currency_code() < amount.currency_code()) {
    ++i;
  }
  if (i < totals->size() &&
      totals->Get(i).currency_code() == amount.currency_code()) {
    AddMoney(amount, totals->Mutable(i));
    return;
  }
  v1::Money* added = totals->Add();
  added->set_currency_code(amount.currency_code());
  AddMoney(amount, added);
  // Move the new entry from the end to its sorted place.
  for (int j = totals->size() - 1; j > i; --j) totals->SwapElements(j, j - 1);
}

void SubtractFromTotals(const v1::Money& amount,
                        google::protobuf::RepeatedPtrField<v1::Money>* totals) {
  for (int i = 0; i < totals->size(); ++i) {
    if (totals->Get(i).currency_code() != amount.currency_code()) continue;
    SubtractMoney(amount, totals->Mutable(i));
    if (IsZero(totals->Get(i))) totals->erase(totals->begin() + i);
    return;
  }
}

std::string FormatMoney(const v1::Money& amount) {
  // Two decimals unless the nanos need more (e.g. unit prices).
  int32_t nanos = amount.nanos();
  int digits = 9;
  while (digits > 2 && nanos % 10 == 0) {
    nanos /= 10;
    --digits;
  }
  char frac[16];
  std::snprintf(frac, sizeof(frac), "%0*d", digits, nanos);
  return absl::StrCat(amount.units(), ".", frac, " ", amount.currency_code());
}

}  // namespace ledger::projections
