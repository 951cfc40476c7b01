#include "services/internal/report_common.h"

#include <algorithm>
#include <memory>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "projections/report_keys.h"
#include "services/internal/query_common.h"
#include "services/internal/validation_util.h"
#include "storage/status_macros.h"

namespace ledger::services::internal {

namespace {

namespace v1 = ::ledger::v1;
namespace proj = ::ledger::projections;
using proj::IndexKind;

// How many steps a report takes between two looks at its caller.
constexpr uint32_t kStepsPerCheck = 512;
constexpr size_t kMaxFilterText = 256;

bool IsUnset(const v1::Date& d) {
  return d.year() == 0 && d.month() == 0 && d.day() == 0;
}

absl::CivilDay Civil(const v1::Date& d) {
  return absl::CivilDay(d.year(), d.month(), d.day());
}

std::string DateText(absl::CivilDay day) { return absl::FormatCivilTime(day); }

// First day of the calendar period that contains `day`.
absl::CivilDay PeriodStart(absl::CivilDay day, v1::ReportGranularity g) {
  switch (g) {
    case v1::REPORT_GRANULARITY_QUARTER:
      return absl::CivilDay(day.year(), (day.month() - 1) / 3 * 3 + 1, 1);
    case v1::REPORT_GRANULARITY_YEAR:
      return absl::CivilDay(day.year(), 1, 1);
    default:
      return absl::CivilDay(day.year(), day.month(), 1);
  }
}

int MonthsPerPeriod(v1::ReportGranularity g) {
  switch (g) {
    case v1::REPORT_GRANULARITY_QUARTER:
      return 3;
    case v1::REPORT_GRANULARITY_YEAR:
      return 12;
    default:
      return 1;
  }
}

absl::CivilDay NextPeriodStart(absl::CivilDay start, v1::ReportGranularity g) {
  return absl::CivilDay(absl::CivilMonth(start) + MonthsPerPeriod(g));
}

std::string PeriodLabel(absl::CivilDay start, v1::ReportGranularity g) {
  switch (g) {
    case v1::REPORT_GRANULARITY_QUARTER:
      return absl::StrFormat("%04d-Q%d", start.year(),
                             (start.month() - 1) / 3 + 1);
    case v1::REPORT_GRANULARITY_YEAR:
      return absl::StrFormat("%04d", start.year());
    default:
      return absl::StrFormat("%04d-%02d", start.year(), start.month());
  }
}

Period MakePeriod(absl::CivilDay calendar_start, absl::CivilDay from,
                  absl::CivilDay to, v1::ReportGranularity g) {
  const absl::CivilDay calendar_end = NextPeriodStart(calendar_start, g) - 1;
  Period p;
  p.label = PeriodLabel(calendar_start, g);
  p.start = std::max(calendar_start, from);
  p.end = std::min(calendar_end, to);
  p.partial = p.start != calendar_start || p.end != calendar_end;
  p.start_key = DayKeyOf(p.start);
  p.end_key = DayKeyOf(p.end);
  return p;
}

v1::Date ToDate(absl::CivilDay day) {
  v1::Date d;
  d.set_year(static_cast<int32_t>(day.year()));
  d.set_month(day.month());
  d.set_day(day.day());
  return d;
}

// The index range of the first filter field that has an index; "" if none.
std::string DriverPrefix(const v1::ReportFilter& f) {
  if (!f.owner_id().empty()) {
    return proj::IndexPrefix(IndexKind::kOwner, f.owner_id());
  }
  if (f.grade() != 0) {
    return proj::IndexPrefix(IndexKind::kGrade, proj::EnumKey(f.grade()));
  }
  if (f.value_tier() != 0) {
    return proj::IndexPrefix(IndexKind::kValueTier,
                             proj::EnumKey(f.value_tier()));
  }
  if (f.lifecycle_stage() != 0) {
    return proj::IndexPrefix(IndexKind::kLifecycleStage,
                             proj::EnumKey(f.lifecycle_stage()));
  }
  if (!f.tag().empty()) return proj::IndexPrefix(IndexKind::kTag, f.tag());
  if (!f.industry().empty()) {
    return proj::IndexPrefix(IndexKind::kIndustry, f.industry());
  }
  if (!f.region().empty()) {
    return proj::IndexPrefix(IndexKind::kRegion, f.region());
  }
  return "";
}

}  // namespace

absl::Status ReportControl::Check() {
  if (++steps_ % kStepsPerCheck != 0 || !stop_) return absl::OkStatus();
  return stop_();
}

absl::StatusOr<DayRange> CheckRange(absl::string_view from_field,
                                    const v1::Date& from,
                                    absl::string_view to_field,
                                    const v1::Date& to, bool required) {
  DayRange range;
  if (IsUnset(from)) {
    if (required) return Invalid(from_field, "is required");
  } else {
    LEDGER_RETURN_IF_ERROR(CheckDate(from_field, from));
    range.from_day = Civil(from);
    range.from = DayKeyOf(range.from_day);
  }
  if (IsUnset(to)) {
    if (required) return Invalid(to_field, "is required");
  } else {
    LEDGER_RETURN_IF_ERROR(CheckDate(to_field, to));
    range.to_day = Civil(to);
    range.to = DayKeyOf(range.to_day);
  }
  if (!range.from.empty() && !range.to.empty() && range.to < range.from) {
    return Invalid(to_field,
                   absl::StrCat(DateText(Civil(to)), " is before ", from_field,
                                ": ", DateText(Civil(from))));
  }
  return range;
}

std::string DayKeyOf(absl::CivilDay day) {
  return absl::StrFormat("%04d%02d%02d", day.year(), day.month(), day.day());
}

absl::Status CheckGranularity(absl::string_view field, int g) {
  return CheckEnum(field, g, v1::ReportGranularity_IsValid);
}

absl::StatusOr<std::vector<Period>> MakePeriods(const DayRange& range,
                                                v1::ReportGranularity g,
                                                absl::string_view to_field) {
  const absl::CivilDay from = range.from_day;
  const absl::CivilDay to = range.to_day;
  const int64_t months = absl::CivilMonth(PeriodStart(to, g)) -
                         absl::CivilMonth(PeriodStart(from, g));
  const int64_t count = months / MonthsPerPeriod(g) + 1;
  if (count > static_cast<int64_t>(kMaxPeriods)) {
    return Invalid(
        to_field,
        absl::StrCat(DateText(to), " is ", count, " periods after ",
                     DateText(from), "; a report covers at most ", kMaxPeriods,
                     ": choose a shorter range or a longer "
                     "granularity"));
  }
  std::vector<Period> periods;
  for (absl::CivilDay start = PeriodStart(from, g); start <= to;
       start = NextPeriodStart(start, g)) {
    periods.push_back(MakePeriod(start, from, to, g));
  }
  return periods;
}

Period PeriodBefore(absl::CivilDay day, v1::ReportGranularity g) {
  const absl::CivilDay start = absl::CivilDay(
      absl::CivilMonth(PeriodStart(day, g)) - MonthsPerPeriod(g));
  return MakePeriod(start, start, NextPeriodStart(start, g) - 1, g);
}

int PeriodOf(const std::vector<Period>& periods, absl::string_view day) {
  auto it = std::upper_bound(
      periods.begin(), periods.end(), day,
      [](absl::string_view d, const Period& p) { return d < p.start_key; });
  if (it == periods.begin()) return -1;
  --it;
  return day <= it->end_key ? static_cast<int>(it - periods.begin()) : -1;
}

void ToProto(const Period& period, v1::ReportPeriod* out) {
  out->set_label(period.label);
  *out->mutable_start() = ToDate(period.start);
  *out->mutable_end() = ToDate(period.end);
  out->set_partial(period.partial);
}

std::optional<double> Percent(uint64_t part, uint64_t whole) {
  if (whole == 0) return std::nullopt;
  return static_cast<double>(part) * 100.0 / static_cast<double>(whole);
}

absl::Status CheckFilter(absl::string_view field, const v1::ReportFilter& f) {
  LEDGER_RETURN_IF_ERROR(
      CheckEnum(Sub(field, "grade"), f.grade(), v1::Grade_IsValid));
  LEDGER_RETURN_IF_ERROR(CheckEnum(Sub(field, "value_tier"), f.value_tier(),
                                   v1::ValueTier_IsValid));
  LEDGER_RETURN_IF_ERROR(CheckEnum(Sub(field, "lifecycle_stage"),
                                   f.lifecycle_stage(),
                                   v1::LifecycleStage_IsValid));
  LEDGER_RETURN_IF_ERROR(
      CheckEnum(Sub(field, "nature"), f.nature(), v1::CustomerNature_IsValid));
  LEDGER_RETURN_IF_ERROR(
      CheckText(Sub(field, "owner_id"), f.owner_id(), kMaxFilterText));
  LEDGER_RETURN_IF_ERROR(
      CheckText(Sub(field, "industry"), f.industry(), kMaxFilterText));
  LEDGER_RETURN_IF_ERROR(
      CheckText(Sub(field, "region"), f.region(), kMaxFilterText));
  return CheckText(Sub(field, "tag"), f.tag(), kMaxFilterText);
}

bool FilterIsEmpty(const v1::ReportFilter& f) {
  return f.owner_id().empty() && f.grade() == 0 && f.value_tier() == 0 &&
         f.lifecycle_stage() == 0 && f.nature() == 0 && f.industry().empty() &&
         f.region().empty() && f.tag().empty();
}

bool FilterMatches(const v1::ReportFilter& f, const v1::CustomerProfile& p) {
  const v1::Classification& c = p.classification();
  if (!f.owner_id().empty() && p.owner_id() != f.owner_id()) return false;
  if (f.grade() != 0 && c.grade() != f.grade()) return false;
  if (f.value_tier() != 0 && c.value_tier() != f.value_tier()) return false;
  if (f.lifecycle_stage() != 0 && c.lifecycle_stage() != f.lifecycle_stage()) {
    return false;
  }
  if (f.nature() != 0 && c.nature() != f.nature()) return false;
  if (!f.industry().empty() && p.profile().industry() != f.industry()) {
    return false;
  }
  if (!f.region().empty() && p.profile().region() != f.region()) return false;
  if (!f.tag().empty() &&
      std::find(c.tags().begin(), c.tags().end(), f.tag()) == c.tags().end()) {
    return false;
  }
  return true;
}

absl::Status LoadIndexedProfile(const storage::StateView& view,
                                const std::string& id,
                                v1::CustomerProfile* profile) {
  absl::Status status = LoadProfile(view, id, profile);
  if (absl::IsNotFound(status)) {
    return absl::DataLossError(absl::StrCat("an index entry names customer ",
                                            id, ", who has no profile"));
  }
  return status;
}

absl::Status CustomerScopeCheck::Init(ReportControl& control) {
  if (include_archived_ || !FilterIsEmpty(filter_)) return absl::OkStatus();
  const std::string prefix = proj::IndexPrefix(IndexKind::kArchived, "");
  std::unique_ptr<storage::StateIterator> it =
      view_.NewIterator(proj::kCustomerIndexFamily);
  for (it->Seek(prefix); it->Valid() && absl::StartsWith(it->key(), prefix);
       it->Next()) {
    LEDGER_RETURN_IF_ERROR(control.Check());
    archived_.emplace_back(it->key().substr(prefix.size()));
  }
  return it->status();
}

absl::StatusOr<bool> CustomerScopeCheck::InScope(const std::string& id) {
  if (FilterIsEmpty(filter_)) {
    return include_archived_ ||
           !std::binary_search(archived_.begin(), archived_.end(), id);
  }
  LEDGER_RETURN_IF_ERROR(LoadIndexedProfile(view_, id, &profile_));
  return (include_archived_ || !profile_.archived()) &&
         FilterMatches(filter_, profile_);
}

absl::Status ScanDays(
    const storage::StateView& view, IndexKind kind, const DayRange& range,
    ReportControl& control,
    const std::function<absl::Status(absl::string_view, absl::string_view)>&
        fn) {
  const std::string prefix = proj::IndexKindPrefix(kind);
  std::unique_ptr<storage::StateIterator> it =
      view.NewIterator(proj::kCustomerIndexFamily);
  for (it->Seek(prefix + range.from);
       it->Valid() && absl::StartsWith(it->key(), prefix); it->Next()) {
    LEDGER_RETURN_IF_ERROR(control.Check());
    const absl::string_view day = proj::IndexValueOf(it->key()).substr(0, 8);
    if (!range.to.empty() && day > range.to) break;
    LEDGER_RETURN_IF_ERROR(fn(it->key(), it->value()));
  }
  return it->status();
}

absl::Status ForEachCustomer(
    const storage::StateView& view, const CustomerScope& scope,
    ReportControl& control,
    const std::function<absl::Status(const v1::CustomerProfile&)>& fn) {
  v1::CustomerProfile profile;
  auto visit = [&]() -> absl::Status {
    if (!scope.include_archived && profile.archived()) return absl::OkStatus();
    if (!FilterMatches(scope.filter, profile)) return absl::OkStatus();
    if (scope.registered.bounded() &&
        !scope.registered.Contains(proj::UtcDayKey(profile.created_at()))) {
      return absl::OkStatus();
    }
    return fn(profile);
  };
  auto load = [&](absl::string_view id) -> absl::Status {
    LEDGER_RETURN_IF_ERROR(LoadIndexedProfile(view, std::string(id), &profile));
    return visit();
  };
  const DayRange& days = scope.registered;
  const std::string driver = DriverPrefix(scope.filter);
  const bool closed = !days.from.empty() && !days.to.empty();
  if (closed || (driver.empty() && days.bounded())) {
    return ScanDays(view, IndexKind::kRegistered, days, control,
                    [&](absl::string_view key, absl::string_view) {
                      return load(proj::CustomerOfIndexKey(key));
                    });
  }
  const int family =
      driver.empty() ? proj::kProfileFamily : proj::kCustomerIndexFamily;
  std::unique_ptr<storage::StateIterator> it = view.NewIterator(family);
  for (it->Seek(driver); it->Valid() && absl::StartsWith(it->key(), driver);
       it->Next()) {
    LEDGER_RETURN_IF_ERROR(control.Check());
    if (!driver.empty()) {
      LEDGER_RETURN_IF_ERROR(load(it->key().substr(driver.size())));
      continue;
    }
    if (!profile.ParseFromArray(it->value().data(),
                                static_cast<int>(it->value().size()))) {
      return absl::DataLossError(
          absl::StrCat("the stored profile of ", it->key(), " does not parse"));
    }
    LEDGER_RETURN_IF_ERROR(visit());
  }
  return it->status();
}

}  // namespace ledger::services::internal
