#ifndef LEDGER_SERVICES_INTERNAL_RULE_SWEEP_H_
#define LEDGER_SERVICES_INTERNAL_RULE_SWEEP_H_

#include <functional>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "ledger/v1/rules.pb.h"
#include "services/service_limits.h"
#include "spdlog/logger.h"
#include "storage/event_log.h"
#include "storage/state_view.h"

namespace ledger::services::internal {

// The rules in the state, by rule_id; removed ones only when asked.
[[nodiscard]] absl::StatusOr<std::vector<ledger::v1::RuleState>> LoadRules(
    const storage::StateView& view, bool include_removed);

// Applies the classification rules to customers: one sweep at a time, on
// its own thread, either every `interval` or when asked (EvaluateRules).
// For each active customer it computes the rules' decision
// (projections/classification_rules.h) and appends the real changes as
// CustomerClassified events with by_rule, expecting the customer's version
// it read, so a concurrent change by a person wins and the customer is
// simply evaluated again next time.
//
// Thread-safe.
class RuleSweeper {
 public:
  using Done =
      std::function<void(absl::StatusOr<ledger::v1::EvaluateRulesResponse>)>;

  // REQUIRES: `log` outlives the sweeper. interval zero: on demand only.
  RuleSweeper(storage::EventLog* log, const ServiceLimits& limits,
              absl::Duration interval, std::shared_ptr<spdlog::logger> logger);
  ~RuleSweeper();  // Stop()

  RuleSweeper(const RuleSweeper&) = delete;
  RuleSweeper& operator=(const RuleSweeper&) = delete;

  // Queues a sweep; `done` runs on the sweeper thread when it ends.
  // FAILED_PRECONDITION (at once, through `done`) while another sweep is
  // queued or running; INVALID_ARGUMENT for a bad request; UNAVAILABLE once
  // stopped.
  void Request(ledger::v1::EvaluateRulesRequest request, Done done);

  // Ends the current sweep after the customer in hand and joins the thread.
  // Idempotent.
  void Stop();

 private:
  void Run();
  absl::StatusOr<ledger::v1::EvaluateRulesResponse> Sweep(
      const ledger::v1::EvaluateRulesRequest& request);

  // Constant after construction.
  storage::EventLog* const log_;
  const ServiceLimits limits_;
  const absl::Duration interval_;
  const std::shared_ptr<spdlog::logger> logger_;

  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  bool busy_ ABSL_GUARDED_BY(mu_) = false;  // a sweep is queued or running
  std::optional<ledger::v1::EvaluateRulesRequest> pending_ ABSL_GUARDED_BY(mu_);
  Done pending_done_ ABSL_GUARDED_BY(mu_);

  std::thread thread_;  // last: starts after the fields above exist
};

}  // namespace ledger::services::internal

#endif  // LEDGER_SERVICES_INTERNAL_RULE_SWEEP_H_
