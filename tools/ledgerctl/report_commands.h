// ledgerctl report <kind>: the management reports of ledger.v1.Reports
// (breakdown, new-customers, satisfaction, conversion, churn), as tables
// for people or, with --json, one response per line for scripts.
#ifndef LEDGER_TOOLS_LEDGERCTL_REPORT_COMMANDS_H_
#define LEDGER_TOOLS_LEDGERCTL_REPORT_COMMANDS_H_

#include <cstdint>
#include <string>

#include "CLI/CLI.hpp"
#include "tools/ledgerctl/commands.h"
#include "tools/ledgerctl/query_commands.h"

namespace ledger::ctl {

// What every report subcommand may be given; each uses its share.
struct ReportOptions {
  std::string from;  // YYYY-MM-DD, inclusive
  std::string to;    // YYYY-MM-DD, inclusive
  std::string granularity = "month";
  std::string dimension;  // breakdown --by
  // Customer filter (the opportunity owner for conversion).
  std::string owner;
  std::string grade;
  std::string tier;
  std::string stage;
  std::string nature;
  std::string industry;
  std::string region;
  std::string tag;
  bool include_archived = false;
  uint32_t max_rows = 0;  // breakdown; 0: the server's default
  bool by_owner = false;  // conversion
  double timeout_seconds = 120;
  PageOptions page;  // churn
};

// The `report` command with its subcommands. Not thread-safe.
class ReportCommands {
 public:
  // Adds `report` and its subcommands to `app`.
  explicit ReportCommands(CLI::App& app);

  ReportCommands(const ReportCommands&) = delete;
  ReportCommands& operator=(const ReportCommands&) = delete;

  // After parsing: whether a report was asked for, and then its exit code
  // in *exit_code.
  bool Run(const GlobalOptions& global, int* exit_code) const;

 private:
  ReportOptions options_;
  CLI::App* breakdown_ = nullptr;
  CLI::App* new_customers_ = nullptr;
  CLI::App* satisfaction_ = nullptr;
  CLI::App* conversion_ = nullptr;
  CLI::App* churn_ = nullptr;
};

}  // namespace ledger::ctl

#endif  // LEDGER_TOOLS_LEDGERCTL_REPORT_COMMANDS_H_
