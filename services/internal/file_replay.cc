#include "services/internal/file_replay.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "google/protobuf/util/time_util.h"
#include "projections/customer_fold.h"
#include "projections/customer_merge.h"
#include "projections/event_codec.h"
#include "services/internal/query_common.h"
#include "storage/status_macros.h"

namespace ledger::services::internal {

namespace {

namespace v1 = ::ledger::v1;
namespace proj = ::ledger::projections;
using google::protobuf::util::TimeUtil;

// A survivor's records: its own, then those of the files merged into it,
// written back where found (as the inline projection does).
class FileRecords final : public proj::RecordStore {
 public:
  explicit FileRecords(Replay& replay) : replay_(replay) {}

  absl::Status Get(proj::RecordKind kind, absl::string_view id,
                   std::string* value) override {
    found_ = replay_.records.get();
    absl::Status status = found_->Get(kind, id, value);
    for (Replay& merged : replay_.absorbed) {
      if (!absl::IsNotFound(status)) break;
      FileRecords inner(merged);
      status = inner.Get(kind, id, value);
      if (status.ok()) found_ = inner.found_;
    }
    return status;
  }
  void Put(proj::RecordKind kind, absl::string_view id,
           absl::string_view value) override {
    (found_ != nullptr ? found_ : replay_.records.get())->Put(kind, id, value);
  }

 private:
  Replay& replay_;
  proj::RecordStore* found_ = nullptr;  // where the last Get found it
};

// Folds in the files merged into `replay`'s customer at positions before
// `before` (and within bounds) that are not folded yet.
absl::Status AbsorbMerges(const storage::EventLog& log,
                          const storage::StateView& view, const std::string& id,
                          const v1::CustomerProfile& current,
                          const ReplayBounds& bounds, uint64_t before,
                          size_t* next_merge, Replay* replay,
                          FoldObserver* observer) {
  const auto& merges = current.merged_from();
  for (; *next_merge < static_cast<size_t>(merges.size()); ++*next_merge) {
    const v1::MergedCustomer& m = merges[static_cast<int>(*next_merge)];
    if (!m.via().empty()) continue;  // folded with the file it came with
    if (m.position() >= before || m.position() > bounds.max_position ||
        TimeUtil::TimestampToMicroseconds(m.merged_at()) >
            bounds.max_recorded_micros) {
      break;
    }
    Replay merged;
    ReplayBounds until = bounds;
    until.max_position = m.position();
    LEDGER_RETURN_IF_ERROR(
        FoldFile(log, view, m.customer_id(), until, &merged, observer));
    proj::MergeProfileInto(merged.profile, m.position(), m.merged_at(),
                           &replay->profile);
    replay->absorbed.push_back(std::move(merged));
    replay->position = std::max(replay->position, m.position());
    if (observer != nullptr) observer->Absorbed(id, m, replay->profile);
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status FoldFile(const storage::EventLog& log,
                      const storage::StateView& view, const std::string& id,
                      const ReplayBounds& bounds, Replay* replay,
                      FoldObserver* observer) {
  // The merges this customer absorbed, from the current projection: merges
  // happen in other streams, so the customer's own stream does not list
  // them.
  v1::CustomerProfile current;
  absl::Status loaded = LoadProfile(view, id, &current);
  if (!loaded.ok() && !absl::IsNotFound(loaded)) return loaded;
  size_t next_merge = 0;
  uint64_t from = 1;
  while (from != 0) {
    absl::StatusOr<storage::StreamPage> page =
        log.ReadStream(id, from, /*backwards=*/false, 1000);
    if (absl::IsNotFound(page.status())) break;
    LEDGER_RETURN_IF_ERROR(page.status());
    for (const storage::EventRecord& record : page->records) {
      if (record.position > bounds.max_position ||
          record.metadata.recorded_at_micros > bounds.max_recorded_micros) {
        from = 0;
        break;
      }
      LEDGER_RETURN_IF_ERROR(AbsorbMerges(log, view, id, current, bounds,
                                          record.position, &next_merge, replay,
                                          observer));
      v1::Event event;
      LEDGER_RETURN_IF_ERROR(
          proj::DecodeEvent(record, false, &event, bounds.opener));
      const v1::Classification before = replay->profile.classification();
      FileRecords records(*replay);
      LEDGER_RETURN_IF_ERROR(
          proj::FoldRecords(event, records, &replay->profile));
      proj::FoldIntoProfile(event, &replay->profile);
      if (auto change = proj::ClassificationChangeOf(
              event, before, replay->profile.classification())) {
        replay->history.push_back(*std::move(change));
      }
      replay->position = std::max(replay->position, record.position);
      if (observer != nullptr) observer->Folded(id, record, replay->profile);
    }
    if (from != 0) from = page->next_version;
  }
  if (replay->position != 0) {
    LEDGER_RETURN_IF_ERROR(AbsorbMerges(log, view, id, current, bounds,
                                        UINT64_MAX, &next_merge, replay,
                                        observer));
  }
  return absl::OkStatus();
}

absl::StatusOr<Replay> ReplayStream(const storage::EventLog& log,
                                    const std::string& id,
                                    uint64_t max_position,
                                    int64_t max_recorded_micros,
                                    const proj::PayloadOpener* opener,
                                    std::string* resolved_from) {
  std::unique_ptr<storage::StateView> view = log.GetStateView();
  const ReplayBounds bounds{max_position, max_recorded_micros, opener};
  std::string current = id;
  for (int hops = 0; hops < 64; ++hops) {
    Replay replay;
    LEDGER_RETURN_IF_ERROR(FoldFile(log, *view, current, bounds, &replay));
    if (replay.position == 0) {
      return absl::NotFoundError(absl::StrCat(
          "customer \"", current, "\" did not exist at the requested time"));
    }
    if (replay.profile.merged_into().empty()) return replay;
    if (resolved_from != nullptr) *resolved_from = id;
    current = replay.profile.merged_into();
  }
  return absl::DataLossError(
      absl::StrCat("customer ", id, " resolves through too many merges"));
}

}  // namespace ledger::services::internal
