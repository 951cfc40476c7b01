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
#include "projections/customer_fold.h"
#include "projections/customer_keys.h"
#include "projections/customer_records.h"
#include "projections/event_codec.h"
#include "services/internal/query_common.h"
#include "services/request_validation.h"
#include "storage/status_macros.h"

namespace ledger::services::internal {

namespace {

namespace v1 = ::ledger::v1;
namespace proj = ::ledger::projections;
using google::protobuf::util::TimeUtil;

// The customer's state folded from its stream, up to a position or a commit
// time: the "what did the archive say then" answer.
struct Replay {
  v1::CustomerProfile profile;
  std::vector<v1::ClassificationChange> history;
  uint64_t position = 0;  // last folded
};

absl::StatusOr<Replay> ReplayStream(const storage::EventLog& log,
                                    const std::string& id,
                                    uint64_t max_position,
                                    int64_t max_recorded_micros) {
  Replay replay;
  proj::MemoryRecordStore records;
  uint64_t from = 1;
  while (from != 0) {
    absl::StatusOr<storage::StreamPage> page =
        log.ReadStream(id, from, /*backwards=*/false, 1000);
    if (absl::IsNotFound(page.status())) break;
    LEDGER_RETURN_IF_ERROR(page.status());
    for (const storage::EventRecord& record : page->records) {
      if (record.position > max_position ||
          record.metadata.recorded_at_micros > max_recorded_micros) {
        from = 0;
        break;
      }
      v1::Event event;
      LEDGER_RETURN_IF_ERROR(proj::DecodeEvent(record, false, &event));
      const v1::Classification before = replay.profile.classification();
      LEDGER_RETURN_IF_ERROR(
          proj::FoldRecords(event, records, &replay.profile));
      proj::FoldIntoProfile(event, &replay.profile);
      if (auto change = proj::ClassificationChangeOf(
              event, before, replay.profile.classification())) {
        replay.history.push_back(*std::move(change));
      }
      replay.position = record.position;
    }
    if (from != 0) from = page->next_version;
  }
  if (replay.position == 0) {
    return absl::NotFoundError(absl::StrCat(
        "customer \"", id, "\" did not exist at the requested time"));
  }
  return replay;
}

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
                        v1::GetProfileResponse* resp) {
  LEDGER_RETURN_IF_ERROR(ValidateCustomerId("customer_id", req.customer_id()));
  uint64_t max_position = 0;
  int64_t max_micros = 0;
  LEDGER_ASSIGN_OR_RETURN(
      bool time_travel, AsOf(&req.as_of_time(), req.has_as_of_time(),
                             req.as_of_position(), &max_position, &max_micros));
  if (time_travel) {
    LEDGER_ASSIGN_OR_RETURN(
        Replay replay,
        ReplayStream(log, req.customer_id(), max_position, max_micros));
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
  std::string after;
  LEDGER_RETURN_IF_ERROR(DecodeToken(req.page_token(), &after));
  std::unique_ptr<storage::StateView> view = log.GetStateView();
  v1::CustomerProfile profile;
  LEDGER_RETURN_IF_ERROR(LoadProfile(*view, req.customer_id(), &profile));

  const std::string prefix = proj::TimelinePrefix(req.customer_id());
  const int64_t from = req.has_from_time()
                           ? TimeUtil::TimestampToMicroseconds(req.from_time())
                           : 0;
  const int64_t to = req.has_to_time()
                         ? TimeUtil::TimestampToMicroseconds(req.to_time())
                         : INT64_MAX;
  const std::string low = proj::TimelineKey(req.customer_id(), from, 0);
  const std::string high = proj::TimelineKey(req.customer_id(), to, 0);
  const uint32_t page = Page(req.page_size());
  std::unique_ptr<storage::StateIterator> it =
      view->NewIterator(proj::kTimelineFamily);
  const bool newest_first = !req.oldest_first();
  if (newest_first) {
    it->SeekForPrev(after.empty() ? high : after);
    if (it->Valid() && (it->key() == after || it->key() >= high)) it->Prev();
  } else {
    it->Seek(after.empty() ? low : after);
    if (it->Valid() && it->key() == after) it->Next();
  }
  std::string last_key;
  for (; it->Valid(); newest_first ? it->Prev() : it->Next()) {
    const absl::string_view key = it->key();
    if (!absl::StartsWith(key, prefix) || key < low || key >= high) break;
    if (resp->entries_size() == static_cast<int>(page)) {
      resp->set_next_page_token(EncodeToken(last_key));
      break;
    }
    v1::TimelineEntry entry;
    if (!entry.ParseFromArray(it->value().data(),
                              static_cast<int>(it->value().size()))) {
      return absl::DataLossError("a timeline entry does not parse");
    }
    last_key = std::string(key);
    if (req.channels_size() > 0 &&
        std::find(req.channels().begin(), req.channels().end(),
                  entry.channel()) == req.channels().end()) {
      continue;
    }
    *resp->add_entries() = std::move(entry);
  }
  return it->status();
}

absl::Status GetClassification(const storage::EventLog& log,
                               const v1::GetClassificationRequest& req,
                               v1::GetClassificationResponse* resp) {
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
        ReplayStream(log, req.customer_id(), max_position, max_micros));
    *resp->mutable_classification() = replay.profile.classification();
    for (auto& change : replay.history)
      *resp->add_history() = std::move(change);
    return absl::OkStatus();
  }
  std::unique_ptr<storage::StateView> view = log.GetStateView();
  v1::CustomerProfile profile;
  LEDGER_RETURN_IF_ERROR(LoadProfile(*view, req.customer_id(), &profile));
  *resp->mutable_classification() = profile.classification();
  const std::string prefix = proj::HistoryPrefix(req.customer_id());
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
