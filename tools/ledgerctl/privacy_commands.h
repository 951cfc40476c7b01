// ledgerctl subcommands for personal-data rights: forget a customer, record
// consent (ledger.v1.Ledger) and rotate the master key (ledger.v1.Admin).
#ifndef LEDGER_TOOLS_LEDGERCTL_PRIVACY_COMMANDS_H_
#define LEDGER_TOOLS_LEDGERCTL_PRIVACY_COMMANDS_H_

#include <string>

#include "CLI/CLI.hpp"
#include "tools/ledgerctl/commands.h"

namespace ledger::ctl {

struct ForgetOptions {
  std::string customer_id;
  std::string actor;
  std::string reason;
  std::string request_id;
  bool yes = false;  // confirmation: erasure cannot be undone
};

struct ConsentOptions {
  std::string customer_id;
  std::string purpose;
  bool grant = false;
  bool withdraw = false;
  std::string channel;
  std::string evidence;
  std::string expires_on;  // YYYY-MM-DD
  std::string actor;
  std::string reason;
  std::string request_id;
};

// `forget`, `consent` and `admin rotate-master-key`. Register() adds them to
// `app`; Run() runs the one parsed, or returns -1. Not thread-safe.
class PrivacyCommands {
 public:
  // `actor` is the default for --actor (LEDGER_ACTOR or the login name).
  void Register(CLI::App& app, const std::string& actor);
  int Run(const GlobalOptions& global) const;

 private:
  ForgetOptions forget_;
  ConsentOptions consent_;
  CLI::App* forget_cmd_ = nullptr;
  CLI::App* consent_cmd_ = nullptr;
  CLI::App* rotate_cmd_ = nullptr;
};

}  // namespace ledger::ctl

#endif  // LEDGER_TOOLS_LEDGERCTL_PRIVACY_COMMANDS_H_
