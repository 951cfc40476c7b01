#ifndef LEDGER_PROJECTIONS_GREETINGS_H_
#define LEDGER_PROJECTIONS_GREETINGS_H_

// The yearly greetings a customer file implies: the greetings of its
// maintenance plan, an individual's birthday, its key people's birthdays
// and an organisation's founding anniversary. Indexed by month and day
// (IndexKind::kGreeting) so ListDueFollowUps finds them by date.

#include <string>
#include <vector>

#include "ledger/v1/customer.pb.h"

namespace ledger::projections {

struct YearlyGreeting {
  int month = 0;     // 1..12
  int day = 0;       // 1..31
  std::string note;  // "birthday of 王总", "founding anniversary", …
};

// In a fixed order: plan greetings, own birthday, key people, founding.
std::vector<YearlyGreeting> GreetingsOf(const ledger::v1::CustomerProfile& p);

// "MMDD", the index value of a greeting day.
std::string MonthDayKey(int month, int day);

}  // namespace ledger::projections

#endif  // LEDGER_PROJECTIONS_GREETINGS_H_
