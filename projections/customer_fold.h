#ifndef LEDGER_PROJECTIONS_CUSTOMER_FOLD_H_
#define LEDGER_PROJECTIONS_CUSTOMER_FOLD_H_

// The pure fold of customer events into the customer file. One definition
// serves all three uses: the inline projection (CustomerProjector), the
// rebuild from the log, and time travel over one customer's stream.

#include <optional>

#include "ledger/v1/customer.pb.h"
#include "ledger/v1/ledger.pb.h"

namespace ledger::projections {

// Applies `event` to `profile`, which is empty (default) before the
// customer's first event. Deterministic; touches nothing else.
void FoldIntoProfile(const ledger::v1::Event& event,
                     ledger::v1::CustomerProfile* profile);

// Erases every personal value of `profile` (personal_fields.h) and marks it
// forgotten (and archived) by `event`, a CustomerForgotten: also used for
// the files merged into the forgotten customer.
void ForgetProfile(const ledger::v1::Event& event,
                   ledger::v1::CustomerProfile* profile);

// The timeline entry `event` adds, if it is a contact.
std::optional<ledger::v1::TimelineEntry> TimelineEntryOf(
    const ledger::v1::Event& event);
// The same into `entry` (empty; on any arena): returns false, leaving it
// empty, when `event` is not a contact.
bool TimelineEntryOf(const ledger::v1::Event& event,
                     ledger::v1::TimelineEntry* entry);

// The classification change `event` made, given the classification before
// and after folding it; nullopt unless it is a CustomerClassified event.
std::optional<ledger::v1::ClassificationChange> ClassificationChangeOf(
    const ledger::v1::Event& event, const ledger::v1::Classification& before,
    const ledger::v1::Classification& after);

}  // namespace ledger::projections

#endif  // LEDGER_PROJECTIONS_CUSTOMER_FOLD_H_
