#include "tools/ledgerctl/rule_commands.h"

#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <sstream>

#include "google/protobuf/util/json_util.h"
#include "grpcpp/grpcpp.h"
#include "ledger/v1/ledger.grpc.pb.h"
#include "ledger/v1/rules.grpc.pb.h"
#include "tools/ledgerctl/output.h"
#include "tools/ledgerctl/query_util.h"

namespace ledger::ctl {

namespace {

namespace v1 = ::ledger::v1;

std::string Comparison(v1::Comparison c) {
  switch (c) {
    case v1::COMPARISON_LT:
      return "<";
    case v1::COMPARISON_LE:
      return "<=";
    case v1::COMPARISON_EQ:
      return "=";
    case v1::COMPARISON_GE:
      return ">=";
    case v1::COMPARISON_GT:
      return ">";
    default:
      return "?";
  }
}

// "amount(12m, CNY) >= 1000000 and industry in [制造业]"
std::string Condition(const v1::ClassificationRule& rule) {
  std::string out;
  for (const v1::RuleClause& c : rule.all_of()) {
    if (!out.empty()) out += " and ";
    if (c.negate()) out += "not ";
    if (c.metric() != v1::RULE_METRIC_UNSPECIFIED) {
      out += Label(v1::RuleMetric_Name(c.metric()), "RULE_METRIC_");
      std::string args;
      if (c.months() != 0) args = std::to_string(c.months()) + "m";
      if (!c.currency().empty())
        args += (args.empty() ? "" : ", ") + c.currency();
      if (!args.empty()) out += "(" + args + ")";
      char value[64];
      std::snprintf(value, sizeof(value), "%.15g", c.value());
      out += " " + Comparison(c.comparison()) + " " + value;
    } else {
      out += Label(v1::RuleAttribute_Name(c.attribute()), "RULE_ATTRIBUTE_") +
             " in [" + Join(c.any_of()) + "]";
    }
  }
  return out.empty() ? "(every customer)" : out;
}

std::string Outcome(const v1::ClassificationRule& rule) {
  if (rule.grade() != 0) return "grade " + GradeLabel(rule.grade());
  if (rule.value_tier() != 0) return "tier " + TierLabel(rule.value_tier());
  if (rule.lifecycle_stage() != 0) {
    return "stage " + StageLabel(rule.lifecycle_stage());
  }
  return "tag " + rule.tag();
}

void PrintRules(const google::protobuf::RepeatedPtrField<v1::RuleState>& rules,
                Table* table) {
  for (const v1::RuleState& r : rules) {
    std::string state = r.removed()           ? "removed"
                        : r.rule().disabled() ? "disabled"
                                              : "active";
    table->AddRow({r.rule().rule_id(), std::to_string(r.version()), state,
                   std::to_string(r.rule().priority()), Condition(r.rule()),
                   Outcome(r.rule()), r.saved_by(),
                   TimeOrEmpty(r.has_saved_at(), r.saved_at())});
  }
}

v1::AppendMetadata Metadata(const std::string& actor,
                            const std::string& reason) {
  v1::AppendMetadata meta;
  meta.set_actor(actor);
  meta.set_reason(reason);
  meta.set_service("ledgerctl");
  return meta;
}

int RunMerge(const GlobalOptions& global, const MergeOptions& o) {
  v1::MergeCustomersRequest request;
  request.set_survivor_id(o.survivor_id);
  request.set_merged_id(o.merged_id);
  *request.mutable_metadata() = Metadata(o.actor, o.reason);
  request.set_request_id(o.request_id.empty() ? NewUuid() : o.request_id);
  request.set_validate_only(o.dry_run);
  auto stub = v1::Ledger::NewStub(NewChannel(global));
  v1::AppendResponse response;
  const int code = CallUnary(
      global,
      [&](grpc::ClientContext* ctx, v1::AppendResponse* resp) {
        return stub->MergeCustomers(ctx, request, resp);
      },
      &response);
  if (code != kExitOk || global.json) return code;
  std::cout << (o.dry_run ? "would merge " : "merged ") << o.merged_id
            << " into " << o.survivor_id << " at position "
            << response.last_position()
            << (response.duplicate() ? " (already done: same request id)" : "")
            << "\n";
  return kExitOk;
}

int RunList(const GlobalOptions& global, const RuleOptions& o) {
  v1::ListRulesRequest request;
  request.set_include_removed(o.include_removed || o.history);
  request.set_include_history(o.history);
  auto stub = v1::ClassificationRules::NewStub(NewChannel(global));
  v1::ListRulesResponse response;
  const int code = CallUnary(
      global,
      [&](grpc::ClientContext* ctx, v1::ListRulesResponse* resp) {
        return stub->ListRules(ctx, request, resp);
      },
      &response);
  if (code != kExitOk || global.json) return code;
  const std::vector<std::string> header = {
      "RULE",      "VERSION", "STATE",    "PRIORITY",
      "CONDITION", "OUTCOME", "SAVED BY", "SAVED AT (UTC)"};
  Table table(header);
  PrintRules(o.history ? response.history() : response.rules(), &table);
  if (table.empty()) {
    std::cout << "no classification rules\n";
  } else {
    table.Print();
  }
  return kExitOk;
}

int RunSave(const GlobalOptions& global, const RuleOptions& o) {
  std::string json;
  if (o.file == "-") {
    json.assign(std::istreambuf_iterator<char>(std::cin), {});
  } else {
    std::ifstream in(o.file);
    if (!in) return UsageError("cannot read " + o.file);
    std::stringstream buffer;
    buffer << in.rdbuf();
    json = buffer.str();
  }
  v1::SaveRuleRequest request;
  const auto parsed =
      google::protobuf::util::JsonStringToMessage(json, request.mutable_rule());
  if (!parsed.ok()) {
    return UsageError(o.file + " is not a ClassificationRule in JSON: " +
                      std::string(parsed.message()));
  }
  *request.mutable_metadata() = Metadata(o.actor, o.reason);
  request.set_request_id(o.request_id.empty() ? NewUuid() : o.request_id);
  if (o.expected_version >= 0) {
    request.set_expected_rule_version(
        static_cast<uint64_t>(o.expected_version));
  }
  auto stub = v1::ClassificationRules::NewStub(NewChannel(global));
  v1::SaveRuleResponse response;
  const int code = CallUnary(
      global,
      [&](grpc::ClientContext* ctx, v1::SaveRuleResponse* resp) {
        return stub->SaveRule(ctx, request, resp);
      },
      &response);
  if (code != kExitOk || global.json) return code;
  std::cout << "saved rule " << response.rule().rule().rule_id() << " version "
            << response.rule().version() << " at position "
            << response.rule().position() << "\n";
  return kExitOk;
}

int RunRemove(const GlobalOptions& global, const RuleOptions& o) {
  v1::RemoveRuleRequest request;
  request.set_rule_id(o.rule_id);
  *request.mutable_metadata() = Metadata(o.actor, o.reason);
  request.set_request_id(o.request_id.empty() ? NewUuid() : o.request_id);
  auto stub = v1::ClassificationRules::NewStub(NewChannel(global));
  v1::RemoveRuleResponse response;
  const int code = CallUnary(
      global,
      [&](grpc::ClientContext* ctx, v1::RemoveRuleResponse* resp) {
        return stub->RemoveRule(ctx, request, resp);
      },
      &response);
  if (code != kExitOk || global.json) return code;
  std::cout << "removed rule " << o.rule_id << " at position "
            << response.position() << "\n";
  return kExitOk;
}

int RunEvaluate(const GlobalOptions& global, const RuleOptions& o) {
  v1::EvaluateRulesRequest request;
  for (const std::string& id : o.customers) request.add_customer_ids(id);
  request.set_dry_run(o.dry_run);
  int exit_code = kExitOk;
  if (!o.today.empty() &&
      !ParseDate("--today", o.today, request.mutable_today(), &exit_code)) {
    return exit_code;
  }
  auto stub = v1::ClassificationRules::NewStub(NewChannel(global));
  v1::EvaluateRulesResponse response;
  const int code = CallUnary(
      global,
      [&](grpc::ClientContext* ctx, v1::EvaluateRulesResponse* resp) {
        return stub->EvaluateRules(ctx, request, resp);
      },
      &response);
  if (code != kExitOk || global.json) return code;
  Table table({"CUSTOMER", "RULE", "CHANGE", "POSITION"});
  bool failed = false;
  for (const v1::RuleChange& c : response.changes()) {
    v1::EventPayload payload;
    *payload.mutable_customer_classified() = c.change();
    const std::string what = PayloadSummary(payload);
    std::string where = c.position() != 0 ? std::to_string(c.position())
                        : o.dry_run       ? "(dry run)"
                                          : "not appended: " + c.error();
    failed = failed || (!o.dry_run && c.position() == 0);
    table.AddRow({c.customer_id(),
                  c.change().by_rule() + " v" +
                      std::to_string(c.change().rule_version()),
                  what, where});
  }
  if (!table.empty()) table.Print();
  std::cout << response.customers_evaluated() << " customers evaluated, "
            << response.customers_changed() << " "
            << (o.dry_run ? "would change" : "changed") << " in "
            << response.seconds() << " s\n";
  return failed ? kExitPartial : kExitOk;
}

}  // namespace

void RuleCommands::Register(CLI::App& app, const std::string& actor) {
  merge_.actor = actor;
  rules_.actor = actor;
  merge_cmd_ = app.add_subcommand(
      "merge",
      "Merge a duplicate customer into the one that stays: the merged "
      "customer's stream ends with CustomerMerged, its id resolves to the "
      "survivor");
  merge_cmd_
      ->add_option("survivor", merge_.survivor_id, "The customer that stays")
      ->required();
  merge_cmd_
      ->add_option("merged", merge_.merged_id,
                   "The duplicate that is merged into it")
      ->required();
  merge_cmd_->add_option("--actor", merge_.actor, "Who merges (LEDGER_ACTOR)");
  merge_cmd_->add_option("--reason", merge_.reason, "Why");
  merge_cmd_->add_option("--request-id", merge_.request_id,
                         "Idempotency key (default: a new UUID)");
  merge_cmd_->add_flag("--dry-run", merge_.dry_run,
                       "Check everything, merge nothing");

  CLI::App* rules = app.add_subcommand(
      "rules", "Classification rules (分类分级): list, save, remove, evaluate");
  rules->require_subcommand(1);
  list_cmd_ = rules->add_subcommand("list", "The current rules");
  list_cmd_->add_flag("--all", rules_.include_removed, "Include removed rules");
  list_cmd_->add_flag("--history", rules_.history,
                      "Every saved version of every rule");
  save_cmd_ = rules->add_subcommand(
      "save", "Save a rule (a new one or its next version) from JSON");
  save_cmd_
      ->add_option("file", rules_.file,
                   "ClassificationRule JSON file (- for stdin)")
      ->required();
  save_cmd_->add_option("--expected-version", rules_.expected_version,
                        "Refuse unless the rule is at this version (0: new)");
  remove_cmd_ = rules->add_subcommand("remove", "Remove a rule");
  remove_cmd_->add_option("rule", rules_.rule_id, "Rule id")->required();
  for (CLI::App* cmd : {save_cmd_, remove_cmd_}) {
    cmd->add_option("--actor", rules_.actor, "Who (LEDGER_ACTOR)");
    cmd->add_option("--reason", rules_.reason, "Why");
    cmd->add_option("--request-id", rules_.request_id,
                    "Idempotency key (default: a new UUID)");
  }
  evaluate_cmd_ = rules->add_subcommand(
      "evaluate",
      "Apply the rules now (as the scheduled sweep does); appends only real "
      "changes");
  evaluate_cmd_->add_option("--customer", rules_.customers,
                            "Only this customer (repeat); default: all");
  evaluate_cmd_->add_flag("--dry-run", rules_.dry_run,
                          "Show what would change, append nothing");
  evaluate_cmd_->add_option("--today", rules_.today,
                            "Evaluate as of this day (YYYY-MM-DD)");
}

void RuleCommands::ClearActorIf(const std::string& actor) {
  if (merge_.actor == actor) merge_.actor.clear();
  if (rules_.actor == actor) rules_.actor.clear();
}

int RuleCommands::Run(const GlobalOptions& global) const {
  if (merge_cmd_->parsed()) return RunMerge(global, merge_);
  if (list_cmd_->parsed()) return RunList(global, rules_);
  if (save_cmd_->parsed()) return RunSave(global, rules_);
  if (remove_cmd_->parsed()) return RunRemove(global, rules_);
  if (evaluate_cmd_->parsed()) return RunEvaluate(global, rules_);
  return -1;
}

}  // namespace ledger::ctl
