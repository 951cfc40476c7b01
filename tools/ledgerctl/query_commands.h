// ledgerctl subcommands of the ledger.v1.CustomerQuery service: the folded
// profile, the contact timeline, the classification history, searches and
// due follow-ups.
#ifndef LEDGER_TOOLS_LEDGERCTL_QUERY_COMMANDS_H_
#define LEDGER_TOOLS_LEDGERCTL_QUERY_COMMANDS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "tools/ledgerctl/commands.h"

namespace ledger::ctl {

// Paging shared by the list commands.
struct PageOptions {
  uint32_t page_size = 0;  // 0: the server default (50)
  std::string page_token;
  bool all_pages = false;
};

struct ProfileOptions {
  std::string customer_id;
  std::string as_of_time;  // RFC 3339; empty: now
  uint64_t as_of_position = 0;
  uint64_t min_position = 0;
};

struct TimelineOptions {
  std::string customer_id;
  std::vector<std::string> channels;  // visit, phone, …; empty: all
  std::string from;                   // RFC 3339, inclusive
  std::string to;                     // RFC 3339, exclusive
  bool oldest_first = false;
  PageOptions page;
};

struct ClassificationOptions {
  std::string customer_id;
  std::string as_of_time;  // RFC 3339; empty: now
  uint64_t as_of_position = 0;
};

struct SearchOptions {
  std::string owner;
  std::string grade;  // A, B, C, D or K
  std::string tier;   // strategic, high, medium, low
  std::string stage;  // potential, new, active, dormant, churned
  std::string tag;
  std::string industry;
  std::string region;
  std::string name_prefix;
  std::string missing_field;  // e.g. "phones"
  bool include_archived = false;
  std::string purpose;  // needs a live consent for it
  PageOptions page;
};

struct DueOptions {
  std::string as_of;  // YYYY-MM-DD, required
  std::string owner;
  uint32_t revisit_days = 0;  // 0: the server default
  uint32_t greeting_lead_days = 0;
  PageOptions page;
};

int RunProfile(const GlobalOptions& global, const ProfileOptions& options);
int RunTimeline(const GlobalOptions& global, const TimelineOptions& options);
int RunClassification(const GlobalOptions& global,
                      const ClassificationOptions& options);
int RunSearch(const GlobalOptions& global, const SearchOptions& options);
int RunDue(const GlobalOptions& global, const DueOptions& options);

}  // namespace ledger::ctl

#endif  // LEDGER_TOOLS_LEDGERCTL_QUERY_COMMANDS_H_
