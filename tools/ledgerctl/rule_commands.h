// ledgerctl subcommands for merging customers (ledger.v1.Ledger) and for
// classification rules (ledger.v1.ClassificationRules).
#ifndef LEDGER_TOOLS_LEDGERCTL_RULE_COMMANDS_H_
#define LEDGER_TOOLS_LEDGERCTL_RULE_COMMANDS_H_

#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "tools/ledgerctl/commands.h"

namespace ledger::ctl {

struct MergeOptions {
  std::string survivor_id;
  std::string merged_id;
  std::string actor;
  std::string reason;
  std::string request_id;
  bool dry_run = false;
};

struct RuleOptions {
  std::string file;  // save: ClassificationRule JSON; "-" is stdin
  std::string rule_id;
  std::string actor;
  std::string reason;
  std::string request_id;
  int64_t expected_version = -1;  // save: -1 = any
  bool include_removed = false;
  bool history = false;
  std::vector<std::string> customers;  // evaluate
  bool dry_run = false;
  std::string today;  // evaluate: YYYY-MM-DD
};

// The `merge` and `rules list|save|remove|evaluate` subcommands. Register()
// adds them to `app`; Run() runs the one parsed, or returns -1.
class RuleCommands {
 public:
  // `actor` is the default for --actor (LEDGER_ACTOR or the login name).
  void Register(CLI::App& app, const std::string& actor);
  int Run(const GlobalOptions& global) const;
  // Clears the actors still equal to `actor` (the default): the server
  // then records the authenticated principal.
  void ClearActorIf(const std::string& actor);

 private:
  MergeOptions merge_;
  RuleOptions rules_;
  CLI::App* merge_cmd_ = nullptr;
  CLI::App* list_cmd_ = nullptr;
  CLI::App* save_cmd_ = nullptr;
  CLI::App* remove_cmd_ = nullptr;
  CLI::App* evaluate_cmd_ = nullptr;
};

}  // namespace ledger::ctl

#endif  // LEDGER_TOOLS_LEDGERCTL_RULE_COMMANDS_H_
