// Satisfaction: revisit scores per period.

#include <array>
#include <memory>
#include <string>
#include <vector>

#include "projections/customer_keys.h"
#include "projections/report_keys.h"
#include "services/internal/report_queries.h"
#include "storage/status_macros.h"

namespace ledger::services::internal {

namespace {

namespace v1 = ::ledger::v1;
namespace proj = ::ledger::projections;

// Counts and sums of revisit scores. Not thread-safe.
class Scores {
 public:
  void Add(int score) {
    ++count_;
    sum_ += static_cast<uint64_t>(score);
    ++distribution_[score - 1];
  }

  void ToProto(v1::SatisfactionStats* out) const {
    out->set_count(count_);
    for (uint64_t n : distribution_) out->add_distribution(n);
    if (count_ == 0) return;
    out->set_average(static_cast<double>(sum_) / static_cast<double>(count_));
    out->set_satisfied_percent(
        *Percent(distribution_[3] + distribution_[4], count_));
    out->set_dissatisfied_percent(
        *Percent(distribution_[0] + distribution_[1], count_));
  }

 private:
  uint64_t count_ = 0;
  uint64_t sum_ = 0;
  std::array<uint64_t, 5> distribution_{};  // scores 1..5
};

}  // namespace

absl::Status CheckRequest(const v1::SatisfactionRequest& req) {
  LEDGER_ASSIGN_OR_RETURN(DayRange range,
                          CheckRange("from", req.from(), "to", req.to(), true));
  LEDGER_RETURN_IF_ERROR(CheckGranularity("granularity", req.granularity()));
  LEDGER_RETURN_IF_ERROR(MakePeriods(range, req.granularity(), "to").status());
  return CheckFilter("filter", req.filter());
}

absl::Status Satisfaction(const storage::EventLog& log,
                          const v1::SatisfactionRequest& req,
                          ReportControl& control,
                          v1::SatisfactionResponse* resp) {
  LEDGER_RETURN_IF_ERROR(CheckRequest(req));
  LEDGER_ASSIGN_OR_RETURN(DayRange range,
                          CheckRange("from", req.from(), "to", req.to(), true));
  LEDGER_ASSIGN_OR_RETURN(std::vector<Period> periods,
                          MakePeriods(range, req.granularity(), "to"));
  std::unique_ptr<storage::StateView> view = log.GetStateView();
  CustomerScopeCheck scope(*view, req.filter(), req.include_archived());
  LEDGER_RETURN_IF_ERROR(scope.Init(control));
  std::vector<Scores> by_period(periods.size());
  Scores total;
  LEDGER_RETURN_IF_ERROR(ScanDays(
      *view, proj::IndexKind::kRevisit, range, control,
      [&](absl::string_view key, absl::string_view) -> absl::Status {
        proj::RevisitValue revisit;
        if (!proj::ParseRevisitValue(proj::IndexValueOf(key), &revisit)) {
          return absl::DataLossError("a malformed revisit index entry");
        }
        LEDGER_ASSIGN_OR_RETURN(
            bool in_scope,
            scope.InScope(std::string(proj::CustomerOfIndexKey(key))));
        const int i = PeriodOf(periods, revisit.day);
        if (!in_scope || i < 0) return absl::OkStatus();
        by_period[i].Add(revisit.score);
        total.Add(revisit.score);
        return absl::OkStatus();
      }));
  for (size_t i = 0; i < periods.size(); ++i) {
    v1::SatisfactionPeriod* out = resp->add_periods();
    ToProto(periods[i], out->mutable_period());
    by_period[i].ToProto(out->mutable_stats());
  }
  total.ToProto(resp->mutable_total());
  resp->set_as_of_position(view->position());
  return absl::OkStatus();
}

}  // namespace ledger::services::internal
