#include "services/access_log.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "google/protobuf/util/time_util.h"
#include "services/internal/access_index.h"
#include "services/internal/query_common.h"
#include "spdlog/spdlog.h"
#include "storage/event_log.h"
#include "storage/status_macros.h"

namespace ledger::services {

namespace {

namespace v1 = ::ledger::v1;
using google::protobuf::util::TimeUtil;

// Records per append: bounds one WriteBatch, not the rate.
constexpr size_t kMaxRecordsPerAppend = 2048;

int64_t Micros(const google::protobuf::Timestamp& t) {
  return TimeUtil::TimestampToMicroseconds(t);
}

std::string HashBytes(const storage::Hash256& hash) {
  return std::string(reinterpret_cast<const char*>(hash.data()), hash.size());
}

}  // namespace

AccessLog::AccessLog(const AccessLogOptions& options) : options_(options) {
  if (options_.logger == nullptr) options_.logger = spdlog::default_logger();
}

absl::StatusOr<std::unique_ptr<AccessLog>> AccessLog::Open(
    const AccessLogOptions& options) {
  std::unique_ptr<AccessLog> access(new AccessLog(options));
  access->projector_ = std::make_unique<internal::AccessIndexProjector>();
  storage::EventLogOptions log_options;
  log_options.path = options.path;
  log_options.sync = options.sync;
  log_options.block_cache_bytes = 16 << 20;
  // Nothing serves proofs of the access log; its hash chain is verified.
  log_options.merkle_tree = false;
  // Its own index answers by principal (access_index.h).
  log_options.principal_index = false;
  // Listed by customer or principal, never read by key.
  log_options.state_families = {
      {internal::kAccessIndexFamilyName, storage::StateAccess::kScansOnly}};
  log_options.projector = access->projector_.get();
  log_options.logger = access->options_.logger;
  LEDGER_ASSIGN_OR_RETURN(access->log_, storage::EventLog::Open(log_options));
  LEDGER_ASSIGN_OR_RETURN(std::string version,
                          access->log_->StoredStateVersion());
  if (version != internal::kAccessIndexVersion) {
    internal::AccessIndexProjector rebuild;
    LEDGER_RETURN_IF_ERROR(
        access->log_->RebuildState(rebuild, internal::kAccessIndexVersion));
  }
  access->flusher_ = std::thread([raw = access.get()] { raw->FlushLoop(); });
  return access;
}

AccessLog::~AccessLog() { Shutdown(); }

absl::Status AccessLog::Record(v1::AccessRecord record) {
  if (!record.has_at()) {
    *record.mutable_at() =
        TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(absl::Now()));
  }
  absl::MutexLock lock(&mu_);
  if (stopping_) {
    return absl::UnavailableError("the access log is shutting down");
  }
  if (queue_.size() >= options_.max_buffered) {
    return absl::UnavailableError(absl::StrCat(
        "the access log is behind (", queue_.size(),
        " records waiting to be written); reads of personal data are "
        "refused until it catches up"));
  }
  queue_.push_back(std::move(record));
  ++queued_total_;
  return absl::OkStatus();
}

void AccessLog::FlushLoop() {
  for (;;) {
    std::vector<v1::AccessRecord> batch;
    {
      absl::MutexLock lock(&mu_);
      auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return stopping_ || flush_requested_ ||
               queue_.size() >= kMaxRecordsPerAppend;
      };
      mu_.AwaitWithTimeout(absl::Condition(&ready), options_.flush_interval);
      flush_requested_ = false;
      if (queue_.empty()) {
        if (stopping_) return;
        continue;
      }
      batch.swap(queue_);
    }
    WriteBatch(std::move(batch));
  }
}

void AccessLog::WriteBatch(std::vector<v1::AccessRecord> batch) {
  size_t written = 0;
  absl::Status status;
  while (written < batch.size()) {
    const size_t end = std::min(batch.size(), written + kMaxRecordsPerAppend);
    storage::AppendRequest request;
    request.stream = internal::kAccessStream;
    request.events.reserve(end - written);
    for (size_t i = written; i < end; ++i) {
      const v1::AccessRecord& record = batch[i];
      storage::ProposedEvent& event = request.events.emplace_back();
      event.type = internal::kAccessEventType;
      event.payload = record.SerializeAsString();
      event.metadata.actor = record.principal();
      event.metadata.on_behalf_of = record.on_behalf_of();
      event.metadata.reason = record.denied() ? "denied" : "read";
      event.metadata.occurred_at_micros = Micros(record.at());
    }
    status = log_->Append(std::move(request)).status();
    if (!status.ok()) break;
    written = end;
  }
  absl::MutexLock lock(&mu_);
  written_total_ += written;
  if (status.ok()) {
    if (failing_) options_.logger->info("access log writes recovered");
    failing_ = false;
    return;
  }
  if (!failing_) {
    options_.logger->error("access log write failed, will retry: {}",
                           status.ToString());
  }
  failing_ = true;
  if (stopping_) {
    options_.logger->error("access log: {} records lost at shutdown",
                           batch.size() - written);
    return;
  }
  // Put the unwritten records back in front, keeping their order.
  queue_.insert(queue_.begin(),
                std::make_move_iterator(batch.begin() + written),
                std::make_move_iterator(batch.end()));
}

absl::Status AccessLog::Flush() {
  absl::MutexLock lock(&mu_);
  const uint64_t target = queued_total_;
  flush_requested_ = true;
  auto done = [this, target]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return written_total_ >= target || stopping_;
  };
  if (!mu_.AwaitWithTimeout(absl::Condition(&done), absl::Seconds(30))) {
    return absl::DeadlineExceededError(
        "the access log did not write its queued records within 30 s");
  }
  if (written_total_ < target) {
    return absl::UnavailableError("the access log is shut down");
  }
  return absl::OkStatus();
}

absl::StatusOr<v1::ListAccessResponse> AccessLog::List(
    const v1::ListAccessRequest& request, size_t max_page) const {
  std::string prefix;
  switch (request.subject_case()) {
    case v1::ListAccessRequest::kCustomerId:
      if (request.customer_id().empty()) {
        return internal::Invalid("customer_id", "is empty");
      }
      prefix = internal::AccessPrefix('c', request.customer_id());
      break;
    case v1::ListAccessRequest::kPrincipal:
      // An empty principal (set, not absent) lists the calls refused
      // before authentication: their records name nobody.
      prefix = internal::AccessPrefix('p', request.principal());
      break;
    default:
      return internal::Invalid("subject",
                               "is missing: set customer_id or principal");
  }
  const int64_t from = request.has_from() ? Micros(request.from()) : INT64_MIN;
  const int64_t to = request.has_to() ? Micros(request.to()) : INT64_MAX;
  if (to < from) {
    return internal::Invalid("to", "is before from");
  }
  const size_t page = std::min<size_t>(
      max_page, request.page_size() == 0 ? 100 : request.page_size());
  std::string start;
  LEDGER_RETURN_IF_ERROR(internal::DecodeToken(request.page_token(), &start));
  if (start.empty()) {
    start = internal::AccessKey(prefix, from, 0);
  } else if (!absl::StartsWith(start, prefix)) {
    return internal::Invalid("page_token",
                             "belongs to another customer or principal");
  }
  const std::string end = internal::AccessKey(prefix, to, 0);

  v1::ListAccessResponse response;
  std::unique_ptr<storage::StateView> view = log_->GetStateView();
  std::unique_ptr<storage::StateIterator> it =
      view->NewIterator(internal::kAccessIndexFamily);
  // A denied_only filter may skip many records: bound the work per page.
  size_t scanned = 0;
  const size_t max_scan = page * 50;
  for (it->Seek(start); it->Valid() && it->key() < end; it->Next()) {
    if (static_cast<size_t>(response.records_size()) >= page ||
        scanned >= max_scan) {
      response.set_next_page_token(internal::EncodeToken(it->key()));
      break;
    }
    ++scanned;
    const uint64_t sequence = internal::AccessKeySequence(it->key());
    LEDGER_ASSIGN_OR_RETURN(storage::EventRecord event, log_->ReadAt(sequence));
    v1::AccessRecord record;
    if (!record.ParseFromString(event.payload)) {
      return absl::DataLossError(
          absl::StrCat("access record ", sequence, " does not parse"));
    }
    if (request.denied_only() && !record.denied()) continue;
    record.set_sequence(sequence);
    record.set_prev_hash(HashBytes(event.prev_hash));
    record.set_hash(HashBytes(event.hash));
    *response.add_records() = std::move(record);
  }
  LEDGER_RETURN_IF_ERROR(it->status());
  return response;
}

absl::StatusOr<uint64_t> AccessLog::Verify() const {
  LEDGER_ASSIGN_OR_RETURN(storage::ChainReport report, log_->VerifyChain(1, 0));
  return report.verified_events;
}

uint64_t AccessLog::written() const {
  absl::MutexLock lock(&mu_);
  return written_total_;
}

void AccessLog::Shutdown() {
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  if (flusher_.joinable()) flusher_.join();
  if (log_ != nullptr) log_->Shutdown();
}

}  // namespace ledger::services
