#ifndef LEDGER_SERVICES_ADMIN_SERVICE_H_
#define LEDGER_SERVICES_ADMIN_SERVICE_H_

#include <atomic>
#include <memory>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "grpcpp/grpcpp.h"
#include "ledger/v1/admin.grpc.pb.h"
#include "services/authorizer.h"
#include "services/key_vault.h"
#include "spdlog/logger.h"
#include "storage/event_log.h"

namespace ledger::services {

// ledger.v1.Admin. A rebuild runs on a thread of its own (the handler never
// blocks) and finishes the call when done; one at a time.
//
// Thread-safe.
class AdminService final : public ledger::v1::Admin::CallbackService {
 public:
  // REQUIRES: `log`, `authorizer` and `vault` (may be null: no rotation)
  // outlive the service.
  AdminService(storage::EventLog* log, const Authorizer* authorizer,
               std::shared_ptr<spdlog::logger> logger,
               KeyVault* vault = nullptr);
  // Waits for a running rebuild.
  ~AdminService();
  // Blocks until no rebuild runs. Call after the server stopped taking calls.
  void WaitForRebuild();
  // Asks a running rebuild to stop (it ends with CANCELLED); returns whether
  // one was running.
  bool CancelRebuild();
  // For server shutdown: cancels a running rebuild and refuses new ones
  // (UNAVAILABLE) from now on.
  void Stop();

  AdminService(const AdminService&) = delete;
  AdminService& operator=(const AdminService&) = delete;

  grpc::ServerUnaryReactor* RebuildProjections(
      grpc::CallbackServerContext* context,
      const ledger::v1::RebuildProjectionsRequest* request,
      ledger::v1::RebuildProjectionsResponse* response) override;
  grpc::ServerUnaryReactor* CancelRebuildProjections(
      grpc::CallbackServerContext* context,
      const ledger::v1::CancelRebuildProjectionsRequest* request,
      ledger::v1::CancelRebuildProjectionsResponse* response) override;

  // Runs on the calling gRPC thread: re-wrapping is one small write per
  // customer key.
  grpc::ServerUnaryReactor* RotateMasterKey(
      grpc::CallbackServerContext* context,
      const ledger::v1::RotateMasterKeyRequest* request,
      ledger::v1::RotateMasterKeyResponse* response) override;

 private:
  // Constant after construction.
  storage::EventLog* const log_;
  const Authorizer* const auth_;
  KeyVault* const vault_;
  const std::shared_ptr<spdlog::logger> logger_;

  absl::Mutex mu_;
  bool running_ ABSL_GUARDED_BY(mu_) = false;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread worker_ ABSL_GUARDED_BY(mu_);
  // Read by the rebuild without the lock; reset when a rebuild starts.
  std::atomic<bool> cancel_{false};
};

}  // namespace ledger::services

#endif  // LEDGER_SERVICES_ADMIN_SERVICE_H_
