// ledgerctl subcommands for the records of a customer file
// (ledger.v1.CustomerQuery): transactions, opportunities, service cases and
// member cards.
#ifndef LEDGER_TOOLS_LEDGERCTL_RECORD_COMMANDS_H_
#define LEDGER_TOOLS_LEDGERCTL_RECORD_COMMANDS_H_

#include <string>
#include <vector>

#include "tools/ledgerctl/commands.h"
#include "tools/ledgerctl/query_commands.h"

namespace ledger::ctl {

struct TransactionsOptions {
  std::string customer_id;
  std::string from;  // YYYY-MM-DD, inclusive
  std::string to;    // YYYY-MM-DD, inclusive
  PageOptions page;
};

struct RecordOptions {
  std::string customer_id;
  bool include_closed = false;        // opportunities
  std::vector<std::string> statuses;  // service cases: open, in-progress…
};

int RunTransactions(const GlobalOptions& global,
                    const TransactionsOptions& options);
int RunOpportunities(const GlobalOptions& global, const RecordOptions& options);
int RunServiceCases(const GlobalOptions& global, const RecordOptions& options);
int RunMemberCards(const GlobalOptions& global, const RecordOptions& options);

struct DuplicatesOptions {
  std::string customer_id;  // empty: every pair
  uint32_t min_similarity = 0;
  PageOptions page;
};

// CustomerQuery/FindDuplicates.
int RunDuplicates(const GlobalOptions& global,
                  const DuplicatesOptions& options);

}  // namespace ledger::ctl

#endif  // LEDGER_TOOLS_LEDGERCTL_RECORD_COMMANDS_H_
