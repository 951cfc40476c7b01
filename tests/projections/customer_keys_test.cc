// The day and enum keys of the search indexes (projections/customer_keys.h),
// checked against printf's "%04d%02d%02d" / "%02d", which they replace.

#include "projections/customer_keys.h"

#include <cstdio>
#include <ctime>
#include <string>

#include "gtest/gtest.h"

namespace ledger::projections {
namespace {

std::string Printf(const char* format, int a, int b = 0, int c = 0) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), format, a, b, c);
  return buf;
}

TEST(CustomerKeysTest, DateKeyIsZeroPaddedYearMonthDay) {
  for (int year : {1, 9, 10, 99, 100, 999, 1000, 1970, 2026, 9999, 10000,
                   123456, -1, -2026}) {
    for (int month : {1, 9, 10, 12, 99, 100, -1}) {
      for (int day : {1, 9, 10, 31, 99, 100, -5}) {
        ledger::v1::Date date;
        date.set_year(year);
        date.set_month(month);
        date.set_day(day);
        EXPECT_EQ(DateKey(date), Printf("%04d%02d%02d", year, month, day))
            << year << "-" << month << "-" << day;
      }
    }
  }
  EXPECT_EQ(DateKey(ledger::v1::Date()), "");  // unset
}

TEST(CustomerKeysTest, UtcDayKeyIsTheUtcCalendarDay) {
  // Every ~17 hours across 1970..2100, including the days around leap days.
  for (int64_t seconds = 0; seconds < 4102444800; seconds += 61201) {
    google::protobuf::Timestamp ts;
    ts.set_seconds(seconds);
    std::time_t t = static_cast<std::time_t>(seconds);
    std::tm tm{};
    gmtime_r(&t, &tm);
    ASSERT_EQ(UtcDayKey(ts), Printf("%04d%02d%02d", tm.tm_year + 1900,
                                    tm.tm_mon + 1, tm.tm_mday))
        << seconds;
  }
}

TEST(CustomerKeysTest, EnumKeyIsTwoDigits) {
  for (int value : {0, 1, 9, 10, 42, 99, 100, 1234, -1}) {
    EXPECT_EQ(EnumKey(value), Printf("%02d", value)) << value;
  }
}

}  // namespace
}  // namespace ledger::projections
