#ifndef LEDGER_PROJECTIONS_CUSTOMER_PROJECTOR_H_
#define LEDGER_PROJECTIONS_CUSTOMER_PROJECTOR_H_

#include "absl/status/status.h"
#include "storage/event_record.h"
#include "storage/projector.h"

namespace ledger::projections {

// Name and version of the customer projections (profile, timeline,
// classification history and the search indexes). Bump the version whenever
// the fold or the key layout changes: the server then rebuilds at start-up.
inline constexpr char kCustomerProjectionVersion[] = "customer-projections/1";

// Maintains the customer projections from the log: decodes each event, folds
// it into the stored profile (customer_fold.h), appends timeline and
// classification-history entries and keeps the secondary indexes in step.
//
// Stateless; not thread-safe by contract (the log calls it from one thread).
class CustomerProjector final : public storage::Projector {
 public:
  absl::Status Apply(const storage::EventRecord& record,
                     storage::StateWriter& state) override;
};

}  // namespace ledger::projections

#endif  // LEDGER_PROJECTIONS_CUSTOMER_PROJECTOR_H_
