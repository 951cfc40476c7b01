#ifndef LEDGER_SERVICES_INTEGRITY_SERVICE_H_
#define LEDGER_SERVICES_INTEGRITY_SERVICE_H_

#include <cstdint>
#include <memory>

#include "absl/status/statusor.h"
#include "grpcpp/grpcpp.h"
#include "ledger/v1/integrity.grpc.pb.h"
#include "services/authorizer.h"
#include "spdlog/logger.h"
#include "storage/event_log.h"

namespace ledger::services {

namespace internal {
class DigestSigner;
}  // namespace internal

// ledger.v1.Integrity: signed RFC 6962 tree heads and inclusion and
// consistency proofs from the event log's Merkle tree. Each call reads
// O(log n) stored nodes and signs once or twice, so it runs inline on the
// gRPC thread.
//
// Thread-safe.
class IntegrityService final : public ledger::v1::Integrity::CallbackService {
 public:
  // REQUIRES: `log`, `signer` and `authorizer` outlive the service.
  IntegrityService(const storage::EventLog* log,
                   const internal::DigestSigner* signer,
                   const Authorizer* authorizer,
                   std::shared_ptr<spdlog::logger> logger);

  IntegrityService(const IntegrityService&) = delete;
  IntegrityService& operator=(const IntegrityService&) = delete;

  grpc::ServerUnaryReactor* GetDigest(
      grpc::CallbackServerContext* context,
      const ledger::v1::GetDigestRequest* request,
      ledger::v1::GetDigestResponse* response) override;
  grpc::ServerUnaryReactor* GetInclusionProof(
      grpc::CallbackServerContext* context,
      const ledger::v1::GetInclusionProofRequest* request,
      ledger::v1::GetInclusionProofResponse* response) override;
  grpc::ServerUnaryReactor* GetConsistencyProof(
      grpc::CallbackServerContext* context,
      const ledger::v1::GetConsistencyProofRequest* request,
      ledger::v1::GetConsistencyProofResponse* response) override;

 private:
  // The signed head of the tree of `tree_size` events (NOT_FOUND past the
  // log head).
  [[nodiscard]] absl::StatusOr<ledger::v1::SignedDigest> SignedHead(
      uint64_t tree_size) const;

  // Constant after construction.
  const storage::EventLog* const log_;
  const internal::DigestSigner* const signer_;
  const Authorizer* const auth_;
  const std::shared_ptr<spdlog::logger> logger_;
};

}  // namespace ledger::services

#endif  // LEDGER_SERVICES_INTEGRITY_SERVICE_H_
