#include "services/internal/rule_sweep.h"

#include <string>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "projections/classification_rules.h"
#include "projections/customer_keys.h"
#include "projections/customer_records.h"
#include "services/internal/query_common.h"
#include "services/request_validation.h"
#include "storage/status_macros.h"

namespace ledger::services::internal {

namespace {

namespace v1 = ::ledger::v1;
namespace proj = ::ledger::projections;

constexpr int kMaxReportedChanges = 1000;
// Appends in flight at once: enough to fill commit groups, few enough to
// leave room in the writer's queue for clients.
constexpr int kMaxInFlight = 64;
constexpr char kSweepActor[] = "customer-ledgerd:rule-sweep";

absl::Status LoadTransactions(const storage::StateView& view,
                              const v1::CustomerProfile& profile,
                              std::vector<proj::TransactionFact>* out) {
  std::vector<v1::Transaction> transactions;
  LEDGER_RETURN_IF_ERROR(LoadFileRecords(
      view, profile, proj::RecordKind::kTransaction, &transactions));
  for (const v1::Transaction& t : transactions) {
    const v1::Date& d = t.details().date();
    out->push_back(
        {absl::CivilDay(d.year(), d.month(), d.day()), t.details().amount()});
  }
  return absl::OkStatus();
}

// Waits for the sweep's appends and collects their results.
class InFlight {
 public:
  void Add() {
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(
        +[](int* n) { return *n < kMaxInFlight; }, &count_));
    ++count_;
  }
  void Done(const std::vector<v1::RuleChange*>& changes,
            const absl::StatusOr<storage::AppendResult>& r) {
    absl::MutexLock lock(&mu_);
    --count_;
    if (r.ok()) ++appended_;
    for (v1::RuleChange* change : changes) {
      if (r.ok()) {
        change->set_position(r->last_position);
      } else {
        change->set_error(r.status().ToString());
      }
    }
  }
  uint64_t WaitAll() {
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(
        +[](int* n) { return *n == 0; }, &count_));
    return appended_;
  }

 private:
  absl::Mutex mu_;
  int count_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t appended_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace

absl::StatusOr<std::vector<v1::RuleState>> LoadRules(
    const storage::StateView& view, bool include_removed) {
  std::vector<v1::RuleState> rules;
  const std::string prefix = proj::RuleKey("");
  std::unique_ptr<storage::StateIterator> it =
      view.NewIterator(proj::kRulesFamily);
  for (it->Seek(prefix); it->Valid() && absl::StartsWith(it->key(), prefix);
       it->Next()) {
    v1::RuleState state;
    if (!state.ParseFromArray(it->value().data(),
                              static_cast<int>(it->value().size()))) {
      return absl::DataLossError("a stored classification rule does not parse");
    }
    if (state.removed() && !include_removed) continue;
    rules.push_back(std::move(state));
  }
  LEDGER_RETURN_IF_ERROR(it->status());
  return rules;
}

RuleSweeper::RuleSweeper(storage::EventLog* log, const ServiceLimits& limits,
                         absl::Duration interval,
                         std::shared_ptr<spdlog::logger> logger)
    : log_(log),
      limits_(limits),
      interval_(interval),
      logger_(std::move(logger)),
      thread_([this] { Run(); }) {}

RuleSweeper::~RuleSweeper() { Stop(); }

void RuleSweeper::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

void RuleSweeper::Request(v1::EvaluateRulesRequest request, Done done) {
  absl::Status refused;
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) {
      refused = absl::UnavailableError("the server is shutting down");
    } else if (busy_) {
      refused = absl::FailedPreconditionError(
          "a rule sweep is running; try again when it has finished");
    } else {
      busy_ = true;
      pending_ = std::move(request);
      pending_done_ = std::move(done);
      return;
    }
  }
  done(refused);
}

void RuleSweeper::Run() {
  absl::Time next = interval_ > absl::ZeroDuration() ? absl::Now() + interval_
                                                     : absl::InfiniteFuture();
  while (true) {
    std::optional<v1::EvaluateRulesRequest> request;
    Done done;
    {
      absl::MutexLock lock(&mu_);
      auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return stopping_ || pending_.has_value();
      };
      mu_.AwaitWithDeadline(absl::Condition(&ready), next);
      if (stopping_) break;
      if (pending_.has_value()) {
        request = std::move(pending_);
        pending_.reset();
        done = std::move(pending_done_);
      } else if (absl::Now() >= next && !busy_) {
        busy_ = true;
        request.emplace();  // the scheduled sweep: every customer, today
      } else {
        continue;
      }
    }
    absl::StatusOr<v1::EvaluateRulesResponse> result = Sweep(*request);
    if (result.ok()) {
      logger_->info(
          "rule sweep: {} customers evaluated, {} changed in {:.1f} s",
          result->customers_evaluated(), result->customers_changed(),
          result->seconds());
    } else if (!done) {
      logger_->error("rule sweep failed: {}", result.status().ToString());
    }
    {
      absl::MutexLock lock(&mu_);
      busy_ = false;
    }
    if (done) done(std::move(result));
    if (!done && interval_ > absl::ZeroDuration())
      next = absl::Now() + interval_;
  }
  // A request queued while stopping still gets its answer.
  Done orphan;
  {
    absl::MutexLock lock(&mu_);
    orphan = std::move(pending_done_);
    pending_.reset();
  }
  if (orphan) orphan(absl::UnavailableError("the server is shutting down"));
}

absl::StatusOr<v1::EvaluateRulesResponse> RuleSweeper::Sweep(
    const v1::EvaluateRulesRequest& request) {
  const absl::Time started = absl::Now();
  absl::CivilDay today = absl::ToCivilDay(started, absl::UTCTimeZone());
  if (request.has_today()) {
    const v1::Date& d = request.today();
    today = absl::CivilDay(d.year(), d.month(), d.day());
  }
  v1::EvaluateRulesResponse response;
  std::unique_ptr<storage::StateView> view = log_->GetStateView();
  LEDGER_ASSIGN_OR_RETURN(std::vector<v1::RuleState> rules,
                          LoadRules(*view, /*include_removed=*/false));
  InFlight in_flight;
  // Append results land in response.changes from the writer thread: each
  // through a pointer to its own element (RepeatedPtrField elements never
  // move).

  auto evaluate = [&](const v1::CustomerProfile& profile) -> absl::Status {
    if (profile.archived() || !profile.merged_into().empty()) {
      return absl::OkStatus();
    }
    proj::RuleSubject subject;
    subject.profile = &profile;
    subject.today = today;
    LEDGER_RETURN_IF_ERROR(
        LoadTransactions(*view, profile, &subject.transactions));
    response.set_customers_evaluated(response.customers_evaluated() + 1);
    std::vector<v1::CustomerClassified> changes =
        proj::DecideClassification(rules, subject);
    if (changes.empty()) return absl::OkStatus();
    response.set_customers_changed(response.customers_changed() + 1);

    v1::AppendRequest append;
    append.set_customer_id(profile.customer_id());
    append.mutable_expected_version()->set_exact(profile.version());
    append.mutable_metadata()->set_actor(kSweepActor);
    append.mutable_metadata()->set_reason("classification rules");
    append.set_validate_only(request.dry_run());
    std::vector<v1::RuleChange*> reported;
    for (v1::CustomerClassified& change : changes) {
      if (response.changes_size() < kMaxReportedChanges) {
        v1::RuleChange* r = response.add_changes();
        r->set_customer_id(profile.customer_id());
        *r->mutable_change() = change;
        reported.push_back(r);
      }
      *append.add_events()->mutable_payload()->mutable_customer_classified() =
          std::move(change);
    }
    absl::StatusOr<storage::AppendRequest> validated =
        ValidateAppend(append, limits_, absl::Now());
    if (!validated.ok()) {
      for (v1::RuleChange* r : reported) {
        r->set_error(validated.status().ToString());
      }
      return absl::OkStatus();
    }
    if (request.dry_run()) return absl::OkStatus();
    in_flight.Add();
    log_->AppendAsync(*std::move(validated),
                      [&in_flight, reported = std::move(reported)](
                          absl::StatusOr<storage::AppendResult> result) {
                        in_flight.Done(reported, result);
                      });
    return absl::OkStatus();
  };

  auto stopping = [this] {
    absl::MutexLock lock(&mu_);
    return stopping_;
  };
  absl::Status status;
  if (request.customer_ids_size() > 0) {
    for (int i = 0; i < request.customer_ids_size() && status.ok(); ++i) {
      v1::CustomerProfile profile;
      std::string resolved_from;
      status = ValidateCustomerId(absl::StrCat("customer_ids[", i, "]"),
                                  request.customer_ids(i));
      if (status.ok()) {
        status = ResolveProfile(*view, request.customer_ids(i), &profile,
                                &resolved_from);
      }
      if (status.ok()) status = evaluate(profile);
    }
  } else {
    std::unique_ptr<storage::StateIterator> it =
        view->NewIterator(proj::kProfileFamily);
    uint64_t seen = 0;
    for (it->SeekToFirst(); it->Valid() && status.ok(); it->Next()) {
      if (++seen % 1024 == 0 && stopping()) {
        status = absl::CancelledError("the server is shutting down");
        break;
      }
      v1::CustomerProfile profile;
      if (!profile.ParseFromArray(it->value().data(),
                                  static_cast<int>(it->value().size()))) {
        status = absl::DataLossError("a stored profile does not parse");
        break;
      }
      status = evaluate(profile);
    }
    if (status.ok()) status = it->status();
  }
  in_flight.WaitAll();
  LEDGER_RETURN_IF_ERROR(status);
  response.set_seconds(absl::ToDoubleSeconds(absl::Now() - started));
  return response;
}

}  // namespace ledger::services::internal
