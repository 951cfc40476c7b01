#include "projections/customer_projector.h"

#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "projections/customer_fold.h"
#include "projections/customer_keys.h"
#include "projections/event_codec.h"
#include "storage/status_macros.h"

namespace ledger::projections {

namespace v1 = ::ledger::v1;

absl::Status CustomerProjector::Apply(const storage::EventRecord& record,
                                      storage::StateWriter& state) {
  v1::Event event;
  LEDGER_RETURN_IF_ERROR(DecodeEvent(record, /*include_raw_payload=*/false,
                                     &event));
  v1::CustomerProfile profile;
  std::string bytes;
  absl::Status found = state.Get(kProfileFamily, record.stream, &bytes);
  std::vector<std::string> old_index;
  if (found.ok()) {
    if (!profile.ParseFromString(bytes)) {
      return absl::DataLossError(absl::StrCat(
          "the stored profile of ", record.stream, " does not parse"));
    }
    old_index = IndexKeysOf(profile);
  } else if (!absl::IsNotFound(found)) {
    return found;
  }
  const v1::Classification before = profile.classification();
  FoldIntoProfile(event, &profile);

  state.Put(kProfileFamily, record.stream, profile.SerializeAsString());
  if (auto entry = TimelineEntryOf(event)) {
    state.Put(kTimelineFamily,
              TimelineKey(record.stream, record.metadata.occurred_at_micros,
                          record.position),
              entry->SerializeAsString());
  }
  if (auto change =
          ClassificationChangeOf(event, before, profile.classification())) {
    state.Put(kClassificationHistoryFamily,
              HistoryKey(record.stream, record.position),
              change->SerializeAsString());
  }
  // Both lists are sorted: remove what left, add what came.
  std::vector<std::string> new_index = IndexKeysOf(profile);
  std::vector<std::string> removed;
  std::vector<std::string> added;
  std::set_difference(old_index.begin(), old_index.end(), new_index.begin(),
                      new_index.end(), std::back_inserter(removed));
  std::set_difference(new_index.begin(), new_index.end(), old_index.begin(),
                      old_index.end(), std::back_inserter(added));
  for (const std::string& key : removed) state.Delete(kCustomerIndexFamily, key);
  for (const std::string& key : added) state.Put(kCustomerIndexFamily, key, "");
  return absl::OkStatus();
}

}  // namespace ledger::projections
