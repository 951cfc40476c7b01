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
#include "projections/customer_keys.h"
#include "projections/field_path.h"
#include "services/internal/big_endian.h"
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

// A ListChangesByActor page token: the last event listed, as
// u64be(recorded_at µs ^ 2^63) u64be(position).
constexpr uint64_t kSignBit = uint64_t{1} << 63;

std::string CursorOf(const storage::PrincipalEntry& entry) {
  std::string cursor;
  PutBigEndian64(&cursor,
                 static_cast<uint64_t>(entry.recorded_at_micros) ^ kSignBit);
  PutBigEndian64(&cursor, entry.position);
  return cursor;
}

bool ParseCursor(absl::string_view cursor, storage::PrincipalEntry* entry) {
  if (cursor.size() != 16) return false;
  entry->recorded_at_micros =
      static_cast<int64_t>(GetBigEndian64(cursor) ^ kSignBit);
  entry->position = GetBigEndian64(cursor.substr(8));
  return true;
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
  // (micros, 0) sorts before every event committed at micros or later.
  storage::PrincipalEntry after{
      req.has_from() ? TimeUtil::TimestampToMicroseconds(req.from())
                     : INT64_MIN,
      0};
  std::string token;
  LEDGER_RETURN_IF_ERROR(DecodeToken(req.page_token(), &token));
  if (!token.empty()) {
    storage::PrincipalEntry last;
    if (!ParseCursor(token, &last)) {
      return Invalid("page_token",
                     "is not a next_page_token returned by ListChangesByActor");
    }
    after = std::max(after, last);
  }
  const int64_t before =
      req.has_to() ? TimeUtil::TimestampToMicroseconds(req.to()) : INT64_MAX;
  const size_t page = PageSize(req.page_size(), limits);

  // One more than a page from each role tells whether another page follows;
  // an event both by and on behalf of the principal is listed once. The two
  // lists are read one after the other: events committed after `head` are
  // left to the next page, or one list could hold an event the other
  // missed and the page token would step over it.
  const uint64_t head = log.last_position();
  std::vector<storage::PrincipalEntry> entries;
  std::vector<storage::PrincipalRole> roles = {storage::PrincipalRole::kActor};
  if (req.include_on_behalf_of()) {
    roles.push_back(storage::PrincipalRole::kOnBehalfOf);
  }
  for (storage::PrincipalRole role : roles) {
    LEDGER_ASSIGN_OR_RETURN(
        std::vector<storage::PrincipalEntry> found,
        log.ListByPrincipal(role, req.actor(), after, before, page + 1));
    entries.insert(entries.end(), found.begin(), found.end());
  }
  const bool newer = std::erase_if(entries, [head](const auto& e) {
                       return e.position > head;
                     }) > 0;
  std::sort(entries.begin(), entries.end());
  entries.erase(std::unique(entries.begin(), entries.end()), entries.end());
  if (entries.size() > page || newer) {
    if (entries.size() > page) entries.resize(page);
    resp->set_next_page_token(
        EncodeToken(CursorOf(entries.empty() ? after : entries.back())));
  }
  for (const storage::PrincipalEntry& entry : entries) {
    absl::StatusOr<storage::EventRecord> read = log.ReadAt(entry.position);
    if (absl::IsNotFound(read.status())) {
      return absl::DataLossError(absl::StrCat(
          "the principal index names position ", entry.position,
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
  return absl::OkStatus();
}

}  // namespace ledger::services::internal
