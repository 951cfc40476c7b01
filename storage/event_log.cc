#include "storage/event_log.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "rocksdb/db.h"
#include "rocksdb/snapshot.h"
#include "spdlog/spdlog.h"
#include "storage/hash_chain.h"
#include "storage/internal/coding.h"
#include "storage/internal/db_handle.h"
#include "storage/internal/merkle_store.h"
#include "storage/internal/pending_append.h"
#include "storage/internal/record_codec.h"
#include "storage/status_macros.h"

namespace ledger::storage {

using internal::Cf;
using internal::FromRocks;

namespace {

constexpr char kFormatKey[] = "format";
constexpr char kFormatValue[] = "customer-ledger event log 1";

}  // namespace

bool LogFilter::Matches(const EventRecord& record) const {
  if (!types.empty() &&
      std::find(types.begin(), types.end(), record.type) == types.end()) {
    return false;
  }
  if (!streams.empty() && std::find(streams.begin(), streams.end(),
                                    record.stream) == streams.end()) {
    return false;
  }
  return true;
}

absl::StatusOr<std::unique_ptr<EventLog>> EventLog::Open(
    const EventLogOptions& options) {
  if (options.path.empty()) {
    return absl::InvalidArgumentError("event log path is empty");
  }
  LEDGER_ASSIGN_OR_RETURN(auto db, internal::DbHandle::Open(options));
  std::unique_ptr<EventLog> log(new EventLog(options, std::move(db)));
  LEDGER_RETURN_IF_ERROR(log->Recover());
  LEDGER_RETURN_IF_ERROR(log->RecoverMerkle());
  LEDGER_RETURN_IF_ERROR(log->RecoverPrincipalIndex());
  LEDGER_ASSIGN_OR_RETURN(const uint64_t state_position, log->StatePosition());
  log->state_position_.store(state_position, std::memory_order_release);
  log->writer_ = std::thread([raw = log.get()] { raw->WriterLoop(); });
  log->completer_ = std::thread([raw = log.get()] { raw->CompleterLoop(); });
  return log;
}

EventLog::EventLog(const EventLogOptions& options,
                   std::unique_ptr<internal::DbHandle> db)
    : options_(options),
      db_(std::move(db)),
      logger_(options.logger ? options.logger : spdlog::default_logger()),
      merkle_(std::make_unique<internal::MerkleStore>(db_.get())) {}

EventLog::~EventLog() { Shutdown(); }

absl::Status EventLog::Recover() {
  rocksdb::DB* db = db_->db();
  std::string format;
  rocksdb::Status s = db->Get(rocksdb::ReadOptions(), db_->cf(Cf::kDefault),
                              kFormatKey, &format);
  if (s.IsNotFound()) {
    LEDGER_RETURN_IF_ERROR(
        FromRocks(db->Put(rocksdb::WriteOptions(), db_->cf(Cf::kDefault),
                          kFormatKey, kFormatValue),
                  "writing the format marker"));
  } else if (!s.ok()) {
    return FromRocks(s, "reading the format marker");
  } else if (format != kFormatValue) {
    return absl::FailedPreconditionError(
        absl::StrCat("data directory ", options_.path, " holds format \"",
                     format, "\"; this server reads \"", kFormatValue, "\""));
  }

  // The head is the last key of the events family: O(1), not a scan.
  std::unique_ptr<rocksdb::Iterator> it(
      db->NewIterator(rocksdb::ReadOptions(), db_->cf(Cf::kEvents)));
  it->SeekToLast();
  LEDGER_RETURN_IF_ERROR(FromRocks(it->status(), "seeking the log head"));
  absl::MutexLock lock(&mu_);
  if (!it->Valid()) return absl::OkStatus();
  EventRecord last;
  LEDGER_RETURN_IF_ERROR(internal::DecodeRecord(
      absl::string_view(it->value().data(), it->value().size()), &last));
  if (it->key().size() != 8 ||
      internal::DecodeFixed64BE(it->key().data()) != last.position) {
    return absl::DataLossError(
        absl::StrCat("the last event record claims position ", last.position,
                     " but is stored under a different key"));
  }
  last_position_.store(last.position, std::memory_order_release);
  last_hash_ = last.hash;
  last_recorded_at_ = last.metadata.recorded_at_micros;
  return absl::OkStatus();
}

LogHead EventLog::head() const {
  absl::MutexLock lock(&mu_);
  return LogHead{last_position_.load(std::memory_order_relaxed), last_hash_};
}

LogStats EventLog::stats() const {
  absl::MutexLock lock(&mu_);
  return stats_;
}

void EventLog::AddCommitListener(CommitListener listener) {
  absl::MutexLock lock(&mu_);
  listeners_.push_back(std::move(listener));
}

absl::StatusOr<std::optional<StreamHead>> EventLog::GetStreamHead(
    const std::string& stream) const {
  std::string value;
  rocksdb::Status s = db_->db()->Get(rocksdb::ReadOptions(),
                                     db_->cf(Cf::kStreamHeads), stream, &value);
  if (s.IsNotFound()) return std::optional<StreamHead>();
  LEDGER_RETURN_IF_ERROR(FromRocks(s, "reading a stream head"));
  StreamHead head;
  if (!internal::DecodeStreamHead(value, &head.version, &head.last_position)) {
    return absl::DataLossError(
        absl::StrCat("malformed head record of stream ", stream));
  }
  return std::optional<StreamHead>(head);
}

absl::StatusOr<EventRecord> EventLog::ReadAt(uint64_t position) const {
  std::string value;
  rocksdb::Status s =
      db_->db()->Get(rocksdb::ReadOptions(), db_->cf(Cf::kEvents),
                     internal::EventKey(position), &value);
  if (s.IsNotFound()) {
    return absl::NotFoundError(absl::StrCat("no event at position ", position,
                                            "; the log head is ",
                                            last_position()));
  }
  LEDGER_RETURN_IF_ERROR(FromRocks(s, "reading an event"));
  EventRecord record;
  LEDGER_RETURN_IF_ERROR(internal::DecodeRecord(value, &record));
  return record;
}

absl::StatusOr<StreamPage> EventLog::ReadStream(const std::string& stream,
                                                uint64_t from_version,
                                                bool backwards,
                                                size_t limit) const {
  rocksdb::DB* db = db_->db();
  rocksdb::ManagedSnapshot snapshot(db);
  rocksdb::ReadOptions read_options;
  read_options.snapshot = snapshot.snapshot();

  std::string head_value;
  rocksdb::Status s =
      db->Get(read_options, db_->cf(Cf::kStreamHeads), stream, &head_value);
  if (s.IsNotFound()) {
    return absl::NotFoundError(
        absl::StrCat("stream \"", stream, "\" has no events"));
  }
  LEDGER_RETURN_IF_ERROR(FromRocks(s, "reading a stream head"));
  StreamPage page;
  uint64_t head_position = 0;
  if (!internal::DecodeStreamHead(head_value, &page.stream_version,
                                  &head_position)) {
    return absl::DataLossError(
        absl::StrCat("malformed head record of stream ", stream));
  }
  const uint64_t head = page.stream_version;
  uint64_t start = from_version;
  if (backwards) {
    if (start == 0 || start > head) start = head;
  } else {
    start = std::max<uint64_t>(start, 1);
    if (start > head) return page;
  }
  if (limit == 0) {
    page.next_version = start;
    return page;
  }

  // Versions are gapless, so the index keys of the page are known up front.
  uint64_t count = backwards ? std::min<uint64_t>(limit, start)
                             : std::min<uint64_t>(limit, head - start + 1);
  std::vector<std::string> index_keys;
  index_keys.reserve(count);
  for (uint64_t i = 0; i < count; ++i) {
    index_keys.push_back(
        internal::StreamIndexKey(stream, backwards ? start - i : start + i));
  }
  std::vector<rocksdb::Slice> key_slices(index_keys.begin(), index_keys.end());
  std::vector<std::string> positions;
  std::vector<rocksdb::Status> statuses =
      db->MultiGet(read_options,
                   std::vector<rocksdb::ColumnFamilyHandle*>(
                       count, db_->cf(Cf::kStreamIndex)),
                   key_slices, &positions);
  std::vector<std::string> event_keys;
  event_keys.reserve(count);
  for (uint64_t i = 0; i < count; ++i) {
    LEDGER_RETURN_IF_ERROR(FromRocks(statuses[i], "reading the stream index"));
    if (positions[i].size() != 8) {
      return absl::DataLossError(
          absl::StrCat("malformed stream index entry of stream ", stream));
    }
    event_keys.push_back(positions[i]);
  }
  std::vector<rocksdb::Slice> event_slices(event_keys.begin(),
                                           event_keys.end());
  std::vector<std::string> values;
  statuses = db->MultiGet(
      read_options,
      std::vector<rocksdb::ColumnFamilyHandle*>(count, db_->cf(Cf::kEvents)),
      event_slices, &values);
  page.records.resize(count);
  for (uint64_t i = 0; i < count; ++i) {
    LEDGER_RETURN_IF_ERROR(FromRocks(statuses[i], "reading an event"));
    LEDGER_RETURN_IF_ERROR(internal::DecodeRecord(values[i], &page.records[i]));
  }
  if (backwards) {
    page.next_version = start > count ? start - count : 0;
  } else {
    page.next_version = start + count <= head ? start + count : 0;
  }
  return page;
}

absl::StatusOr<LogPage> EventLog::ReadAll(uint64_t from_position, size_t limit,
                                          const LogFilter& filter,
                                          size_t max_scan) const {
  LogPage page;
  page.head_position = last_position();
  uint64_t from = std::max<uint64_t>(from_position, 1);
  page.next_position = from;
  if (from > page.head_position || limit == 0) return page;

  // Bound the scan at the published head, so a page never shows a group
  // whose commit is still being acknowledged.
  std::string upper = internal::EventKey(page.head_position + 1);
  rocksdb::Slice upper_slice(upper);
  rocksdb::ReadOptions read_options;
  read_options.iterate_upper_bound = &upper_slice;
  std::unique_ptr<rocksdb::Iterator> it(
      db_->db()->NewIterator(read_options, db_->cf(Cf::kEvents)));
  size_t scanned = 0;
  EventRecord record;
  for (it->Seek(internal::EventKey(from)); it->Valid(); it->Next()) {
    LEDGER_RETURN_IF_ERROR(internal::DecodeRecord(
        absl::string_view(it->value().data(), it->value().size()), &record));
    ++scanned;
    page.next_position = record.position + 1;
    if (filter.Matches(record)) {
      page.records.push_back(std::move(record));
      record = EventRecord();
      if (page.records.size() >= limit) break;
    }
    if (scanned >= max_scan) break;
  }
  LEDGER_RETURN_IF_ERROR(FromRocks(it->status(), "scanning the log"));
  return page;
}

absl::StatusOr<ChainReport> EventLog::VerifyChain(
    uint64_t from, uint64_t to,
    const std::function<void(uint64_t)>& progress) const {
  const uint64_t head = last_position();
  from = std::max<uint64_t>(from, 1);
  if (to == 0 || to > head) to = head;
  ChainReport report;
  if (from > to) return report;

  Hash256 prev{};
  if (from > 1) {
    absl::StatusOr<EventRecord> before = ReadAt(from - 1);
    if (absl::IsNotFound(before.status())) {  // below the head: a hole
      return absl::DataLossError(
          absl::StrCat("position ", from - 1, " is missing from the log"));
    }
    LEDGER_RETURN_IF_ERROR(before.status());
    prev = before->hash;
  }
  std::string upper = internal::EventKey(to + 1);
  rocksdb::Slice upper_slice(upper);
  rocksdb::ReadOptions read_options;
  read_options.iterate_upper_bound = &upper_slice;
  read_options.fill_cache = false;
  std::unique_ptr<rocksdb::Iterator> it(
      db_->db()->NewIterator(read_options, db_->cf(Cf::kEvents)));
  Sha256 sha;
  std::string scratch;
  EventRecord record;
  uint64_t expected = from;
  for (it->Seek(internal::EventKey(from)); it->Valid(); it->Next()) {
    const uint64_t key_position = internal::DecodeFixed64BE(it->key().data());
    if (key_position != expected) {
      return absl::DataLossError(
          absl::StrCat("position ", expected, " is missing from the log"));
    }
    absl::Status decoded = internal::DecodeRecord(
        absl::string_view(it->value().data(), it->value().size()), &record);
    if (!decoded.ok()) {
      return absl::DataLossError(
          absl::StrCat("position ", expected, ": ", decoded.message()));
    }
    if (record.position != expected) {
      return absl::DataLossError(absl::StrCat("position ", expected,
                                              ": the record claims position ",
                                              record.position));
    }
    if (record.prev_hash != prev) {
      return absl::DataLossError(absl::StrCat(
          "position ", expected, ": prev_hash ", HexDigest(record.prev_hash),
          " does not match the hash of the previous event ", HexDigest(prev)));
    }
    if (sha.Digest(record.payload) != record.payload_sha256) {
      return absl::DataLossError(absl::StrCat(
          "position ", expected, ": the payload does not match its SHA-256"));
    }
    Hash256 hash = sha.EventHash(prev, record, &scratch);
    if (hash != record.hash) {
      return absl::DataLossError(absl::StrCat(
          "position ", expected, ": stored hash ", HexDigest(record.hash),
          " but the event's content hashes to ", HexDigest(hash)));
    }
    prev = hash;
    ++report.verified_events;
    if (progress && expected % 100000 == 0) progress(expected);
    ++expected;
  }
  LEDGER_RETURN_IF_ERROR(FromRocks(it->status(), "scanning the log"));
  if (expected != to + 1) {
    return absl::DataLossError(
        absl::StrCat("position ", expected, " is missing from the log"));
  }
  report.last_hash = prev;
  return report;
}

}  // namespace ledger::storage
