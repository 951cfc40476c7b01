#include "services/internal/audit_queries.h"

#include <algorithm>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/util/time_util.h"
#include "projections/actor_keys.h"
#include "projections/customer_keys.h"
#include "projections/field_path.h"
#include "services/internal/file_replay.h"
#include "services/internal/query_common.h"
#include "services/request_validation.h"
#include "storage/status_macros.h"

namespace ledger::services::internal {

namespace {

namespace v1 = ::ledger::v1;
namespace proj = ::ledger::projections;
using google::protobuf::util::TimeUtil;

// The event a change came from.
struct Source {
  uint64_t position = 0;
  std::string stream;
  uint64_t version = 0;
  std::string type;
  storage::EventMetadata metadata;
};

Source SourceOf(const storage::EventRecord& record) {
  return {record.position, record.stream, record.version, record.type,
          record.metadata};
}

void SetMetadata(const storage::EventMetadata& m, v1::FieldChange* c) {
  c->set_actor(m.actor);
  c->set_on_behalf_of(m.on_behalf_of);
  c->set_service(m.service);
  c->set_reason(m.reason);
  *c->mutable_occurred_at() =
      TimeUtil::MicrosecondsToTimestamp(m.occurred_at_micros);
  *c->mutable_recorded_at() =
      TimeUtil::MicrosecondsToTimestamp(m.recorded_at_micros);
}

// Watches the fold of a file and keeps every change of one field, per file
// (the asked-for customer's, and those merged into it). Not thread-safe.
class FieldChanges final : public FoldObserver {
 public:
  struct Change {
    Source source;
    std::string file_id;
    v1::CustomerProfile old_holder;
    v1::CustomerProfile new_holder;
  };

  explicit FieldChanges(const proj::FieldPath& path) : path_(path) {}

  void Folded(const std::string& file_id, const storage::EventRecord& record,
              const v1::CustomerProfile& profile) override {
    File& file = files_[file_id];
    file.last = SourceOf(record);
    Observe(file_id, file.last, profile);
  }

  void Absorbed(const std::string& file_id, const v1::MergedCustomer& merged,
                const v1::CustomerProfile& profile) override {
    // The merged file's fold ended with its CustomerMerged event.
    Source source = files_[merged.customer_id()].last;
    if (source.position != merged.position()) {
      source = Source{
          merged.position(), merged.customer_id(), 0, "CustomerMerged", {}};
      source.metadata.recorded_at_micros =
          TimeUtil::TimestampToMicroseconds(merged.merged_at());
    }
    Observe(file_id, source, profile);
  }

  std::vector<Change>& changes() { return changes_; }

 private:
  struct File {
    std::string json;  // the field's value now, unmasked
    v1::CustomerProfile holder;
    Source last;  // the last event folded into this file
  };

  void Observe(const std::string& file_id, const Source& source,
               const v1::CustomerProfile& profile) {
    File& file = files_[file_id];
    v1::CustomerProfile holder = path_.Extract(profile);
    std::string json = path_.Render(holder);
    if (json == file.json) return;
    changes_.push_back({source, file_id, std::move(file.holder), holder});
    file.json = std::move(json);
    file.holder = std::move(holder);
  }

  const proj::FieldPath& path_;
  std::map<std::string, File> files_;  // stable references
  std::vector<Change> changes_;
};

std::string Shown(const proj::FieldPath& path, v1::CustomerProfile holder,
                  const HolderMask& mask) {
  if (mask) mask(&holder);
  return path.Render(holder);
}

}  // namespace

absl::Status GetFieldHistory(const storage::EventLog& log,
                             const v1::GetFieldHistoryRequest& req,
                             v1::GetFieldHistoryResponse* resp,
                             const HolderMask& mask,
                             const proj::PayloadOpener* opener) {
  LEDGER_RETURN_IF_ERROR(ValidateCustomerId("customer_id", req.customer_id()));
  LEDGER_ASSIGN_OR_RETURN(const proj::FieldPath path,
                          proj::FieldPath::Parse(req.field_path()));
  std::unique_ptr<storage::StateView> view = log.GetStateView();
  v1::CustomerProfile current;
  std::string resolved_from;
  LEDGER_RETURN_IF_ERROR(
      ResolveProfile(*view, req.customer_id(), &current, &resolved_from));

  FieldChanges observer(path);
  Replay replay;
  LEDGER_RETURN_IF_ERROR(FoldFile(
      log, *view, current.customer_id(),
      ReplayBounds{view->position(), INT64_MAX, opener}, &replay, &observer));
  std::vector<FieldChanges::Change>& changes = observer.changes();
  std::stable_sort(changes.begin(), changes.end(),
                   [](const auto& a, const auto& b) {
                     return a.source.position < b.source.position;
                   });
  resp->set_customer_id(current.customer_id());
  resp->set_field_path(path.path());
  resp->set_resolved_from(resolved_from);
  resp->set_as_of_position(view->position());
  for (FieldChanges::Change& change : changes) {
    v1::FieldChange* out = resp->add_changes();
    out->set_position(change.source.position);
    out->set_customer_id(change.source.stream);
    out->set_version(change.source.version);
    out->set_event_type(change.source.type);
    out->set_old_value(Shown(path, std::move(change.old_holder), mask));
    out->set_new_value(Shown(path, std::move(change.new_holder), mask));
    SetMetadata(change.source.metadata, out);
    out->set_file_id(change.file_id);
  }
  resp->set_current_value(Shown(path, path.Extract(replay.profile), mask));
  return absl::OkStatus();
}

absl::Status ListChangesByActor(const storage::EventLog& log,
                                const v1::ListChangesByActorRequest& req,
                                const ServiceLimits& limits,
                                v1::ListChangesByActorResponse* resp) {
  if (req.actor().empty()) {
    return Invalid("actor",
                   "is required: the principal whose changes to list, as "
                   "recorded in the events' metadata.actor");
  }
  if (req.has_from() && req.has_to() &&
      TimeUtil::TimestampToMicroseconds(req.to()) <=
          TimeUtil::TimestampToMicroseconds(req.from())) {
    return Invalid(
        "to", absl::StrCat(TimeUtil::ToString(req.to()), " is not after from: ",
                           TimeUtil::ToString(req.from())));
  }
  std::string after;  // the index suffix of the last event returned
  LEDGER_RETURN_IF_ERROR(DecodeToken(req.page_token(), &after));
  if (!after.empty() && after.size() != proj::kActorSuffixSize) {
    return Invalid("page_token",
                   "is not a next_page_token returned by ListChangesByActor");
  }
  const std::string low = proj::ActorIndexSuffix(
      req.has_from() ? TimeUtil::TimestampToMicroseconds(req.from())
                     : INT64_MIN,
      0);
  const bool bounded = req.has_to();
  const std::string high = proj::ActorIndexSuffix(
      bounded ? TimeUtil::TimestampToMicroseconds(req.to()) : INT64_MAX, 0);
  const size_t page = PageSize(req.page_size(), limits);

  std::unique_ptr<storage::StateView> view = log.GetStateView();
  struct Cursor {
    std::string prefix;
    std::unique_ptr<storage::StateIterator> it;
    absl::string_view Suffix() const { return it->key().substr(prefix.size()); }
  };
  std::vector<Cursor> cursors;
  std::vector<proj::IndexKind> kinds = {proj::IndexKind::kActor};
  if (req.include_on_behalf_of()) {
    kinds.push_back(proj::IndexKind::kOnBehalfOf);
  }
  for (proj::IndexKind kind : kinds) {
    Cursor& c = cursors.emplace_back();
    c.prefix = proj::ActorIndexPrefix(kind, req.actor());
    c.it = view->NewIterator(proj::kCustomerIndexFamily);
    c.it->Seek(c.prefix + std::max(low, after));
    if (c.it->Valid() && absl::StartsWith(c.it->key(), c.prefix) &&
        c.Suffix() == after) {
      c.it->Next();
    }
  }
  auto live = [&](const Cursor& c) {
    return c.it->Valid() && absl::StartsWith(c.it->key(), c.prefix) &&
           c.Suffix().size() == proj::kActorSuffixSize &&
           (!bounded || c.Suffix() < high);
  };
  std::string last;
  while (true) {
    Cursor* next = nullptr;
    for (Cursor& c : cursors) {
      if (live(c) && (next == nullptr || c.Suffix() < next->Suffix())) {
        next = &c;
      }
    }
    if (next == nullptr) break;
    if (static_cast<size_t>(resp->changes_size()) == page) {
      resp->set_next_page_token(EncodeToken(last));
      break;
    }
    last = std::string(next->Suffix());
    // An event both by and on behalf of the principal is listed once.
    for (Cursor& c : cursors) {
      if (live(c) && c.Suffix() == last) c.it->Next();
    }
    int64_t recorded = 0;
    uint64_t position = 0;
    proj::ParseActorIndexSuffix(last, &recorded, &position);
    absl::StatusOr<storage::EventRecord> read = log.ReadAt(position);
    if (absl::IsNotFound(read.status())) {
      return absl::DataLossError(absl::StrCat(
          "the actor index names position ", position,
          ", which the log does not hold (head ", log.last_position(), ")"));
    }
    LEDGER_RETURN_IF_ERROR(read.status());
    const storage::EventRecord& record = *read;
    v1::ActorChange* out = resp->add_changes();
    out->set_position(record.position);
    out->set_customer_id(record.stream);
    out->set_version(record.version);
    out->set_event_type(record.type);
    out->set_actor(record.metadata.actor);
    out->set_on_behalf_of(record.metadata.on_behalf_of);
    out->set_service(record.metadata.service);
    out->set_reason(record.metadata.reason);
    *out->mutable_occurred_at() =
        TimeUtil::MicrosecondsToTimestamp(record.metadata.occurred_at_micros);
    *out->mutable_recorded_at() =
        TimeUtil::MicrosecondsToTimestamp(record.metadata.recorded_at_micros);
  }
  for (const Cursor& c : cursors) LEDGER_RETURN_IF_ERROR(c.it->status());
  return absl::OkStatus();
}

}  // namespace ledger::services::internal
