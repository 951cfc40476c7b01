#include "services/internal/customer_queries.h"

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "google/protobuf/util/time_util.h"
#include "projections/customer_keys.h"
#include "services/internal/file_replay.h"
#include "services/internal/query_common.h"
#include "services/request_validation.h"
#include "storage/status_macros.h"

namespace ledger::services::internal {

namespace {

namespace v1 = ::ledger::v1;
namespace proj = ::ledger::projections;
using google::protobuf::util::TimeUtil;

// Time-travel bounds of a request; false when it asks for the present.
absl::StatusOr<bool> AsOf(const google::protobuf::Timestamp* time,
                          bool has_time, uint64_t position,
                          uint64_t* max_position, int64_t* max_micros) {
  if (has_time && position != 0) {
    return Invalid("as_of_time", "set either as_of_time or as_of_position");
  }
  *max_position = UINT64_MAX;
  *max_micros = INT64_MAX;
  if (position != 0) *max_position = position;
  if (has_time) *max_micros = TimeUtil::TimestampToMicroseconds(*time);
  return has_time || position != 0;
}

}  // namespace

absl::Status GetProfile(const storage::EventLog& log,
                        const v1::GetProfileRequest& req,
                        v1::GetProfileResponse* resp,
                        const proj::PayloadOpener* opener) {
  LEDGER_RETURN_IF_ERROR(ValidateCustomerId("customer_id", req.customer_id()));
  uint64_t max_position = 0;
  int64_t max_micros = 0;
  LEDGER_ASSIGN_OR_RETURN(
      bool time_travel, AsOf(&req.as_of_time(), req.has_as_of_time(),
                             req.as_of_position(), &max_position, &max_micros));
  if (time_travel) {
    LEDGER_ASSIGN_OR_RETURN(
        Replay replay,
        ReplayStream(log, req.customer_id(), max_position, max_micros, opener,
                     resp->mutable_resolved_from()));
    *resp->mutable_profile() = std::move(replay.profile);
    resp->set_as_of_position(replay.position);
    return absl::OkStatus();
  }
  if (req.min_position() > log.last_position()) {
    return absl::OutOfRangeError(
        absl::StrCat("min_position ", req.min_position(),
                     " is beyond the log head ", log.last_position()));
  }
  // Projections commit with the events, so a read now covers every
  // acknowledged append; read again if it raced with the token's commit.
  std::string bytes;
  uint64_t position = 0;
  absl::Status read = log.GetStateValue(proj::kProfileFamily, req.customer_id(),
                                        &bytes, &position);
  if (position < req.min_position()) {
    read = log.GetStateValue(proj::kProfileFamily, req.customer_id(), &bytes,
                             &position);
  }
  LEDGER_RETURN_IF_ERROR(
      ProfileFromRead(req.customer_id(), read, bytes, resp->mutable_profile()));
  if (!resp->profile().merged_into().empty()) {
    std::unique_ptr<storage::StateView> view = log.GetStateView();
    LEDGER_RETURN_IF_ERROR(ResolveProfile(*view, req.customer_id(),
                                          resp->mutable_profile(),
                                          resp->mutable_resolved_from()));
    position = view->position();
  }
  resp->set_as_of_position(position);
  return absl::OkStatus();
}

absl::Status ListTimeline(const storage::EventLog& log,
                          const v1::ListTimelineRequest& req,
                          v1::ListTimelineResponse* resp) {
  LEDGER_RETURN_IF_ERROR(ValidateCustomerId("customer_id", req.customer_id()));
  for (int i = 0; i < req.channels_size(); ++i) {
    if (!v1::ContactChannel_IsValid(req.channels(i)) || req.channels(i) == 0) {
      return Invalid(absl::StrCat("channels[", i, "]"),
                     absl::StrCat("unknown channel ", req.channels(i)));
    }
  }
  std::string after;  // the (occurred, position) suffix of the last entry
  LEDGER_RETURN_IF_ERROR(DecodeToken(req.page_token(), &after));
  if (!after.empty() && after.size() != 16) {
    return Invalid("page_token",
                   "is not a next_page_token returned by ListTimeline");
  }
  std::unique_ptr<storage::StateView> view = log.GetStateView();
  v1::CustomerProfile profile;
  std::string resolved_from;
  LEDGER_RETURN_IF_ERROR(
      ResolveProfile(*view, req.customer_id(), &profile, &resolved_from));

  const int64_t from = req.has_from_time()
                           ? TimeUtil::TimestampToMicroseconds(req.from_time())
                           : 0;
  const int64_t to = req.has_to_time()
                         ? TimeUtil::TimestampToMicroseconds(req.to_time())
                         : INT64_MAX;
  // Keys are stream \0 suffix; a merged file interleaves several streams by
  // suffix, so bounds and the page token are suffixes.
  auto suffix = [](int64_t micros, uint64_t position) {
    return proj::TimelineKey("", micros, position).substr(1);
  };
  const std::string low = suffix(from, 0);
  const std::string high = suffix(to, 0);
  const bool newest_first = !req.oldest_first();
  struct Cursor {
    std::string prefix;
    std::unique_ptr<storage::StateIterator> it;
    absl::string_view Suffix() const { return it->key().substr(prefix.size()); }
  };
  std::vector<Cursor> cursors;
  for (const std::string& stream : FileStreams(profile)) {
    Cursor& c = cursors.emplace_back();
    c.prefix = proj::TimelinePrefix(stream);
    c.it = view->NewIterator(proj::kTimelineFamily);
    if (newest_first) {
      c.it->SeekForPrev(c.prefix + (after.empty() ? high : after));
      if (c.it->Valid() && absl::StartsWith(c.it->key(), c.prefix) &&
          (c.Suffix() == after || c.Suffix() >= high)) {
        c.it->Prev();
      }
    } else {
      c.it->Seek(c.prefix + (after.empty() ? low : after));
      if (c.it->Valid() && absl::StartsWith(c.it->key(), c.prefix) &&
          c.Suffix() == after) {
        c.it->Next();
      }
    }
  }
  auto live = [&](const Cursor& c) {
    if (!c.it->Valid() || !absl::StartsWith(c.it->key(), c.prefix)) {
      return false;
    }
    const absl::string_view sfx = c.Suffix();
    return sfx >= low && sfx < high;
  };
  const uint32_t page = Page(req.page_size());
  std::string last;
  while (true) {
    Cursor* next = nullptr;
    for (Cursor& c : cursors) {
      if (!live(c)) continue;
      if (next == nullptr || (newest_first ? c.Suffix() > next->Suffix()
                                           : c.Suffix() < next->Suffix())) {
        next = &c;
      }
    }
    if (next == nullptr) break;
    if (resp->entries_size() == static_cast<int>(page)) {
      resp->set_next_page_token(EncodeToken(last));
      break;
    }
    v1::TimelineEntry entry;
    const absl::string_view value = next->it->value();
    if (!entry.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
      return absl::DataLossError("a timeline entry does not parse");
    }
    last = std::string(next->Suffix());
    newest_first ? next->it->Prev() : next->it->Next();
    if (req.channels_size() > 0 &&
        std::find(req.channels().begin(), req.channels().end(),
                  entry.channel()) == req.channels().end()) {
      continue;
    }
    *resp->add_entries() = std::move(entry);
  }
  for (const Cursor& c : cursors) LEDGER_RETURN_IF_ERROR(c.it->status());
  return absl::OkStatus();
}

absl::Status GetClassification(const storage::EventLog& log,
                               const v1::GetClassificationRequest& req,
                               v1::GetClassificationResponse* resp,
                               const proj::PayloadOpener* opener) {
  LEDGER_RETURN_IF_ERROR(ValidateCustomerId("customer_id", req.customer_id()));
  uint64_t max_position = 0;
  int64_t max_micros = 0;
  LEDGER_ASSIGN_OR_RETURN(
      bool time_travel, AsOf(&req.as_of_time(), req.has_as_of_time(),
                             req.as_of_position(), &max_position, &max_micros));
  resp->set_customer_id(req.customer_id());
  if (time_travel) {
    LEDGER_ASSIGN_OR_RETURN(
        Replay replay,
        ReplayStream(log, req.customer_id(), max_position, max_micros, opener));
    resp->set_customer_id(replay.profile.customer_id());
    *resp->mutable_classification() = replay.profile.classification();
    for (auto& change : replay.history)
      *resp->add_history() = std::move(change);
    return absl::OkStatus();
  }
  std::unique_ptr<storage::StateView> view = log.GetStateView();
  v1::CustomerProfile profile;
  std::string resolved_from;
  LEDGER_RETURN_IF_ERROR(
      ResolveProfile(*view, req.customer_id(), &profile, &resolved_from));
  resp->set_customer_id(profile.customer_id());
  *resp->mutable_classification() = profile.classification();
  const std::string prefix = proj::HistoryPrefix(profile.customer_id());
  std::unique_ptr<storage::StateIterator> it =
      view->NewIterator(proj::kClassificationHistoryFamily);
  for (it->Seek(prefix); it->Valid() && absl::StartsWith(it->key(), prefix);
       it->Next()) {
    if (!resp->add_history()->ParseFromArray(
            it->value().data(), static_cast<int>(it->value().size()))) {
      return absl::DataLossError("a classification change does not parse");
    }
  }
  return it->status();
}

}  // namespace ledger::services::internal
