#include "projections/greetings.h"

#include <cstdio>

#include "absl/strings/str_cat.h"

namespace ledger::projections {

namespace v1 = ::ledger::v1;

namespace {

void Add(const v1::Date& date, std::string note,
         std::vector<YearlyGreeting>* out) {
  if (date.month() < 1 || date.month() > 12 || date.day() < 1 ||
      date.day() > 31) {
    return;
  }
  out->push_back({date.month(), date.day(), std::move(note)});
}

std::string OccasionText(v1::GreetingOccasion occasion) {
  switch (occasion) {
    case v1::GREETING_OCCASION_BIRTHDAY:
      return "birthday";
    case v1::GREETING_OCCASION_FOUNDING_ANNIVERSARY:
      return "founding anniversary";
    case v1::GREETING_OCCASION_FESTIVAL:
      return "festival";
    default:
      return "greeting";
  }
}

}  // namespace

std::vector<YearlyGreeting> GreetingsOf(const v1::CustomerProfile& p) {
  std::vector<YearlyGreeting> out;
  for (const v1::Greeting& g : p.maintenance_plan().greetings()) {
    std::string note = OccasionText(g.occasion());
    if (!g.person().empty()) absl::StrAppend(&note, " of ", g.person());
    if (!g.note().empty()) absl::StrAppend(&note, ": ", g.note());
    Add(g.date(), std::move(note), &out);
  }
  if (p.kind() == v1::CUSTOMER_KIND_INDIVIDUAL) {
    Add(p.profile().birthday(), "birthday", &out);
  }
  for (const v1::KeyPerson& person : p.key_people()) {
    Add(person.birthday(), absl::StrCat("birthday of ", person.name()), &out);
  }
  if (p.kind() == v1::CUSTOMER_KIND_ORGANIZATION) {
    Add(p.profile().founded_on(), "founding anniversary", &out);
  }
  return out;
}

std::string MonthDayKey(int month, int day) {
  char buf[8];
  std::snprintf(buf, sizeof(buf), "%02d%02d", month, day);
  return buf;
}

}  // namespace ledger::projections
