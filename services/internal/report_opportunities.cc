// OpportunityConversion: the funnel of a cohort of opportunities.

#include <algorithm>
#include <array>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "projections/customer_keys.h"
#include "projections/customer_records.h"
#include "projections/money.h"
#include "projections/report_keys.h"
#include "services/internal/report_queries.h"
#include "services/internal/validation_util.h"
#include "storage/status_macros.h"

namespace ledger::services::internal {

namespace {

namespace v1 = ::ledger::v1;
namespace proj = ::ledger::projections;

constexpr size_t kMaxOwnerText = 256;
constexpr int kFirstStage = v1::OPPORTUNITY_STAGE_FIRST_CONTACT;
constexpr int kWon = v1::OPPORTUNITY_STAGE_WON;
constexpr int kLost = v1::OPPORTUNITY_STAGE_LOST;

// The furthest stage an opportunity went to (LOST is not a step forward)
// and, if it was lost, the stage it was lost from.
struct Path {
  int furthest = kFirstStage;
  int lost_from = 0;
};

Path PathOf(const v1::Opportunity& o) {
  Path path;
  int current = kFirstStage;
  for (const v1::StageChange& change : o.history()) {
    if (change.stage() == kLost) {
      path.lost_from = current;
    } else if (change.stage() != v1::OPPORTUNITY_STAGE_UNSPECIFIED) {
      current = change.stage();
      path.furthest = std::max(path.furthest, current);
    }
  }
  if (o.stage() == kLost && path.lost_from == 0) path.lost_from = current;
  return path;
}

// One row of counts (the total or an owner's). Not thread-safe.
class Tally {
 public:
  void Add(const v1::Opportunity& o) {
    row_.set_opened(row_.opened() + 1);
    const v1::Money& amount = o.details().expected_amount();
    const bool has_amount = !amount.currency_code().empty();
    if (o.stage() == kWon) {
      row_.set_won(row_.won() + 1);
      if (has_amount) proj::AddToTotals(amount, row_.mutable_won_amounts());
      days_to_win_ += static_cast<double>(o.closed_at().seconds() -
                                          o.opened_at().seconds()) /
                      86400.0;
    } else if (o.stage() == kLost) {
      row_.set_lost(row_.lost() + 1);
    } else {
      row_.set_open(row_.open() + 1);
      if (has_amount) proj::AddToTotals(amount, row_.mutable_open_amounts());
    }
  }

  v1::OwnerConversion Finish(const std::string& owner_id) {
    row_.set_owner_id(owner_id);
    if (auto rate = Percent(row_.won(), row_.won() + row_.lost())) {
      row_.set_win_rate_percent(*rate);
    }
    if (row_.won() > 0) {
      row_.set_average_days_to_win(days_to_win_ /
                                   static_cast<double>(row_.won()));
    }
    return row_;
  }

  uint64_t won() const { return row_.won(); }

 private:
  v1::OwnerConversion row_;
  double days_to_win_ = 0;
};

}  // namespace

absl::Status CheckRequest(const v1::OpportunityConversionRequest& req) {
  LEDGER_RETURN_IF_ERROR(
      CheckRange("from", req.from(), "to", req.to(), false).status());
  return CheckText("owner_id", req.owner_id(), kMaxOwnerText);
}

absl::Status OpportunityConversion(const storage::EventLog& log,
                                   const v1::OpportunityConversionRequest& req,
                                   ReportControl& control,
                                   v1::OpportunityConversionResponse* resp) {
  LEDGER_RETURN_IF_ERROR(CheckRequest(req));
  LEDGER_ASSIGN_OR_RETURN(
      DayRange range, CheckRange("from", req.from(), "to", req.to(), false));
  std::unique_ptr<storage::StateView> view = log.GetStateView();
  const v1::ReportFilter no_filter;
  CustomerScopeCheck scope(*view, no_filter, req.include_archived());
  LEDGER_RETURN_IF_ERROR(scope.Init(control));

  // Indexed by stage number; FIRST_CONTACT .. WON are used.
  std::array<uint64_t, kWon + 1> reached{};
  std::array<uint64_t, kWon + 1> lost_here{};
  std::array<uint64_t, kWon + 1> open_here{};
  Tally total;
  absl::flat_hash_map<std::string, Tally> owners;
  v1::Opportunity o;
  std::string bytes;
  LEDGER_RETURN_IF_ERROR(ScanDays(
      *view, proj::IndexKind::kOpportunity, range, control,
      [&](absl::string_view key, absl::string_view) -> absl::Status {
        proj::OpportunityValue value;
        if (!proj::ParseOpportunityValue(proj::IndexValueOf(key), &value)) {
          return absl::DataLossError("a malformed opportunity index entry");
        }
        const std::string customer(proj::CustomerOfIndexKey(key));
        LEDGER_ASSIGN_OR_RETURN(bool in_scope, scope.InScope(customer));
        if (!in_scope) return absl::OkStatus();
        absl::Status read = view->Get(
            proj::kRecordsFamily,
            proj::RecordKey(customer,
                            static_cast<char>(proj::RecordKind::kOpportunity),
                            value.opportunity_id),
            &bytes);
        if (absl::IsNotFound(read)) {
          return absl::DataLossError(absl::StrCat(
              "the opportunity index names an opportunity of customer ",
              customer, " that is not stored"));
        }
        LEDGER_RETURN_IF_ERROR(read);
        if (!o.ParseFromString(bytes)) {
          return absl::DataLossError(
              absl::StrCat("a stored opportunity of customer ", customer,
                           " does not parse"));
        }
        if (!req.owner_id().empty() &&
            o.details().owner_id() != req.owner_id()) {
          return absl::OkStatus();
        }
        const Path path = PathOf(o);
        for (int s = kFirstStage; s <= path.furthest && s <= kWon; ++s) {
          ++reached[s];
        }
        if (path.lost_from >= kFirstStage && path.lost_from < kWon) {
          ++lost_here[path.lost_from];
        }
        if (!o.closed() && o.stage() >= kFirstStage && o.stage() < kWon) {
          ++open_here[o.stage()];
        }
        total.Add(o);
        if (req.by_owner()) owners[o.details().owner_id()].Add(o);
        return absl::OkStatus();
      }));

  for (int s = kFirstStage; s <= kWon; ++s) {
    v1::StageConversion* stage = resp->add_stages();
    stage->set_stage(static_cast<v1::OpportunityStage>(s));
    stage->set_reached(reached[s]);
    stage->set_lost_here(lost_here[s]);
    stage->set_open_here(open_here[s]);
    if (s < kWon) {
      stage->set_advanced(reached[s + 1]);
      if (auto next = Percent(reached[s + 1], reached[s])) {
        stage->set_to_next_percent(*next);
      }
    }
    if (auto won = Percent(reached[kWon], reached[s])) {
      stage->set_to_won_percent(*won);
    }
  }
  *resp->mutable_total() = total.Finish("");
  std::vector<std::pair<std::string, Tally*>> sorted;
  for (auto& [owner, tally] : owners) sorted.emplace_back(owner, &tally);
  std::sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) {
    return a.second->won() != b.second->won()
               ? a.second->won() > b.second->won()
               : a.first < b.first;
  });
  for (auto& [owner, tally] : sorted)
    *resp->add_owners() = tally->Finish(owner);
  resp->set_as_of_position(view->position());
  return absl::OkStatus();
}

}  // namespace ledger::services::internal
