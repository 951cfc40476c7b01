#ifndef LEDGER_PROJECTIONS_REPORT_KEYS_H_
#define LEDGER_PROJECTIONS_REPORT_KEYS_H_

// The index entries behind the reports (services/reports_service.h), in the
// customer_index family. Registration days come from the profile
// (IndexKeysOf); churns, opened opportunities and satisfaction revisits are
// facts of single events, so the projector writes one entry per event and
// never changes it:
//
//   C \0 YYYYMMDD:<position, 20 digits> \0 customer_id -> churn reason
//   O \0 YYYYMMDD \x01 opportunity_id \0 customer_id   -> ""
//   S \0 YYYYMMDD:<score>:<position, 20 digits> \0 customer_id -> ""
//
// Days are UTC days of the event's business time, so a range of days is a
// range of keys.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "ledger/v1/customer.pb.h"
#include "ledger/v1/ledger.pb.h"

namespace ledger::projections {

struct IndexEntry {
  std::string key;
  std::string value;
};

// The per-event report entries of `event`, given the classification before
// and after folding it: a change to CHURNED from another stage, an
// OpportunityOpened, a RevisitLogged. Empty for any other event. `before` is
// read only for a CustomerClassified event.
std::vector<IndexEntry> EventIndexEntriesOf(
    const ledger::v1::Event& event, const ledger::v1::Classification& before,
    const ledger::v1::Classification& after);

// The value part of an index key (between "kind \0" and the last "\0").
absl::string_view IndexValueOf(absl::string_view key);

// Parsed index values; each Parse* returns false for a malformed value.
struct ChurnValue {
  absl::string_view day;  // YYYYMMDD
  uint64_t position = 0;
};
bool ParseChurnValue(absl::string_view value, ChurnValue* out);

struct OpportunityValue {
  absl::string_view day;  // YYYYMMDD the opportunity was opened
  absl::string_view opportunity_id;
};
bool ParseOpportunityValue(absl::string_view value, OpportunityValue* out);

struct RevisitValue {
  absl::string_view day;  // YYYYMMDD
  int score = 0;          // 1..5
  uint64_t position = 0;
};
bool ParseRevisitValue(absl::string_view value, RevisitValue* out);

}  // namespace ledger::projections

#endif  // LEDGER_PROJECTIONS_REPORT_KEYS_H_
