#include "services/rules_service.h"

#include <string>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "projections/customer_keys.h"
#include "services/grpc_status.h"
#include "services/request_validation.h"
#include "storage/status_macros.h"

namespace ledger::services {

namespace {

namespace v1 = ::ledger::v1;
namespace proj = ::ledger::projections;

constexpr char kSaveRule[] = "/ledger.v1.ClassificationRules/SaveRule";
constexpr char kRemoveRule[] = "/ledger.v1.ClassificationRules/RemoveRule";
constexpr char kListRules[] = "/ledger.v1.ClassificationRules/ListRules";
constexpr char kEvaluateRules[] =
    "/ledger.v1.ClassificationRules/EvaluateRules";

v1::AppendRequest RulesAppend(const v1::AppendMetadata& metadata,
                              const std::string& request_id) {
  v1::AppendRequest append;
  append.set_customer_id(proj::kRulesStream);
  *append.mutable_metadata() = metadata;
  append.set_request_id(request_id);
  return append;
}

}  // namespace

RulesService::RulesService(storage::EventLog* log,
                           internal::RuleSweeper* sweeper,
                           const Authorizer* authorizer,
                           const ServiceLimits& limits,
                           std::shared_ptr<spdlog::logger> logger)
    : log_(log),
      sweeper_(sweeper),
      auth_(authorizer),
      limits_(limits),
      logger_(std::move(logger)) {}

grpc::Status RulesService::Report(const char* rpc,
                                  const absl::Status& status) const {
  return ReportStatus(*logger_, rpc, status);
}

void RulesService::AppendRuleEvents(
    grpc::CallbackServerContext* context, const char* rpc, const char* method,
    v1::AppendRequest& request, grpc::ServerUnaryReactor* reactor,
    std::function<absl::Status(const storage::AppendResult&)> done) {
  absl::StatusOr<Principal> principal = auth_->Authorize(*context, method);
  absl::Status status = principal.status();
  if (status.ok()) {
    status = auth_->ApplyToMetadata(*principal, method, request.customer_id(),
                                    request.mutable_metadata());
  }
  if (!status.ok()) {
    reactor->Finish(Report(rpc, status));
    return;
  }
  absl::StatusOr<storage::AppendRequest> append =
      ValidateRulesAppend(request, limits_, absl::Now());
  if (!append.ok()) {
    reactor->Finish(Report(rpc, append.status()));
    return;
  }
  log_->AppendAsync(*std::move(append),
                    [this, rpc, reactor, done = std::move(done)](
                        absl::StatusOr<storage::AppendResult> result) {
                      absl::Status status = result.status();
                      if (status.ok()) status = done(*result);
                      reactor->Finish(Report(rpc, status));
                    });
}

grpc::ServerUnaryReactor* RulesService::SaveRule(
    grpc::CallbackServerContext* context, const v1::SaveRuleRequest* request,
    v1::SaveRuleResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  v1::AppendRequest append =
      RulesAppend(request->metadata(), request->request_id());
  v1::ClassificationRuleSaved* saved =
      append.add_events()
          ->mutable_payload()
          ->mutable_classification_rule_saved();
  *saved->mutable_rule() = request->rule();
  if (request->has_expected_rule_version()) {
    saved->set_expected_version(request->expected_rule_version());
  }
  const std::string key = proj::RuleKey(request->rule().rule_id());
  AppendRuleEvents(
      context, "SaveRule", kSaveRule, append, reactor,
      [this, key, response](const storage::AppendResult&) {
        // The projection committed with the event.
        std::string bytes;
        uint64_t position = 0;
        LEDGER_RETURN_IF_ERROR(
            log_->GetStateValue(proj::kRulesFamily, key, &bytes, &position));
        if (!response->mutable_rule()->ParseFromString(bytes)) {
          return absl::DataLossError("the saved rule's state does not parse");
        }
        return absl::OkStatus();
      });
  return reactor;
}

grpc::ServerUnaryReactor* RulesService::RemoveRule(
    grpc::CallbackServerContext* context, const v1::RemoveRuleRequest* request,
    v1::RemoveRuleResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  v1::AppendRequest append =
      RulesAppend(request->metadata(), request->request_id());
  append.add_events()
      ->mutable_payload()
      ->mutable_classification_rule_removed()
      ->set_rule_id(request->rule_id());
  AppendRuleEvents(context, "RemoveRule", kRemoveRule, append, reactor,
                   [response](const storage::AppendResult& result) {
                     response->set_position(result.last_position);
                     return absl::OkStatus();
                   });
  return reactor;
}

grpc::ServerUnaryReactor* RulesService::ListRules(
    grpc::CallbackServerContext* context, const v1::ListRulesRequest* request,
    v1::ListRulesResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  absl::Status status = [&]() -> absl::Status {
    LEDGER_ASSIGN_OR_RETURN(const Principal principal,
                            auth_->Authorize(*context, kListRules));
    (void)principal;
    std::unique_ptr<storage::StateView> view = log_->GetStateView();
    LEDGER_ASSIGN_OR_RETURN(
        std::vector<v1::RuleState> rules,
        internal::LoadRules(*view, request->include_removed()));
    for (v1::RuleState& rule : rules) *response->add_rules() = std::move(rule);
    if (!request->include_history()) return absl::OkStatus();
    const std::string prefix = proj::RuleHistoryPrefix("").substr(0, 2);
    std::unique_ptr<storage::StateIterator> it =
        view->NewIterator(proj::kRulesFamily);
    for (it->Seek(prefix); it->Valid() && absl::StartsWith(it->key(), prefix);
         it->Next()) {
      if (!response->add_history()->ParseFromArray(
              it->value().data(), static_cast<int>(it->value().size()))) {
        return absl::DataLossError("a stored rule version does not parse");
      }
    }
    return it->status();
  }();
  reactor->Finish(Report("ListRules", status));
  return reactor;
}

grpc::ServerUnaryReactor* RulesService::EvaluateRules(
    grpc::CallbackServerContext* context,
    const v1::EvaluateRulesRequest* request,
    v1::EvaluateRulesResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  if (const absl::StatusOr<Principal> principal =
          auth_->Authorize(*context, kEvaluateRules);
      !principal.ok()) {
    reactor->Finish(Report("EvaluateRules", principal.status()));
    return reactor;
  }
  if (request->has_today()) {
    const v1::Date& d = request->today();
    const absl::CivilDay day(d.year(), d.month(), d.day());
    if (d.year() < 1900 || d.year() > 9999 || day.month() != d.month() ||
        day.day() != d.day()) {
      reactor->Finish(
          Report("EvaluateRules", absl::InvalidArgumentError(absl::StrCat(
                                      "today: ", d.year(), "-", d.month(), "-",
                                      d.day(), " is not a calendar date"))));
      return reactor;
    }
  }
  sweeper_->Request(
      *request, [this, reactor,
                 response](absl::StatusOr<v1::EvaluateRulesResponse> result) {
        if (result.ok()) *response = *std::move(result);
        reactor->Finish(Report("EvaluateRules", result.status()));
      });
  return reactor;
}

}  // namespace ledger::services
