#include "tools/ledgerctl/query_util.h"

#include <cctype>
#include <cstdio>

#include "google/protobuf/util/time_util.h"

namespace ledger::ctl {

namespace v1 = ::ledger::v1;
using google::protobuf::util::TimeUtil;

std::string Lower(std::string s) {
  for (char& c : s)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string Upper(std::string s) {
  for (char& c : s)
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

std::string Label(const std::string& enum_name, const std::string& prefix) {
  if (enum_name.empty() || enum_name == prefix + "UNSPECIFIED") return "";
  std::string out = Lower(enum_name.substr(
      enum_name.compare(0, prefix.size(), prefix) == 0 ? prefix.size() : 0));
  std::replace(out.begin(), out.end(), '_', '-');
  return out;
}

std::string GradeLabel(v1::Grade g) {
  return Upper(Label(v1::Grade_Name(g), "GRADE_"));
}

std::string TierLabel(v1::ValueTier t) {
  return Label(v1::ValueTier_Name(t), "VALUE_TIER_");
}

std::string StageLabel(v1::LifecycleStage s) {
  return Label(v1::LifecycleStage_Name(s), "LIFECYCLE_STAGE_");
}

std::string NatureLabel(v1::CustomerNature n) {
  return Label(v1::CustomerNature_Name(n), "CUSTOMER_NATURE_");
}

std::string Or(const std::string& s, const char* fallback) {
  return s.empty() ? fallback : s;
}

std::string Join(const google::protobuf::RepeatedPtrField<std::string>& items,
                 const char* separator) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : separator) + item;
  return out;
}

std::string FormatDate(const v1::Date& d) {
  if (d.year() == 0 && d.month() == 0 && d.day() == 0) return "";
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%04d-%02d-%02d", d.year(), d.month(),
                d.day());
  return buf;
}

std::string TimeOrEmpty(bool has, const google::protobuf::Timestamp& ts) {
  return has ? FormatTime(ts) : "";
}

bool ParseTime(const std::string& flag, const std::string& text,
               google::protobuf::Timestamp* ts, int* exit_code) {
  if (TimeUtil::FromString(text, ts)) return true;
  *exit_code =
      UsageError(flag + " \"" + text +
                 "\" is not RFC 3339 (e.g. 2026-11-23T09:30:00+08:00)");
  return false;
}

bool ParseDate(const std::string& flag, const std::string& text, v1::Date* d,
               int* exit_code) {
  int y = 0, m = 0, day = 0;
  char tail = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2d%c", &y, &m, &day, &tail) != 3 ||
      text.size() != 10 || m < 1 || m > 12 || day < 1 || day > 31) {
    *exit_code = UsageError(flag + " \"" + text + "\" is not YYYY-MM-DD");
    return false;
  }
  d->set_year(y);
  d->set_month(m);
  d->set_day(day);
  return true;
}

// Calls one page after another (all of them with --all), each under its own
// deadline. With --json each response is printed as one line; otherwise
// `on_page` gets it. `next_token` is the token after the last page fetched.

void PrintMore(const std::string& next_token) {
  if (!next_token.empty()) {
    std::cout << "(more: --page-token " << next_token << ")\n";
  }
}

}  // namespace ledger::ctl
