// ChurnedCustomers: who was lost, when and why.

#include <algorithm>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/match.h"
#include "projections/customer_keys.h"
#include "projections/report_keys.h"
#include "services/internal/query_common.h"
#include "services/internal/report_queries.h"
#include "storage/status_macros.h"

namespace ledger::services::internal {

namespace {

namespace v1 = ::ledger::v1;
namespace proj = ::ledger::projections;

constexpr size_t kMaxReasons = 100;

// A listed churn: the index entry, the customer's file now and the
// classification change that recorded the churn.
absl::Status FillRow(const storage::StateView& view, absl::string_view key,
                     absl::string_view reason, v1::ChurnedCustomer* row) {
  proj::ChurnValue churn;
  if (!proj::ParseChurnValue(proj::IndexValueOf(key), &churn)) {
    return absl::DataLossError("a malformed churn index entry");
  }
  const std::string id(proj::CustomerOfIndexKey(key));
  v1::CustomerProfile profile;
  LEDGER_RETURN_IF_ERROR(LoadIndexedProfile(view, id, &profile));
  row->set_customer_id(id);
  row->set_name(profile.profile().name());
  row->set_reason(std::string(reason));
  row->set_owner_id(profile.owner_id());
  row->set_grade(profile.classification().grade());
  row->set_stage(profile.classification().lifecycle_stage());
  row->set_archived(profile.archived());
  std::string bytes;
  absl::Status read = view.Get(proj::kClassificationHistoryFamily,
                               proj::HistoryKey(id, churn.position), &bytes);
  if (absl::IsNotFound(read)) return absl::OkStatus();
  LEDGER_RETURN_IF_ERROR(read);
  v1::ClassificationChange change;
  if (!change.ParseFromString(bytes)) {
    return absl::DataLossError("a stored classification change does not parse");
  }
  *row->mutable_churned_at() = change.occurred_at();
  row->set_recorded_by(change.actor());
  return absl::OkStatus();
}

}  // namespace

absl::Status CheckRequest(const v1::ChurnedCustomersRequest& req) {
  LEDGER_RETURN_IF_ERROR(
      CheckRange("from", req.from(), "to", req.to(), false).status());
  LEDGER_RETURN_IF_ERROR(CheckFilter("filter", req.filter()));
  std::string after;
  LEDGER_RETURN_IF_ERROR(DecodeToken(req.page_token(), &after));
  if (!after.empty() &&
      !absl::StartsWith(after,
                        proj::IndexKindPrefix(proj::IndexKind::kChurn))) {
    return Invalid("page_token", "is not a ChurnedCustomers token");
  }
  return absl::OkStatus();
}

absl::Status ChurnedCustomers(const storage::EventLog& log,
                              const v1::ChurnedCustomersRequest& req,
                              ReportControl& control,
                              v1::ChurnedCustomersResponse* resp) {
  LEDGER_RETURN_IF_ERROR(CheckRequest(req));
  LEDGER_ASSIGN_OR_RETURN(
      DayRange range, CheckRange("from", req.from(), "to", req.to(), false));
  std::string after;
  LEDGER_RETURN_IF_ERROR(DecodeToken(req.page_token(), &after));
  const uint32_t page = Page(req.page_size());
  std::unique_ptr<storage::StateView> view = log.GetStateView();
  CustomerScopeCheck scope(*view, req.filter(), req.include_archived());
  LEDGER_RETURN_IF_ERROR(scope.Init(control));
  absl::flat_hash_map<std::string, uint64_t> reasons;
  uint64_t total = 0;
  std::string last_listed;
  // Every churn of the range is counted; the page lists those after the
  // token.
  LEDGER_RETURN_IF_ERROR(ScanDays(
      *view, proj::IndexKind::kChurn, range, control,
      [&](absl::string_view key, absl::string_view reason) -> absl::Status {
        LEDGER_ASSIGN_OR_RETURN(
            bool in_scope,
            scope.InScope(std::string(proj::CustomerOfIndexKey(key))));
        if (!in_scope) return absl::OkStatus();
        ++total;
        ++reasons[std::string(reason)];
        if (!after.empty() && key <= after) return absl::OkStatus();
        if (resp->customers_size() < static_cast<int>(page)) {
          LEDGER_RETURN_IF_ERROR(
              FillRow(*view, key, reason, resp->add_customers()));
          last_listed = std::string(key);
        } else if (resp->next_page_token().empty()) {
          resp->set_next_page_token(EncodeToken(last_listed));
        }
        return absl::OkStatus();
      }));

  std::vector<std::pair<std::string, uint64_t>> sorted(reasons.begin(),
                                                       reasons.end());
  std::sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second > b.second : a.first < b.first;
  });
  for (size_t i = 0; i < sorted.size(); ++i) {
    if (i >= kMaxReasons) {
      resp->set_other_reasons_count(resp->other_reasons_count() +
                                    sorted[i].second);
      continue;
    }
    v1::ChurnReasonCount* out = resp->add_reasons();
    out->set_reason(sorted[i].first);
    out->set_count(sorted[i].second);
    out->set_share_percent(Percent(sorted[i].second, total).value_or(0));
  }
  resp->set_total_count(total);
  resp->set_as_of_position(view->position());
  return absl::OkStatus();
}

}  // namespace ledger::services::internal
