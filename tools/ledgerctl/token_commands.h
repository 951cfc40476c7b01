// ledgerctl token create|list|revoke: edit a local tokens file (no server
// call). See README, "Authentication".
#ifndef LEDGER_TOOLS_LEDGERCTL_TOKEN_COMMANDS_H_
#define LEDGER_TOOLS_LEDGERCTL_TOKEN_COMMANDS_H_

#include <string>

#include "CLI/CLI.hpp"
#include "tools/ledgerctl/commands.h"
#include "tools/ledgerctl/token_file.h"

namespace ledger::ctl {

// Register() adds the subcommands to `app`; Run() runs the one parsed, or
// returns -1.
class TokenCommands {
 public:
  void Register(CLI::App& app);
  int Run(const GlobalOptions& global) const;

 private:
  std::string tokens_file_;
  TokenSpec spec_;
  std::string token_id_;
  CLI::App* create_cmd_ = nullptr;
  CLI::App* list_cmd_ = nullptr;
  CLI::App* revoke_cmd_ = nullptr;
};

}  // namespace ledger::ctl

#endif  // LEDGER_TOOLS_LEDGERCTL_TOKEN_COMMANDS_H_
