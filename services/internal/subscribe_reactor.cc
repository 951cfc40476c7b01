#include "services/internal/subscribe_reactor.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "google/protobuf/util/time_util.h"
#include "projections/event_codec.h"
#include "services/disclosure.h"
#include "services/grpc_status.h"

namespace ledger::services::internal {

namespace {

// How many storage pages one pump may scan when a filter matches nothing,
// before it yields the thread and waits for the next hub tick.
constexpr int kMaxEmptyScansPerPump = 8;

}  // namespace

SubscribeReactor::SubscribeReactor(
    storage::EventLog* log, SubscriptionHub* hub, AccessLog* access_log,
    Principal principal, const ServiceLimits& limits, spdlog::logger* logger,
    uint64_t from_position, storage::LogFilter filter, bool include_raw_payload,
    const projections::PayloadOpener* opener)
    : log_(log),
      hub_(hub),
      access_log_(access_log),
      principal_(std::move(principal)),
      limits_(limits),
      logger_(logger),
      filter_(std::move(filter)),
      include_raw_payload_(include_raw_payload),
      opener_(opener),
      cursor_(from_position),
      last_sent_(absl::Now()) {
  hub_->Register(this);
  absl::MutexLock lock(&mu_);
  Pump();
}

void SubscribeReactor::Ref() { refs_.fetch_add(1, std::memory_order_relaxed); }

void SubscribeReactor::Unref() {
  if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) delete this;
}

void SubscribeReactor::OnDone() {
  hub_->Unregister(this);
  Unref();
}

void SubscribeReactor::OnCancel() {
  absl::MutexLock lock(&mu_);
  // A pending write fails after a cancel and finishes the call there.
  if (!writing_) FinishOnce(grpc::Status::CANCELLED);
}

void SubscribeReactor::OnWriteDone(bool ok) {
  absl::MutexLock lock(&mu_);
  writing_ = false;
  if (!ok) {
    FinishOnce(
        grpc::Status(grpc::StatusCode::CANCELLED, "the subscriber went away"));
    return;
  }
  Pump();
}

void SubscribeReactor::Poke(bool shutting_down) {
  absl::MutexLock lock(&mu_);
  shutting_down_ = shutting_down_ || shutting_down;
  if (!writing_) Pump();
}

void SubscribeReactor::FinishOnce(const grpc::Status& status) {
  if (finished_) return;
  finished_ = true;
  Finish(status);
}

void SubscribeReactor::Pump() {
  if (finished_ || writing_) return;
  if (shutting_down_) {
    FinishOnce(grpc::Status(
        grpc::StatusCode::UNAVAILABLE,
        absl::StrCat("the server is shutting down; resubscribe from position ",
                     cursor_)));
    return;
  }
  for (int scans = 0; buffer_.empty() && scans < kMaxEmptyScansPerPump;
       ++scans) {
    if (cursor_ > log_->last_position()) break;
    absl::StatusOr<storage::LogPage> page = log_->ReadAll(
        cursor_, limits_.subscribe_page, filter_, limits_.max_scan);
    if (!page.ok()) {
      logger_->error("Subscribe: reading the log at {} failed: {}", cursor_,
                     page.status().ToString());
      FinishOnce(ToGrpcStatus(page.status()));
      return;
    }
    cursor_ = page->next_position;
    for (auto& record : page->records) buffer_.push_back(std::move(record));
  }
  message_.Clear();
  if (!buffer_.empty()) {
    absl::Status decoded =
        projections::DecodeEvent(buffer_.front(), include_raw_payload_,
                                 message_.mutable_event(), opener_);
    buffer_.pop_front();
    if (decoded.ok()) {
      decoded = DiscloseAnswer(access_log_, principal_,
                               "/ledger.v1.Ledger/Subscribe", "", &message_);
    }
    if (!decoded.ok()) {
      logger_->error("Subscribe: {}", decoded.ToString());
      FinishOnce(ToGrpcStatus(decoded));
      return;
    }
    Send();
    return;
  }
  const absl::Time now = absl::Now();
  const uint64_t delivered = cursor_ - 1;  // everything before cursor_ is done
  ledger::v1::Checkpoint* checkpoint = nullptr;
  if (!caught_up_sent_ && cursor_ > log_->last_position()) {
    caught_up_sent_ = true;
    checkpoint = message_.mutable_caught_up();
  } else if (now - last_sent_ >= limits_.checkpoint_interval) {
    checkpoint = message_.mutable_checkpoint();
  }
  if (checkpoint == nullptr) return;  // park until the hub pokes again
  checkpoint->set_position(delivered);
  *checkpoint->mutable_at() =
      google::protobuf::util::TimeUtil::MicrosecondsToTimestamp(
          absl::ToUnixMicros(now));
  Send();
}

void SubscribeReactor::Send() {
  writing_ = true;
  last_sent_ = absl::Now();
  StartWrite(&message_);
}

}  // namespace ledger::services::internal
