#ifndef LEDGER_SERVICES_INTERNAL_REPORT_COMMON_H_
#define LEDGER_SERVICES_INTERNAL_REPORT_COMMON_H_

// Building blocks of the reports (report_queries.h): ranges of days and
// calendar periods, the customer filter, the archived customers, scans of
// the report indexes by day, and a scan of the customers in scope that reads
// as few profiles as the indexes allow.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "ledger/v1/customer.pb.h"
#include "ledger/v1/reports.pb.h"
#include "projections/customer_keys.h"
#include "storage/state_view.h"

namespace ledger::services::internal {

// The most periods one report covers (20 years by month).
inline constexpr size_t kMaxPeriods = 240;

// Lets a running report stop early: Check() asks `stop` every few hundred
// steps whether to go on (OK) or to end with the status it returns (the
// caller went away, the server is stopping). Not thread-safe: one report,
// one thread.
class ReportControl {
 public:
  explicit ReportControl(std::function<absl::Status()> stop)
      : stop_(std::move(stop)) {}
  [[nodiscard]] absl::Status Check();

 private:
  std::function<absl::Status()> stop_;
  uint32_t steps_ = 0;
};

// An inclusive range of UTC days as YYYYMMDD keys; an empty key is an open
// end.
struct DayRange {
  std::string from;
  std::string to;
  absl::CivilDay from_day;  // when `from` is set
  absl::CivilDay to_day;    // when `to` is set
  bool bounded() const { return !from.empty() || !to.empty(); }
  bool Contains(absl::string_view day) const {
    return (from.empty() || day >= from) && (to.empty() || day <= to);
  }
};

// A range from two optional dates (an all-zero date counts as unset). With
// `required` both must be set. INVALID_ARGUMENT naming the field: a missing
// or impossible date, or "to: 2026-01-01 is before from: 2026-03-01".
[[nodiscard]] absl::StatusOr<DayRange> CheckRange(absl::string_view from_field,
                                                  const ledger::v1::Date& from,
                                                  absl::string_view to_field,
                                                  const ledger::v1::Date& to,
                                                  bool required);

// "YYYYMMDD" of a day.
std::string DayKeyOf(absl::CivilDay day);

// One calendar period of a report, clipped to the report's range.
struct Period {
  std::string label;  // "2026-03", "2026-Q1", "2026"
  absl::CivilDay start;
  absl::CivilDay end;
  bool partial = false;
  std::string start_key;  // DayKeyOf(start)
  std::string end_key;
};

// INVALID_ARGUMENT naming `field` unless `g` is a known granularity.
[[nodiscard]] absl::Status CheckGranularity(absl::string_view field, int g);

// The calendar periods of granularity `g` that cover `range` (both ends
// set), the first and last clipped to it. INVALID_ARGUMENT naming
// `to_field` when they would be more than kMaxPeriods.
[[nodiscard]] absl::StatusOr<std::vector<Period>> MakePeriods(
    const DayRange& range, ledger::v1::ReportGranularity g,
    absl::string_view to_field);
// The whole calendar period before the one that contains `day`.
Period PeriodBefore(absl::CivilDay day, ledger::v1::ReportGranularity g);
// The index of the period that contains `day` (YYYYMMDD), or -1.
int PeriodOf(const std::vector<Period>& periods, absl::string_view day);
void ToProto(const Period& period, ledger::v1::ReportPeriod* out);

// `part` of `whole` in percent; nullopt when `whole` is 0.
std::optional<double> Percent(uint64_t part, uint64_t whole);

// INVALID_ARGUMENT naming the field ("filter.grade: 9 is not a known
// value") for unknown enum values or texts that are too long or not UTF-8.
[[nodiscard]] absl::Status CheckFilter(absl::string_view field,
                                       const ledger::v1::ReportFilter& f);
bool FilterIsEmpty(const ledger::v1::ReportFilter& f);
bool FilterMatches(const ledger::v1::ReportFilter& f,
                   const ledger::v1::CustomerProfile& p);

// The stored profile of a customer named by an index entry; DATA_LOSS when
// it is missing or does not parse.
[[nodiscard]] absl::Status LoadIndexedProfile(
    const storage::StateView& view, const std::string& id,
    ledger::v1::CustomerProfile* profile);

// Which customers' facts a report counts: archived ones only with
// `include_archived`, and only those matching `filter`. Reads the filter's
// profiles one by one, and the ids of the archived customers once (memory
// grows with the archived customers, not with the store). Not thread-safe.
class CustomerScopeCheck {
 public:
  CustomerScopeCheck(const storage::StateView& view,
                     const ledger::v1::ReportFilter& filter,
                     bool include_archived)
      : view_(view), filter_(filter), include_archived_(include_archived) {}

  // Reads what the check needs; call once before InScope.
  [[nodiscard]] absl::Status Init(ReportControl& control);
  [[nodiscard]] absl::StatusOr<bool> InScope(const std::string& id);

 private:
  const storage::StateView& view_;
  const ledger::v1::ReportFilter& filter_;
  const bool include_archived_;
  std::vector<std::string> archived_;  // sorted
  ledger::v1::CustomerProfile profile_;
};

// Calls fn(key, value) for every entry of index `kind` whose value starts
// with a day (YYYYMMDD) in `range`, in key order: by day.
[[nodiscard]] absl::Status ScanDays(
    const storage::StateView& view, projections::IndexKind kind,
    const DayRange& range, ReportControl& control,
    const std::function<absl::Status(absl::string_view key,
                                     absl::string_view value)>& fn);

// The customers a report covers.
struct CustomerScope {
  ledger::v1::ReportFilter filter;
  bool include_archived = false;
  DayRange registered;  // UTC day of created_at
};

// Calls fn(profile) for every customer in `scope`. The candidates come from
// one index range: the registration days when both ends are set, else the
// index of the first indexed filter field (owner, grade, value tier, stage,
// tag, industry, region), else the registration days of an open range,
// else every profile in order. One profile read per candidate.
[[nodiscard]] absl::Status ForEachCustomer(
    const storage::StateView& view, const CustomerScope& scope,
    ReportControl& control,
    const std::function<absl::Status(const ledger::v1::CustomerProfile&)>& fn);

}  // namespace ledger::services::internal

#endif  // LEDGER_SERVICES_INTERNAL_REPORT_COMMON_H_
