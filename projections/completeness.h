#ifndef LEDGER_PROJECTIONS_COMPLETENESS_H_
#define LEDGER_PROJECTIONS_COMPLETENESS_H_

// How complete a customer file is: which of the fields a sales manager
// expects to be filled in are still empty. Part of the profile fold, so it
// is stored, indexed (a search for "A-grade customers with no phone") and
// time-travels with the profile.
//
// The important fields, by customer kind (names as in SearchCustomers'
// filter.missing_field):
//   every customer:  name, phones, address.city, source, owner_id
//   individuals:     gender, birthday, occupation, emails
//   organisations:   credit_code, industry, region, legal_representative,
//                    employees, key_people (at least one key person)
// score = 100 * filled / important, rounded down.

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "ledger/v1/customer.pb.h"

namespace ledger::projections {

// Recomputes profile->completeness() from the rest of the profile.
void ScoreCompleteness(ledger::v1::CustomerProfile* profile);

// Every field name ScoreCompleteness may report as missing, for validating
// a search filter.
const std::vector<std::string>& CompletenessFields();

}  // namespace ledger::projections

#endif  // LEDGER_PROJECTIONS_COMPLETENESS_H_
