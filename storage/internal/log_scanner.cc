#include "storage/internal/log_scanner.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "storage/internal/db_handle.h"
#include "storage/internal/record_codec.h"

namespace ledger::storage::internal {

namespace {

constexpr size_t kBatchRecords = 1024;
constexpr int kBatches = 4;  // read-ahead, in batches

}  // namespace

LogScanner::LogScanner(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* events,
                       uint64_t from, uint64_t to,
                       const Projector* prefetch_for)
    : db_(db),
      events_(events),
      from_(from),
      to_(to),
      prefetch_for_(prefetch_for),
      next_position_(from),
      thread_([this] { Run(); }) {}

LogScanner::~LogScanner() {
  {
    absl::MutexLock lock(&mu_);
    stop_ = true;
  }
  thread_.join();
}

absl::Status LogScanner::Next(const std::vector<EventRecord>** batch) {
  {
    absl::MutexLock lock(&mu_);
    if (current_ != nullptr) free_.push_back(std::move(current_));
    mu_.Await(absl::Condition(
        +[](LogScanner* self) { return !self->full_.empty() || self->done_; },
        this));
    if (!full_.empty()) {
      current_ = std::move(full_.front());
      full_.pop_front();
    } else {
      if (!status_.ok()) return status_;
      current_ = std::make_unique<Batch>();
    }
  }
  *batch = current_.get();
  // Checked here, as the consumer takes the records, so that no consumer
  // can fold or index across a hole.
  for (const EventRecord& record : *current_) {
    if (record.position != next_position_) {
      return absl::DataLossError(absl::StrCat(
          "position ", next_position_, " is missing from the log (found ",
          record.position, ")"));
    }
    ++next_position_;
  }
  if (current_->empty() && next_position_ <= to_) {
    return absl::DataLossError(absl::StrCat(
        "position ", next_position_, " is missing from the log (it ends at ",
        next_position_ - 1, ", expected ", to_, ")"));
  }
  return absl::OkStatus();
}

void LogScanner::Run() {
  std::string upper = EventKey(to_ + 1);
  rocksdb::Slice upper_slice(upper);
  rocksdb::ReadOptions options;
  options.iterate_upper_bound = &upper_slice;
  options.fill_cache = false;
  options.readahead_size = 4 << 20;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(options, events_));
  it->Seek(EventKey(from_));
  {
    absl::MutexLock lock(&mu_);
    for (int i = 0; i < kBatches; ++i)
      free_.push_back(std::make_unique<Batch>());
  }
  absl::Status status;
  std::string last_stream;  // of the last record prefetched for
  while (status.ok() && it->Valid()) {
    std::unique_ptr<Batch> batch;
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(
          +[](LogScanner* self) { return !self->free_.empty() || self->stop_; },
          this));
      if (stop_) return;
      batch = std::move(free_.back());
      free_.pop_back();
    }
    // Records are reused: their strings keep their capacity.
    batch->resize(kBatchRecords);
    size_t n = 0;
    for (; n < kBatchRecords && it->Valid(); ++n, it->Next()) {
      status = DecodeRecord(
          absl::string_view(it->value().data(), it->value().size()),
          &(*batch)[n]);
      if (!status.ok()) break;
      if (prefetch_for_ != nullptr && (*batch)[n].stream != last_stream) {
        prefetch_for_->Prefetch((*batch)[n]);
        last_stream = (*batch)[n].stream;
      }
    }
    if (status.ok()) status = FromRocks(it->status(), "scanning the log");
    batch->resize(n);
    absl::MutexLock lock(&mu_);
    if (!batch->empty()) full_.push_back(std::move(batch));
  }
  if (status.ok()) status = FromRocks(it->status(), "scanning the log");
  absl::MutexLock lock(&mu_);
  status_ = status;
  done_ = true;
}

}  // namespace ledger::storage::internal
