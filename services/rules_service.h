#ifndef LEDGER_SERVICES_RULES_SERVICE_H_
#define LEDGER_SERVICES_RULES_SERVICE_H_

#include <memory>

#include "absl/status/status.h"
#include "grpcpp/grpcpp.h"
#include "ledger/v1/rules.grpc.pb.h"
#include "services/authorizer.h"
#include "services/internal/rule_sweep.h"
#include "services/service_limits.h"
#include "spdlog/logger.h"
#include "storage/event_log.h"

namespace ledger::services {

// ledger.v1.ClassificationRules: rule events go to the rules' system stream
// through the group-commit writer, which finishes the call; evaluations run
// on the RuleSweeper's thread. No handler blocks.
//
// Thread-safe.
class RulesService final
    : public ledger::v1::ClassificationRules::CallbackService {
 public:
  // REQUIRES: `log`, `sweeper` and `authorizer` outlive the service.
  RulesService(storage::EventLog* log, internal::RuleSweeper* sweeper,
               const Authorizer* authorizer, const ServiceLimits& limits,
               std::shared_ptr<spdlog::logger> logger);

  RulesService(const RulesService&) = delete;
  RulesService& operator=(const RulesService&) = delete;

  grpc::ServerUnaryReactor* SaveRule(
      grpc::CallbackServerContext* context,
      const ledger::v1::SaveRuleRequest* request,
      ledger::v1::SaveRuleResponse* response) override;
  grpc::ServerUnaryReactor* RemoveRule(
      grpc::CallbackServerContext* context,
      const ledger::v1::RemoveRuleRequest* request,
      ledger::v1::RemoveRuleResponse* response) override;
  grpc::ServerUnaryReactor* ListRules(
      grpc::CallbackServerContext* context,
      const ledger::v1::ListRulesRequest* request,
      ledger::v1::ListRulesResponse* response) override;
  grpc::ServerUnaryReactor* EvaluateRules(
      grpc::CallbackServerContext* context,
      const ledger::v1::EvaluateRulesRequest* request,
      ledger::v1::EvaluateRulesResponse* response) override;

 private:
  // Authorises the caller for `method`, settles the metadata (actor) of
  // `request` (events for the rules stream), appends it and calls `done`
  // with the result on the writer thread.
  void AppendRuleEvents(
      grpc::CallbackServerContext* context, const char* rpc, const char* method,
      ledger::v1::AppendRequest& request, grpc::ServerUnaryReactor* reactor,
      std::function<absl::Status(const storage::AppendResult&)> done);
  grpc::Status Report(const char* rpc, const absl::Status& status) const;

  // Constant after construction.
  storage::EventLog* const log_;
  internal::RuleSweeper* const sweeper_;
  const Authorizer* const auth_;
  const ServiceLimits limits_;
  const std::shared_ptr<spdlog::logger> logger_;
};

}  // namespace ledger::services

#endif  // LEDGER_SERVICES_RULES_SERVICE_H_
