#include "services/integrity_service.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "google/protobuf/util/time_util.h"
#include "services/grpc_status.h"
#include "services/internal/digest_signer.h"
#include "storage/status_macros.h"

namespace ledger::services {

namespace {

namespace v1 = ::ledger::v1;
using google::protobuf::util::TimeUtil;

std::string Bytes(const storage::Hash256& hash) {
  return std::string(reinterpret_cast<const char*>(hash.data()), hash.size());
}

}  // namespace

IntegrityService::IntegrityService(const storage::EventLog* log,
                                   const internal::DigestSigner* signer,
                                   const Authorizer* authorizer,
                                   std::shared_ptr<spdlog::logger> logger)
    : log_(log),
      signer_(signer),
      auth_(authorizer),
      logger_(std::move(logger)) {}

absl::StatusOr<v1::SignedDigest> IntegrityService::SignedHead(
    uint64_t tree_size) const {
  LEDGER_ASSIGN_OR_RETURN(storage::TreeHead head, log_->GetTreeHead(tree_size));
  const int64_t signed_at = absl::ToUnixMicros(absl::Now());
  LEDGER_ASSIGN_OR_RETURN(
      std::string signature,
      signer_->Sign(internal::DigestSigner::SignedBytes(
          head.tree_size, head.root_hash, head.head_hash, signed_at)));
  v1::SignedDigest digest;
  digest.set_tree_size(head.tree_size);
  digest.set_root_hash(Bytes(head.root_hash));
  digest.set_head_hash(Bytes(head.head_hash));
  *digest.mutable_signed_at() = TimeUtil::MicrosecondsToTimestamp(signed_at);
  digest.set_signature(std::move(signature));
  digest.set_public_key(signer_->public_key());
  digest.set_key_id(signer_->key_id());
  return digest;
}

grpc::ServerUnaryReactor* IntegrityService::GetDigest(
    grpc::CallbackServerContext* context, const v1::GetDigestRequest* request,
    v1::GetDigestResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  absl::Status status = [&]() -> absl::Status {
    LEDGER_RETURN_IF_ERROR(
        auth_->Authorize(*context, "/ledger.v1.Integrity/GetDigest").status());
    const uint64_t size = request->tree_size() == 0 ? log_->last_position()
                                                    : request->tree_size();
    LEDGER_ASSIGN_OR_RETURN(*response->mutable_digest(), SignedHead(size));
    return absl::OkStatus();
  }();
  reactor->Finish(ReportStatus(*logger_, "GetDigest", status));
  return reactor;
}

grpc::ServerUnaryReactor* IntegrityService::GetInclusionProof(
    grpc::CallbackServerContext* context,
    const v1::GetInclusionProofRequest* request,
    v1::GetInclusionProofResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  absl::Status status = [&]() -> absl::Status {
    LEDGER_RETURN_IF_ERROR(
        auth_->Authorize(*context, "/ledger.v1.Integrity/GetInclusionProof")
            .status());
    const uint64_t size = request->tree_size() == 0 ? log_->last_position()
                                                    : request->tree_size();
    const uint64_t position = request->position();
    if (position == 0 || position > size) {
      return absl::InvalidArgumentError(absl::StrCat(
          "position: ", position, " is not in the tree of ", size,
          " events (1..", size,
          request->tree_size() == 0 ? ", the current head)" : ")"));
    }
    LEDGER_ASSIGN_OR_RETURN(std::vector<storage::Hash256> path,
                            log_->InclusionProof(position, size));
    LEDGER_ASSIGN_OR_RETURN(storage::EventRecord event, log_->ReadAt(position));
    LEDGER_ASSIGN_OR_RETURN(*response->mutable_digest(), SignedHead(size));
    response->set_position(position);
    response->set_tree_size(size);
    response->set_event_hash(Bytes(event.hash));
    for (const storage::Hash256& hash : path) {
      response->add_audit_path(Bytes(hash));
    }
    return absl::OkStatus();
  }();
  reactor->Finish(ReportStatus(*logger_, "GetInclusionProof", status));
  return reactor;
}

grpc::ServerUnaryReactor* IntegrityService::GetConsistencyProof(
    grpc::CallbackServerContext* context,
    const v1::GetConsistencyProofRequest* request,
    v1::GetConsistencyProofResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  absl::Status status = [&]() -> absl::Status {
    LEDGER_RETURN_IF_ERROR(
        auth_->Authorize(*context, "/ledger.v1.Integrity/GetConsistencyProof")
            .status());
    const uint64_t new_size =
        request->new_size() == 0 ? log_->last_position() : request->new_size();
    const uint64_t old_size = request->old_size();
    if (old_size == 0 || old_size > new_size) {
      return absl::InvalidArgumentError(absl::StrCat(
          "old_size: ", old_size, " must be 1..new_size (", new_size,
          request->new_size() == 0 ? ", the current head)" : ")"));
    }
    LEDGER_ASSIGN_OR_RETURN(std::vector<storage::Hash256> proof,
                            log_->ConsistencyProof(old_size, new_size));
    LEDGER_ASSIGN_OR_RETURN(*response->mutable_old_digest(),
                            SignedHead(old_size));
    LEDGER_ASSIGN_OR_RETURN(*response->mutable_new_digest(),
                            SignedHead(new_size));
    response->set_old_size(old_size);
    response->set_new_size(new_size);
    for (const storage::Hash256& hash : proof) response->add_proof(Bytes(hash));
    return absl::OkStatus();
  }();
  reactor->Finish(ReportStatus(*logger_, "GetConsistencyProof", status));
  return reactor;
}

}  // namespace ledger::services
