#include "projections/customer_projector.h"

#include <algorithm>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "projections/classification_rules.h"
#include "projections/customer_fold.h"
#include "projections/customer_keys.h"
#include "projections/customer_merge.h"
#include "projections/customer_records.h"
#include "projections/event_codec.h"
#include "projections/personal_fields.h"
#include "projections/plain_payload.h"
#include "projections/report_keys.h"
#include "storage/status_macros.h"

namespace ledger::projections {

namespace v1 = ::ledger::v1;

namespace {

// Bounds the memory of a rebuild chunk; inline appends touch one customer.
constexpr size_t kMaxTouched = 100000;

// One customer's records in the records family. A survivor of merges also
// reaches the records of the customers merged into it: a payment may settle
// a merged customer's transaction, and a new record must not reuse one of
// their ids. A record is written back where it was found.
class StateRecords final : public RecordStore {
 public:
  StateRecords(storage::StateWriter& state, const v1::CustomerProfile& profile)
      : state_(state), profile_(profile) {}

  absl::Status Get(RecordKind kind, absl::string_view id,
                   std::string* value) override {
    const char k = static_cast<char>(kind);
    absl::Status status = state_.Get(
        kRecordsFamily, RecordKey(profile_.customer_id(), k, id), value);
    for (const v1::MergedCustomer& merged : profile_.merged_from()) {
      if (!absl::IsNotFound(status)) break;
      status = state_.Get(kRecordsFamily,
                          RecordKey(merged.customer_id(), k, id), value);
      if (status.ok()) owners_[RecordKey("", k, id)] = merged.customer_id();
    }
    return status;
  }
  void Put(RecordKind kind, absl::string_view id,
           absl::string_view value) override {
    const char k = static_cast<char>(kind);
    auto it = owners_.find(RecordKey("", k, id));
    const std::string& owner =
        it == owners_.end() ? profile_.customer_id() : it->second;
    state_.Put(kRecordsFamily, RecordKey(owner, k, id), value);
  }

 private:
  storage::StateWriter& state_;
  const v1::CustomerProfile& profile_;
  absl::flat_hash_map<std::string, std::string> owners_;
};

constexpr size_t kArenaBlockBytes = 32 << 10;

google::protobuf::ArenaOptions FirstBlock(char* block) {
  google::protobuf::ArenaOptions options;
  options.initial_block = block;
  options.initial_block_size = kArenaBlockBytes;
  return options;
}

}  // namespace

CustomerProjector::CustomerProjector(const PayloadOpener* opener)
    : opener_(opener),
      arena_block_(new char[kArenaBlockBytes]),
      arena_(FirstBlock(arena_block_.get())) {}

absl::StatusOr<CustomerProjector::Touched*> CustomerProjector::Load(
    const std::string& customer_id, bool known_new,
    storage::StateWriter& state) {
  auto it = touched_.find(customer_id);
  if (it != touched_.end()) return it->second;
  if (used_ == pool_.size()) pool_.push_back(std::make_unique<Touched>());
  Touched* loaded = pool_[used_].get();
  loaded->profile.Clear();
  loaded->stored_index.clear();
  std::string bytes;
  // A stream's first event has no stored profile to load (a rebuild
  // would otherwise look up every customer once, in vain).
  absl::Status status = known_new
                            ? absl::NotFoundError("new customer")
                            : state.Get(kProfileFamily, customer_id, &bytes);
  if (status.ok()) {
    if (!loaded->profile.ParseFromString(bytes)) {
      return absl::DataLossError(absl::StrCat("the stored profile of ",
                                              customer_id, " does not parse"));
    }
    loaded->stored_index = IndexKeysOf(loaded->profile);
  } else if (!absl::IsNotFound(status)) {
    return status;
  }
  loaded->customer_id = customer_id;
  ++used_;
  touched_.emplace(customer_id, loaded);
  return loaded;
}

void CustomerProjector::Reset() {
  touched_.clear();
  used_ = 0;
}

absl::Status CustomerProjector::Apply(const storage::EventRecord& record,
                                      storage::StateWriter& state) {
  absl::Status status = ApplyEvent(record, nullptr, state);
  if (!status.ok()) Reset();  // the caller drops the whole append
  return status;
}

absl::Status CustomerProjector::ApplyDecoded(
    const storage::EventRecord& record, const storage::DecodedPayload& decoded,
    storage::StateWriter& state) {
  const auto* plain = dynamic_cast<const PlainPayload*>(&decoded);
  absl::Status status =
      ApplyEvent(record, plain != nullptr ? &plain->payload() : nullptr, state);
  if (!status.ok()) Reset();  // the caller drops the whole append
  return status;
}

void CustomerProjector::Prefetch(const storage::EventRecord& record) const {
  if (opener_ != nullptr) opener_->Prefetch(record.stream);
}

absl::Status CustomerProjector::ApplyEvent(const storage::EventRecord& record,
                                           const v1::EventPayload* plain,
                                           storage::StateWriter& state) {
  arena_.Reset();
  v1::Event& event =
      *google::protobuf::Arena::CreateMessage<v1::Event>(&arena_);
  if (plain != nullptr) {
    // What the stored bytes would decode and open to, without the parse and
    // the AES-GCM.
    DecodeEventForFold(record, *plain, &event);
  } else {
    LEDGER_RETURN_IF_ERROR(DecodeEventForFold(record, &event, opener_));
  }
  if (record.stream == kRulesStream) return FoldRuleEvent(event, state);
  if (event.payload().has_classification_rule_saved() ||
      event.payload().has_classification_rule_removed()) {
    return absl::FailedPreconditionError(
        "rule events belong in the rules stream, not a customer's");
  }
  LEDGER_ASSIGN_OR_RETURN(Touched * touched,
                          Load(record.stream, record.version == 1, state));
  v1::CustomerProfile& profile = touched->profile;
  if (!profile.merged_into().empty()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "customer ", record.stream, " was merged into ", profile.merged_into(),
        "; its file continues there: append to ", profile.merged_into()));
  }
  if (profile.forgotten()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "customer ", record.stream, " was forgotten (personal data erased by ",
        profile.forgotten_by(), ": ", profile.forgotten_reason(),
        "); its file takes no more events"));
  }
  LEDGER_RETURN_IF_ERROR(CheckKeyPeople(event, profile));
  if (event.payload().has_customer_forgotten()) {
    LEDGER_RETURN_IF_ERROR(Forget(event, state));
    FoldIntoProfile(event, &profile);
    return MaybeFlush(state);
  }
  if (event.payload().has_customer_merged()) {
    const std::string& survivor_id =
        event.payload().customer_merged().survivor_id();
    LEDGER_ASSIGN_OR_RETURN(Touched * survivor,
                            Load(survivor_id, /*known_new=*/false, state));
    v1::CustomerProfile& merged = profile;
    LEDGER_RETURN_IF_ERROR(CheckMerge(merged, survivor->profile));
    FoldIntoProfile(event, &merged);
    MergeProfileInto(merged, record.position, event.metadata().recorded_at(),
                     &survivor->profile);
    return MaybeFlush(state);
  }
  {
    StateRecords records(state, profile);
    LEDGER_RETURN_IF_ERROR(FoldRecords(event, records, &profile));
  }
  // Only a CustomerClassified event's history entry and report keys look at
  // the classification before it: other events skip the copy.
  std::optional<v1::Classification> copied;
  if (event.payload().has_customer_classified()) {
    copied = profile.classification();
  }
  const v1::Classification& before =
      copied ? *copied : v1::Classification::default_instance();
  FoldIntoProfile(event, &profile);

  if (auto* entry =
          google::protobuf::Arena::CreateMessage<v1::TimelineEntry>(&arena_);
      TimelineEntryOf(event, entry)) {
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
  return MaybeFlush(state);
}

absl::Status CustomerProjector::Forget(const v1::Event& event,
                                       storage::StateWriter& state) {
  const std::string& id = event.customer_id();
  std::vector<std::string> covered(
      event.payload().customer_forgotten().covered_customer_ids().begin(),
      event.payload().customer_forgotten().covered_customer_ids().end());
  std::vector<std::string> merged;
  for (const v1::MergedCustomer& m :
       touched_.find(id)->second->profile.merged_from()) {
    merged.push_back(m.customer_id());
  }
  std::sort(covered.begin(), covered.end());
  std::sort(merged.begin(), merged.end());
  if (covered != merged) {
    // Their keys are destroyed with this event: the list must be complete.
    return absl::FailedPreconditionError(
        absl::StrCat("customer ", id, " has ", merged.size(),
                     " merged files but the forget covers ", covered.size(),
                     " (a merge happened meanwhile?); retry the forget"));
  }
  std::vector<std::string> files = merged;
  files.push_back(id);
  std::vector<std::pair<std::string, std::string>> rewrites;
  auto erase_all = [&](int family, const std::string& prefix,
                       auto make_message) -> absl::Status {
    rewrites.clear();
    LEDGER_RETURN_IF_ERROR(state.Scan(
        family, prefix,
        [&](absl::string_view key, absl::string_view value) -> absl::Status {
          auto message = make_message(key.substr(prefix.size()));
          if (message == nullptr) return absl::OkStatus();
          if (!message->ParseFromArray(value.data(),
                                       static_cast<int>(value.size()))) {
            return absl::DataLossError(
                absl::StrCat("a stored ", message->GetDescriptor()->name(),
                             " of ", id, " does not parse"));
          }
          ErasePersonal(message.get());
          rewrites.emplace_back(std::string(key), message->SerializeAsString());
          return absl::OkStatus();
        }));
    for (const auto& [key, value] : rewrites) state.Put(family, key, value);
    return absl::OkStatus();
  };
  for (const std::string& file : files) {
    if (HasPersonalFields(v1::TimelineEntry::descriptor())) {
      LEDGER_RETURN_IF_ERROR(erase_all(
          kTimelineFamily, TimelinePrefix(file), [](absl::string_view) {
            return std::make_unique<v1::TimelineEntry>();
          }));
    }
    if (HasPersonalFields(v1::ClassificationChange::descriptor())) {
      LEDGER_RETURN_IF_ERROR(
          erase_all(kClassificationHistoryFamily, HistoryPrefix(file),
                    [](absl::string_view) {
                      return std::make_unique<v1::ClassificationChange>();
                    }));
    }
    // Records: the message type follows the kind byte of the key.
    LEDGER_RETURN_IF_ERROR(erase_all(
        kRecordsFamily, TimelinePrefix(file),
        [](absl::string_view rest)
            -> std::unique_ptr<google::protobuf::Message> {
          std::unique_ptr<google::protobuf::Message> m;
          switch (rest.empty() ? '\0' : rest[0]) {
            case static_cast<char>(RecordKind::kTransaction):
              m = std::make_unique<v1::Transaction>();
              break;
            case static_cast<char>(RecordKind::kOpportunity):
              m = std::make_unique<v1::Opportunity>();
              break;
            case static_cast<char>(RecordKind::kServiceCase):
              m = std::make_unique<v1::ServiceCase>();
              break;
            case static_cast<char>(RecordKind::kMemberCard):
              m = std::make_unique<v1::MemberCard>();
              break;
            default:
              break;
          }
          if (m != nullptr && !HasPersonalFields(m->GetDescriptor())) {
            m.reset();
          }
          return m;
        }));
  }
  for (const std::string& file : merged) {
    LEDGER_ASSIGN_OR_RETURN(Touched * touched,
                            Load(file, /*known_new=*/false, state));
    ForgetProfile(event, &touched->profile);
  }
  return absl::OkStatus();
}

absl::Status CustomerProjector::MaybeFlush(storage::StateWriter& state) {
  if (touched_.size() >= kMaxTouched) return Flush(state);
  return absl::OkStatus();
}

absl::Status CustomerProjector::Flush(storage::StateWriter& state) {
  // In the order the customers were first touched: no hash order leaks
  // into the writes.
  for (size_t i = 0; i < used_; ++i) {
    Touched& touched = *pool_[i];
    touched.profile.SerializeToString(&scratch_);
    state.Put(kProfileFamily, touched.customer_id, scratch_);
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
    // Keys with a value are rewritten whether or not they are new: the
    // value (a consent's last day) may have changed.
    for (const std::string& key : now) {
      if (auto value = IndexValueOf(touched.profile, key)) {
        state.Put(kCustomerIndexFamily, key, *value);
      }
    }
  }
  Reset();
  return absl::OkStatus();
}

}  // namespace ledger::projections
