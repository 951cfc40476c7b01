#include "projections/customer_projector.h"

#include <algorithm>
#include <iterator>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "projections/customer_fold.h"
#include "projections/customer_keys.h"
#include "projections/customer_records.h"
#include "projections/event_codec.h"
#include "projections/report_keys.h"
#include "storage/status_macros.h"

namespace ledger::projections {

namespace v1 = ::ledger::v1;

namespace {

// Bounds the memory of a rebuild chunk; inline appends touch one customer.
constexpr size_t kMaxTouched = 100000;

// One customer's records in the records family.
class StateRecords final : public RecordStore {
 public:
  StateRecords(storage::StateWriter& state, absl::string_view customer_id)
      : state_(state), customer_id_(customer_id) {}

  absl::Status Get(RecordKind kind, absl::string_view id,
                   std::string* value) override {
    return state_.Get(kRecordsFamily,
                      RecordKey(customer_id_, static_cast<char>(kind), id),
                      value);
  }
  void Put(RecordKind kind, absl::string_view id,
           absl::string_view value) override {
    state_.Put(kRecordsFamily,
               RecordKey(customer_id_, static_cast<char>(kind), id), value);
  }

 private:
  storage::StateWriter& state_;
  absl::string_view customer_id_;
};

}  // namespace

absl::Status CustomerProjector::Apply(const storage::EventRecord& record,
                                      storage::StateWriter& state) {
  v1::Event& event = event_;
  event.Clear();
  absl::Status status =
      DecodeEvent(record, /*include_raw_payload=*/false, &event);
  auto it = touched_.find(record.stream);
  if (status.ok() && it == touched_.end()) {
    Touched loaded;
    std::string bytes;
    // A stream's first event has no stored profile to load (a rebuild
    // would otherwise look up every customer once, in vain).
    status = record.version == 1
                 ? absl::NotFoundError("new customer")
                 : state.Get(kProfileFamily, record.stream, &bytes);
    if (status.ok()) {
      if (loaded.profile.ParseFromString(bytes)) {
        loaded.stored_index = IndexKeysOf(loaded.profile);
      } else {
        status = absl::DataLossError(absl::StrCat(
            "the stored profile of ", record.stream, " does not parse"));
      }
    } else if (absl::IsNotFound(status)) {
      status = absl::OkStatus();
    }
    if (status.ok()) {
      it = touched_.emplace(record.stream, std::move(loaded)).first;
    }
  }
  if (status.ok()) status = CheckKeyPeople(event, it->second.profile);
  if (status.ok()) {
    StateRecords records(state, record.stream);
    status = FoldRecords(event, records, &it->second.profile);
  }
  if (!status.ok()) {
    touched_.clear();  // the caller drops the whole append
    return status;
  }
  v1::CustomerProfile& profile = it->second.profile;
  const v1::Classification before = profile.classification();
  FoldIntoProfile(event, &profile);

  if (auto entry = TimelineEntryOf(event)) {
    entry->SerializeToString(&scratch_);
    state.Put(kTimelineFamily,
              TimelineKey(record.stream, record.metadata.occurred_at_micros,
                          record.position),
              scratch_);
  }
  if (auto change =
          ClassificationChangeOf(event, before, profile.classification())) {
    state.Put(kClassificationHistoryFamily,
              HistoryKey(record.stream, record.position),
              change->SerializeAsString());
  }
  for (const IndexEntry& entry :
       EventIndexEntriesOf(event, before, profile.classification())) {
    state.Put(kCustomerIndexFamily, entry.key, entry.value);
  }
  if (touched_.size() >= kMaxTouched) return Flush(state);
  return absl::OkStatus();
}

absl::Status CustomerProjector::Flush(storage::StateWriter& state) {
  for (auto& [customer_id, touched] : touched_) {
    touched.profile.SerializeToString(&scratch_);
    state.Put(kProfileFamily, customer_id, scratch_);
    // Both lists are sorted: remove what left, add what came.
    const std::vector<std::string> now = IndexKeysOf(touched.profile);
    std::vector<std::string> removed;
    std::vector<std::string> added;
    std::set_difference(touched.stored_index.begin(),
                        touched.stored_index.end(), now.begin(), now.end(),
                        std::back_inserter(removed));
    std::set_difference(now.begin(), now.end(), touched.stored_index.begin(),
                        touched.stored_index.end(), std::back_inserter(added));
    for (const std::string& key : removed) {
      state.Delete(kCustomerIndexFamily, key);
    }
    for (const std::string& key : added) {
      state.Put(kCustomerIndexFamily, key, "");
    }
  }
  touched_.clear();
  return absl::OkStatus();
}

}  // namespace ledger::projections
