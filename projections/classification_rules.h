#ifndef LEDGER_PROJECTIONS_CLASSIFICATION_RULES_H_
#define LEDGER_PROJECTIONS_CLASSIFICATION_RULES_H_

// Classification rules (分类分级): the fold of rule events into the rules
// family, and the pure decision of what the rules make of one customer.
//
// Precedence, per dimension (grade, value tier, lifecycle stage, each tag):
//   1. A value a person set (CustomerClassified without by_rule) stays until
//      that person (or another) releases it with release_to_rules.
//   2. Otherwise the matching enabled rule of highest priority decides
//      (ties: the smaller rule_id). A value that already matches is left
//      alone, so re-running the rules appends nothing.
//   3. When no rule matches any more, a value a rule set is cleared (a tag
//      a rule added is removed), recorded as done by that rule.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/civil_time.h"
#include "ledger/v1/customer.pb.h"
#include "ledger/v1/ledger.pb.h"
#include "ledger/v1/rules.pb.h"
#include "storage/projector.h"

namespace ledger::projections {

// Folds a ClassificationRuleSaved / ClassificationRuleRemoved event of the
// rules stream into the rules family. NOT_FOUND when removing an unknown or
// removed rule; ABORTED when a save's expected_version is not current.
[[nodiscard]] absl::Status FoldRuleEvent(const ledger::v1::Event& event,
                                         storage::StateWriter& state);

// One transaction as the rules see it.
struct TransactionFact {
  absl::CivilDay day;
  ledger::v1::Money amount;
};

// What the rules know about one customer on one day.
struct RuleSubject {
  const ledger::v1::CustomerProfile* profile = nullptr;  // REQUIRES: set
  std::vector<TransactionFact> transactions;             // any order
  absl::CivilDay today;
};

// The CustomerClassified events (one per deciding rule, by_rule and
// rule_version set) that bring `subject`'s classification to what `rules`
// decide; empty when nothing would change. Removed and disabled rules are
// ignored.
std::vector<ledger::v1::CustomerClassified> DecideClassification(
    const std::vector<ledger::v1::RuleState>& rules,
    const RuleSubject& subject);

// Whether `clause` holds for `subject` (exposed for tests and dry runs).
bool ClauseHolds(const ledger::v1::RuleClause& clause,
                 const ledger::v1::RfmScale& scale, const RuleSubject& subject);

// The RFM score 3..15 of `subject` on `scale` over the last `months`.
int RfmScore(const ledger::v1::RfmScale& scale, uint32_t months,
             const RuleSubject& subject);

// The rules shipped as defaults (README "Classification rules").
std::vector<ledger::v1::ClassificationRule> DefaultRules();

}  // namespace ledger::projections

#endif  // LEDGER_PROJECTIONS_CLASSIFICATION_RULES_H_
