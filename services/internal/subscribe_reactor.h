#ifndef LEDGER_SERVICES_INTERNAL_SUBSCRIBE_REACTOR_H_
#define LEDGER_SERVICES_INTERNAL_SUBSCRIBE_REACTOR_H_

#include <atomic>
#include <deque>
#include <memory>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "ledger/v1/ledger.pb.h"
#include "projections/payload_opener.h"
#include "services/principal.h"
#include "services/service_limits.h"
#include "services/subscription_hub.h"
#include "spdlog/logger.h"
#include "storage/event_log.h"

namespace ledger::services {
class AccessLog;
}  // namespace ledger::services

namespace ledger::services::internal {

// One Subscribe call. It never buffers more than one page of the log: events
// are read from storage at a cursor, so catch-up and live delivery are the
// same loop and the switch between them can neither skip nor repeat an
// event. When there is nothing to send it parks until the hub pokes it.
//
// Thread-safe: gRPC reactions and hub pokes may race; mu_ serialises them.
// Deletes itself when gRPC is done with it and the hub has let go.
class SubscribeReactor final
    : public grpc::ServerWriteReactor<ledger::v1::SubscribeResponse>,
      public Subscriber {
 public:
  // Events pass through a Disclosure for `principal` (masking, access
  // log) before they are sent.
  // REQUIRES: `log`, `hub`, `access_log` and `logger` outlive the call.
  SubscribeReactor(storage::EventLog* log, SubscriptionHub* hub,
                   AccessLog* access_log, Principal principal,
                   const ServiceLimits& limits, spdlog::logger* logger,
                   uint64_t from_position, storage::LogFilter filter,
                   bool include_raw_payload,
                   const projections::PayloadOpener* opener = nullptr);

  void OnWriteDone(bool ok) override;
  void OnCancel() override;
  void OnDone() override;

  void Poke(bool shutting_down) override;
  void Ref() override;
  void Unref() override;

 private:
  // Sends the next message if there is one; parks otherwise.
  void Pump() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Send() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void FinishOnce(const grpc::Status& status)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  // Constant after construction.
  storage::EventLog* const log_;
  SubscriptionHub* const hub_;
  AccessLog* const access_log_;
  const Principal principal_;
  const ServiceLimits limits_;
  spdlog::logger* const logger_;
  const storage::LogFilter filter_;
  const bool include_raw_payload_;
  const projections::PayloadOpener* const opener_;  // null: as stored

  std::atomic<int> refs_{1};  // gRPC's reference, dropped in OnDone

  absl::Mutex mu_;
  uint64_t cursor_ ABSL_GUARDED_BY(mu_);  // next position to examine
  std::deque<storage::EventRecord> buffer_ ABSL_GUARDED_BY(mu_);
  ledger::v1::SubscribeResponse message_ ABSL_GUARDED_BY(mu_);
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  bool caught_up_sent_ ABSL_GUARDED_BY(mu_) = false;
  bool shutting_down_ ABSL_GUARDED_BY(mu_) = false;
  absl::Time last_sent_ ABSL_GUARDED_BY(mu_);
};

}  // namespace ledger::services::internal

#endif  // LEDGER_SERVICES_INTERNAL_SUBSCRIBE_REACTOR_H_
