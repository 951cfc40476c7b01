#ifndef LEDGER_SERVICES_LEDGER_SERVICE_H_
#define LEDGER_SERVICES_LEDGER_SERVICE_H_

#include <functional>
#include <memory>

#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "ledger/v1/ledger.grpc.pb.h"
#include "services/authorizer.h"
#include "services/key_vault.h"
#include "services/service_limits.h"
#include "services/subscription_hub.h"
#include "spdlog/logger.h"
#include "storage/event_log.h"

namespace ledger::services {

class AccessLog;

// ledger.v1.Ledger over the callback API. Handlers never block on fsync:
// appends go to the log's group-commit writer, which finishes the call.
//
// With a key vault, the personal fields of every accepted payload are
// sealed with the customer's key before they reach the log (creating the
// key on a customer's first personal data), and decoded events are opened
// again; without one (null), payloads are stored and shown as given.
//
// Thread-safe.
class LedgerService final : public ledger::v1::Ledger::CallbackService {
 public:
  // REQUIRES: every pointer outlives the service (`vault` may be null).
  LedgerService(storage::EventLog* log, SubscriptionHub* hub,
                const Authorizer* authorizer, AccessLog* access_log,
                const ServiceLimits& limits,
                std::shared_ptr<spdlog::logger> logger,
                KeyVault* vault = nullptr);

  LedgerService(const LedgerService&) = delete;
  LedgerService& operator=(const LedgerService&) = delete;

  grpc::ServerUnaryReactor* Append(
      grpc::CallbackServerContext* context,
      const ledger::v1::AppendRequest* request,
      ledger::v1::AppendResponse* response) override;

  grpc::ServerUnaryReactor* MergeCustomers(
      grpc::CallbackServerContext* context,
      const ledger::v1::MergeCustomersRequest* request,
      ledger::v1::AppendResponse* response) override;

  grpc::ServerUnaryReactor* ReadStream(
      grpc::CallbackServerContext* context,
      const ledger::v1::ReadStreamRequest* request,
      ledger::v1::ReadStreamResponse* response) override;

  grpc::ServerUnaryReactor* ReadAll(
      grpc::CallbackServerContext* context,
      const ledger::v1::ReadAllRequest* request,
      ledger::v1::ReadAllResponse* response) override;

  grpc::ServerWriteReactor<ledger::v1::SubscribeResponse>* Subscribe(
      grpc::CallbackServerContext* context,
      const ledger::v1::SubscribeRequest* request) override;

  grpc::ServerUnaryReactor* ForgetCustomer(
      grpc::CallbackServerContext* context,
      const ledger::v1::ForgetCustomerRequest* request,
      ledger::v1::ForgetCustomerResponse* response) override;

  grpc::ServerUnaryReactor* GetInfo(
      grpc::CallbackServerContext* context,
      const ledger::v1::GetInfoRequest* request,
      ledger::v1::GetInfoResponse* response) override;

 private:
  // Validates `request` with `metadata` (the authorised one) and queues
  // it; the writer finishes `reactor`.
  // `check`, if set, becomes the storage request's check (run as the log
  // stages it).
  void StartAppend(
      const char* rpc, const ledger::v1::AppendRequest& request,
      const ledger::v1::AppendMetadata& metadata,
      grpc::ServerUnaryReactor* reactor, ledger::v1::AppendResponse* response,
      std::function<absl::Status(storage::StateWriter&)> check = nullptr);
  // Replaces the payloads of `append` (validated from `request`) that hold
  // personal values with sealed ones. When the key that sealed them is new,
  // `append` carries it (put_secrets) and `*lease` holds it: the caller must
  // release it with the append's outcome, also when this fails.
  [[nodiscard]] absl::Status SealPayloads(
      const ledger::v1::AppendRequest& request, storage::AppendRequest* append,
      std::optional<KeyVault::Lease>* lease);

  // Converts `status`, logging server-side failures once, here.
  grpc::Status Report(const char* rpc, const absl::Status& status) const;

  // Constant after construction.
  storage::EventLog* const log_;
  SubscriptionHub* const hub_;
  const Authorizer* const auth_;
  AccessLog* const access_log_;
  const ServiceLimits limits_;
  const std::shared_ptr<spdlog::logger> logger_;
  const absl::Time started_at_;
  KeyVault* const vault_;
  // Opens decoded events; null shows them as stored.
  const projections::PayloadOpener* const opener_;
};

}  // namespace ledger::services

#endif  // LEDGER_SERVICES_LEDGER_SERVICE_H_
