// ledgerctl subcommands of the ledger.v1.Admin service: projection rebuilds.
#ifndef LEDGER_TOOLS_LEDGERCTL_ADMIN_COMMANDS_H_
#define LEDGER_TOOLS_LEDGERCTL_ADMIN_COMMANDS_H_

#include "tools/ledgerctl/commands.h"

namespace ledger::ctl {

// Admin/RebuildProjections; `timeout_seconds` bounds the whole rebuild.
int RunRebuildProjections(const GlobalOptions& global, double timeout_seconds);
// Admin/CancelRebuildProjections.
int RunCancelRebuild(const GlobalOptions& global);

}  // namespace ledger::ctl

#endif  // LEDGER_TOOLS_LEDGERCTL_ADMIN_COMMANDS_H_
