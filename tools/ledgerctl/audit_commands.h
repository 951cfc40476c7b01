// ledgerctl subcommands of ledger.v1.Audit: who changed what.
#ifndef LEDGER_TOOLS_LEDGERCTL_AUDIT_COMMANDS_H_
#define LEDGER_TOOLS_LEDGERCTL_AUDIT_COMMANDS_H_

#include <cstdint>
#include <string>

#include "CLI/CLI.hpp"
#include "tools/ledgerctl/commands.h"

namespace ledger::ctl {

struct HistoryOptions {
  std::string customer_id;
  std::string field_path;
};

struct ChangesByOptions {
  std::string actor;
  std::string from;  // YYYY-MM-DD (from its start) or RFC 3339
  std::string to;    // YYYY-MM-DD (through its end) or RFC 3339 (exclusive)
  bool include_on_behalf_of = false;
  uint32_t page_size = 0;  // 0: the server default (100)
  std::string page_token;
  bool all_pages = false;
};

struct AccessOptions {
  std::string customer_id;
  std::string principal;
  bool unauthenticated = false;  // the refused calls of unknown callers
  std::string from;
  std::string to;
  bool denied_only = false;
  uint32_t page_size = 0;
  std::string page_token;
  bool all_pages = false;
};

// The `history`, `changes-by` and `access` subcommands. Register() adds them to
// `app`; Run() runs the one parsed, or returns -1. Not thread-safe.
class AuditCommands {
 public:
  void Register(CLI::App& app);
  int Run(const GlobalOptions& global) const;

 private:
  HistoryOptions history_;
  ChangesByOptions changes_by_;
  AccessOptions access_;
  CLI::App* access_cmd_ = nullptr;
  CLI::App* history_cmd_ = nullptr;
  CLI::App* changes_by_cmd_ = nullptr;
};

}  // namespace ledger::ctl

#endif  // LEDGER_TOOLS_LEDGERCTL_AUDIT_COMMANDS_H_
