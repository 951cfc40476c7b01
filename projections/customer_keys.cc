#include "projections/customer_keys.h"

#include <algorithm>
#include <cstdio>
#include <ctime>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "google/protobuf/util/time_util.h"
#include "projections/field_checks.h"
#include "projections/greetings.h"

namespace ledger::projections {

namespace {

void PutU64(std::string* out, uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8) {
    out->push_back(static_cast<char>((v >> shift) & 0xff));
  }
}

std::string WithoutNul(absl::string_view s) {
  std::string out(s);
  out.erase(std::remove(out.begin(), out.end(), '\0'), out.end());
  return out;
}

// "%04d%02d%02d" without printf, which a rebuild would call millions of
// times (several day keys per event).
std::string EightDigitDay(int year, int month, int day) {
  if (year < 0 || year > 9999 || month < 0 || month > 99 || day < 0 ||
      day > 99) {
    char buf[48];
    std::snprintf(buf, sizeof(buf), "%04d%02d%02d", year, month, day);
    return buf;
  }
  std::string out(8, '0');
  for (int i = 3; i >= 0; --i, year /= 10) {
    out[i] = static_cast<char>('0' + year % 10);
  }
  out[4] = static_cast<char>('0' + month / 10);
  out[5] = static_cast<char>('0' + month % 10);
  out[6] = static_cast<char>('0' + day / 10);
  out[7] = static_cast<char>('0' + day % 10);
  return out;
}

// YYYYMMDD (UTC) of a timestamp.
std::string DayKey(const google::protobuf::Timestamp& ts) {
  std::time_t seconds = static_cast<std::time_t>(ts.seconds());
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  return EightDigitDay(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

}  // namespace

const std::vector<storage::StateFamilyOptions>& CustomerStateFamilies() {
  using storage::StateAccess;
  static const auto* families = new std::vector<storage::StateFamilyOptions>{
      {"profile", StateAccess::kLookups},
      {"timeline", StateAccess::kScansOnly},
      {"classification_history", StateAccess::kLookups},
      {"customer_index", StateAccess::kLookups},
      {"records", StateAccess::kLookups},
      {"rules", StateAccess::kLookups}};
  return *families;
}

std::string IndexKindPrefix(IndexKind kind) {
  return std::string{static_cast<char>(kind), '\0'};
}

std::string IndexPrefix(IndexKind kind, absl::string_view value) {
  std::string key(1, static_cast<char>(kind));
  key.push_back('\0');
  key += WithoutNul(value);
  key.push_back('\0');
  return key;
}

absl::string_view CustomerOfIndexKey(absl::string_view key) {
  const size_t last = key.rfind('\0');
  return last == absl::string_view::npos ? absl::string_view()
                                         : key.substr(last + 1);
}

std::string NormalizedName(absl::string_view name) {
  std::string out = WithoutNul(name);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::string DateKey(const ledger::v1::Date& d) {
  if (d.year() == 0) return "";
  return EightDigitDay(d.year(), d.month(), d.day());
}

std::string UtcDayKey(const google::protobuf::Timestamp& ts) {
  return DayKey(ts);
}

std::string PlannedVisitKey(const ledger::v1::CustomerProfile& p) {
  const uint32_t days = p.maintenance_plan().visit_interval_days();
  if (days == 0) return "";
  const auto& from =
      p.has_last_contact_at() ? p.last_contact_at() : p.created_at();
  const absl::CivilDay due =
      absl::ToCivilDay(absl::FromUnixSeconds(from.seconds()),
                       absl::UTCTimeZone()) +
      days;
  return EightDigitDay(static_cast<int>(due.year()), due.month(), due.day());
}

std::vector<std::string> DuplicateKeysOf(const ledger::v1::CustomerProfile& p) {
  std::vector<std::string> keys;
  auto add = [&](absl::string_view tag, const std::string& value) {
    if (!value.empty()) keys.push_back(absl::StrCat(tag, value));
  };
  const ledger::v1::ProfileFields& f = p.profile();
  for (const std::string& phone : f.phones()) add("p:", NormalizePhone(phone));
  for (const std::string& email : f.emails()) add("e:", NormalizeEmail(email));
  add("c:", absl::AsciiStrToUpper(f.credit_code()));
  add("i:", absl::AsciiStrToUpper(f.id_document().number()));
  add("l:", absl::AsciiStrToUpper(f.business_licence_no()));
  add("t:", absl::AsciiStrToUpper(f.tax_number()));
  return keys;
}

std::string CityNameValue(const ledger::v1::CustomerProfile& p) {
  std::string city = NormalizeName(p.profile().address().city());
  // "杭州市" and "杭州" are one city.
  if (absl::EndsWith(city, "市")) city.resize(city.size() - 3);
  const std::string name = NormalizeName(p.profile().name());
  if (city.empty() || name.empty()) return "";
  return absl::StrCat(city, std::string(1, kCityNameSeparator), name);
}

std::string EnumKey(int value) {
  if (value >= 0 && value < 100) {
    return std::string{static_cast<char>('0' + value / 10),
                       static_cast<char>('0' + value % 10)};
  }
  char buf[16];
  std::snprintf(buf, sizeof(buf), "%02d", value);
  return buf;
}

std::vector<std::string> IndexKeysOf(const ledger::v1::CustomerProfile& p) {
  std::vector<std::string> keys;
  const std::string& id = p.customer_id();
  // A merged customer's file lives on in the survivor's: searches must not
  // find it twice.
  if (!p.merged_into().empty()) {
    keys.push_back(IndexPrefix(IndexKind::kArchived, "") + id);
    return keys;
  }
  auto add = [&](IndexKind kind, absl::string_view value) {
    if (!value.empty()) keys.push_back(IndexPrefix(kind, value) + id);
  };
  const auto& c = p.classification();
  add(IndexKind::kOwner, p.owner_id());
  if (c.grade() != 0) add(IndexKind::kGrade, EnumKey(c.grade()));
  if (c.value_tier() != 0) add(IndexKind::kValueTier, EnumKey(c.value_tier()));
  if (c.lifecycle_stage() != 0) {
    add(IndexKind::kLifecycleStage, EnumKey(c.lifecycle_stage()));
  }
  for (const std::string& tag : c.tags()) add(IndexKind::kTag, tag);
  add(IndexKind::kIndustry, p.profile().industry());
  add(IndexKind::kRegion, p.profile().region());
  // A forgotten customer's name is erased: nothing to find it by.
  if (!p.forgotten()) add(IndexKind::kName, NormalizedName(p.profile().name()));
  if (p.has_created_at()) add(IndexKind::kRegistered, DayKey(p.created_at()));
  if (p.archived()) {
    keys.push_back(IndexPrefix(IndexKind::kArchived, "") + id);
  } else {
    add(IndexKind::kFollowUpDate, DateKey(p.next_follow_up()));
    for (const std::string& field : p.completeness().missing()) {
      add(IndexKind::kMissing, field);
    }
    add(IndexKind::kPlannedVisit, PlannedVisitKey(p));
    for (const std::string& key : DuplicateKeysOf(p)) {
      add(IndexKind::kDuplicateKey, key);
    }
    add(IndexKind::kCityName, CityNameValue(p));
    for (const ledger::v1::ConsentState& c : p.consents()) {
      if (c.current().granted()) add(IndexKind::kConsent, c.purpose());
    }
    for (const YearlyGreeting& g : GreetingsOf(p)) {
      add(IndexKind::kGreeting, MonthDayKey(g.month, g.day));
    }
    add(IndexKind::kLastContact,
        DayKey(p.has_last_contact_at() ? p.last_contact_at() : p.created_at()));
  }
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  return keys;
}

std::optional<std::string> IndexValueOf(const ledger::v1::CustomerProfile& p,
                                        absl::string_view key) {
  if (key.empty() || key[0] != static_cast<char>(IndexKind::kConsent)) {
    return std::nullopt;
  }
  for (const ledger::v1::ConsentState& c : p.consents()) {
    if (IndexPrefix(IndexKind::kConsent, c.purpose()) + p.customer_id() ==
        key) {
      return DateKey(c.current().expires_on());
    }
  }
  return std::string();
}

std::string TimelinePrefix(absl::string_view customer_id) {
  std::string key(customer_id);
  key.push_back('\0');
  return key;
}

std::string TimelineKey(absl::string_view customer_id, int64_t occurred_micros,
                        uint64_t position) {
  std::string key = TimelinePrefix(customer_id);
  PutU64(&key, static_cast<uint64_t>(std::max<int64_t>(occurred_micros, 0)));
  PutU64(&key, position);
  return key;
}

std::string HistoryPrefix(absl::string_view customer_id) {
  return TimelinePrefix(customer_id);
}

std::string HistoryKey(absl::string_view customer_id, uint64_t position) {
  std::string key = HistoryPrefix(customer_id);
  PutU64(&key, position);
  return key;
}

std::string RecordPrefix(absl::string_view customer_id, char kind) {
  std::string key = TimelinePrefix(customer_id);
  key.push_back(kind);
  key.push_back('\0');
  return key;
}

std::string RecordKey(absl::string_view customer_id, char kind,
                      absl::string_view id) {
  std::string key = RecordPrefix(customer_id, kind);
  key.append(id.data(), id.size());
  return key;
}

std::string RuleKey(absl::string_view rule_id) {
  return absl::StrCat("r", absl::string_view("\0", 1), rule_id);
}

std::string RuleHistoryPrefix(absl::string_view rule_id) {
  return absl::StrCat("h", absl::string_view("\0", 1), rule_id,
                      absl::string_view("\0", 1));
}

std::string RuleHistoryKey(absl::string_view rule_id, uint64_t version) {
  std::string key = RuleHistoryPrefix(rule_id);
  PutU64(&key, version);
  return key;
}

}  // namespace ledger::projections
