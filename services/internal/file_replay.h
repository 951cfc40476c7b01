#ifndef LEDGER_SERVICES_INTERNAL_FILE_REPLAY_H_
#define LEDGER_SERVICES_INTERNAL_FILE_REPLAY_H_

// A customer file folded from the log in memory, event by event, with the
// projections' own fold (customer_fold.h, customer_records.h,
// customer_merge.h): the time-travel answer of GetProfile and
// GetClassification, and the walk behind GetFieldHistory.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "ledger/v1/customer.pb.h"
#include "projections/customer_records.h"
#include "projections/payload_opener.h"
#include "storage/event_log.h"
#include "storage/event_record.h"
#include "storage/state_view.h"

namespace ledger::services::internal {

// The customer's state folded from its stream, up to a position or a commit
// time: the "what did the archive say then" answer. A plain value type.
struct Replay {
  ledger::v1::CustomerProfile profile;
  std::vector<ledger::v1::ClassificationChange> history;
  uint64_t position = 0;  // last folded
  std::unique_ptr<projections::MemoryRecordStore> records =
      std::make_unique<projections::MemoryRecordStore>();
  std::vector<Replay> absorbed;  // files merged into this one, in order
};

struct ReplayBounds {
  uint64_t max_position = UINT64_MAX;
  int64_t max_recorded_micros = INT64_MAX;
  // Opens sealed personal fields, as the inline fold does; null: the
  // replay sees only their public part.
  const projections::PayloadOpener* opener = nullptr;
};

// Watches a fold step by step. Called on the folding thread; implementations
// need not be thread-safe.
class FoldObserver {
 public:
  virtual ~FoldObserver() = default;
  // `record` was folded into the file of `file_id`, which is now `profile`.
  // Files merged into `file_id` are folded (recursively) with their own id.
  virtual void Folded(const std::string& file_id,
                      const storage::EventRecord& record,
                      const ledger::v1::CustomerProfile& profile) = 0;
  // The file `merged` joined `file_id`'s, which is now `profile`. Its
  // CustomerMerged event (merged.position()) was the last Folded() of
  // merged.customer_id().
  virtual void Absorbed(const std::string& file_id,
                        const ledger::v1::MergedCustomer& merged,
                        const ledger::v1::CustomerProfile& profile) = 0;
};

// Folds the file of customer `id` (its stream, and the files merged into it
// at their merge positions, as the current projection in `view` lists them)
// within `bounds` into `*replay`, which starts empty. replay->position stays
// 0 when nothing was folded (unknown customer, or none by then). The
// observer, if any, sees every step. DATA_LOSS for undecodable events.
[[nodiscard]] absl::Status FoldFile(const storage::EventLog& log,
                                    const storage::StateView& view,
                                    const std::string& id,
                                    const ReplayBounds& bounds, Replay* replay,
                                    FoldObserver* observer = nullptr);

// Replays `id` as of the bounds; a customer merged by then resolves to its
// survivor (*resolved_from = id). NOT_FOUND when it did not exist by then.
[[nodiscard]] absl::StatusOr<Replay> ReplayStream(
    const storage::EventLog& log, const std::string& id, uint64_t max_position,
    int64_t max_recorded_micros, const projections::PayloadOpener* opener,
    std::string* resolved_from = nullptr);

}  // namespace ledger::services::internal

#endif  // LEDGER_SERVICES_INTERNAL_FILE_REPLAY_H_
