#ifndef LEDGER_PROJECTIONS_INTERNAL_MEMBER_CARDS_H_
#define LEDGER_PROJECTIONS_INTERNAL_MEMBER_CARDS_H_

// The member-card part of FoldRecords (customer_records.h): a card's state
// machine and the profile's active cards and member tier.
//
//   issued → ACTIVE ⇄ LOST (report lost / found)
//   ACTIVE or LOST → REPLACED by a reissued card under a new number
//   ACTIVE or LOST → CANCELLED (final)
//   ACTIVE: renew (later valid_until), upgrade, downgrade

#include "absl/status/status.h"
#include "ledger/v1/customer.pb.h"
#include "ledger/v1/ledger.pb.h"
#include "projections/customer_records.h"

namespace ledger::projections::internal {

// REQUIRES: event.payload() is a member_card_issued / member_card_changed.
[[nodiscard]] absl::Status IssueCard(const ledger::v1::Event& event,
                                     RecordStore& records,
                                     ledger::v1::CustomerProfile* profile);
[[nodiscard]] absl::Status ChangeCard(const ledger::v1::Event& event,
                                      RecordStore& records,
                                      ledger::v1::CustomerProfile* profile);

}  // namespace ledger::projections::internal

#endif  // LEDGER_PROJECTIONS_INTERNAL_MEMBER_CARDS_H_
