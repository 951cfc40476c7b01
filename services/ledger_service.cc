#include "services/ledger_service.h"

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "google/protobuf/util/time_util.h"
#include "projections/customer_keys.h"
#include "projections/event_codec.h"
#include "projections/payload_sealing.h"
#include "projections/personal_fields.h"
#include "services/disclosure.h"
#include "services/grpc_status.h"
#include "services/internal/subscribe_reactor.h"
#include "services/request_validation.h"
#include "storage/status_macros.h"

namespace ledger::services {

namespace {

namespace v1 = ::ledger::v1;
using google::protobuf::util::TimeUtil;

constexpr char kAppend[] = "/ledger.v1.Ledger/Append";
constexpr char kMergeCustomers[] = "/ledger.v1.Ledger/MergeCustomers";
constexpr char kReadStream[] = "/ledger.v1.Ledger/ReadStream";
constexpr char kReadAll[] = "/ledger.v1.Ledger/ReadAll";
constexpr char kSubscribe[] = "/ledger.v1.Ledger/Subscribe";
constexpr char kGetInfo[] = "/ledger.v1.Ledger/GetInfo";
constexpr char kForgetCustomer[] = "/ledger.v1.Ledger/ForgetCustomer";

template <typename Page>
absl::Status DecodePage(Page& page, bool include_raw,
                        const projections::PayloadOpener* opener,
                        google::protobuf::RepeatedPtrField<v1::Event>* out) {
  out->Reserve(static_cast<int>(page.records.size()));
  for (const storage::EventRecord& record : page.records) {
    LEDGER_RETURN_IF_ERROR(
        projections::DecodeEvent(record, include_raw, out->Add(), opener));
  }
  return absl::OkStatus();
}

}  // namespace

LedgerService::LedgerService(storage::EventLog* log, SubscriptionHub* hub,
                             const Authorizer* authorizer,
                             AccessLog* access_log, const ServiceLimits& limits,
                             std::shared_ptr<spdlog::logger> logger,
                             KeyVault* vault)
    : log_(log),
      hub_(hub),
      auth_(authorizer),
      access_log_(access_log),
      limits_(limits),
      logger_(std::move(logger)),
      started_at_(absl::Now()),
      vault_(vault),
      opener_(vault) {}

grpc::Status LedgerService::Report(const char* rpc,
                                   const absl::Status& status) const {
  return ReportStatus(*logger_, rpc, status);
}

grpc::ServerUnaryReactor* LedgerService::Append(
    grpc::CallbackServerContext* context, const v1::AppendRequest* request,
    v1::AppendResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  v1::AppendMetadata metadata;
  absl::StatusOr<Principal> principal = auth_->Authorize(*context, kAppend);
  absl::Status status = principal.status();
  if (status.ok()) {
    status = auth_->AuthorizeAppend(*principal, kAppend, *request, &metadata);
  }
  if (!status.ok()) {
    reactor->Finish(Report("Append", status));
    return reactor;
  }
  for (int i = 0; i < request->events_size(); ++i) {
    if (request->events(i).payload().has_customer_forgotten()) {
      reactor->Finish(Report(
          "Append", absl::InvalidArgumentError(absl::StrCat(
                        "events[", i,
                        "].payload.customer_forgotten: use ForgetCustomer "
                        "(it also destroys the customer's key)"))));
      return reactor;
    }
    if (request->events(i).payload().has_sealed()) {
      reactor->Finish(Report(
          "Append", absl::InvalidArgumentError(absl::StrCat(
                        "events[", i,
                        "].payload.sealed: is set by the server; send the "
                        "personal fields in place"))));
      return reactor;
    }
  }
  // The owner AuthorizeAppend read may change before the append commits:
  // the log checks it again as it stages the append.
  StartAppend("Append", *request, metadata, reactor, response,
              auth_->StagedOwnerCheck(*principal, kAppend, *request));
  return reactor;
}

grpc::ServerUnaryReactor* LedgerService::MergeCustomers(
    grpc::CallbackServerContext* context,
    const v1::MergeCustomersRequest* request, v1::AppendResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  absl::StatusOr<Principal> principal =
      auth_->Authorize(*context, kMergeCustomers);
  if (!principal.ok()) {
    reactor->Finish(Report("MergeCustomers", principal.status()));
    return reactor;
  }
  absl::Status status =
      ValidateCustomerId("survivor_id", request->survivor_id());
  if (status.ok()) {
    status = ValidateCustomerId("merged_id", request->merged_id());
  }
  if (status.ok() && request->survivor_id() == request->merged_id()) {
    status = absl::InvalidArgumentError(
        absl::StrCat("merged_id: is the survivor ", request->survivor_id(),
                     " itself; name two different customers"));
  }
  if (status.ok()) {
    status = auth_->CheckCustomer(*principal, kMergeCustomers,
                                  request->survivor_id());
  }
  if (status.ok()) {
    status =
        auth_->CheckCustomer(*principal, kMergeCustomers, request->merged_id());
  }
  v1::AppendMetadata metadata = request->metadata();
  if (status.ok()) {
    status = auth_->ApplyToMetadata(*principal, kMergeCustomers,
                                    request->merged_id(), &metadata);
  }
  if (!status.ok()) {
    reactor->Finish(Report("MergeCustomers", status));
    return reactor;
  }
  v1::AppendRequest append;
  append.set_customer_id(request->merged_id());
  *append.mutable_expected_version() = request->expected_version();
  if (!request->has_expected_version()) {
    append.mutable_expected_version()->mutable_stream_exists();
  }
  append.set_request_id(request->request_id());
  append.set_validate_only(request->validate_only());
  append.add_events()
      ->mutable_payload()
      ->mutable_customer_merged()
      ->set_survivor_id(request->survivor_id());
  // As for Append: the owners CheckCustomer read may change meanwhile.
  StartAppend("MergeCustomers", append, metadata, reactor, response,
              auth_->StagedMergeCheck(*principal, kMergeCustomers, *request));
  return reactor;
}

void LedgerService::StartAppend(
    const char* rpc, const v1::AppendRequest& request,
    const v1::AppendMetadata& metadata, grpc::ServerUnaryReactor* reactor,
    v1::AppendResponse* response,
    std::function<absl::Status(storage::StateWriter&)> check) {
  absl::StatusOr<storage::AppendRequest> append =
      ValidateAppend(request, metadata, limits_, absl::Now());
  if (append.ok()) append->check = std::move(check);
  // A customer's new key, stored by this append's commit if it commits.
  std::optional<KeyVault::Lease> lease;
  if (append.ok() && !append->dry_run) {
    // A dry run folds the plaintext and writes nothing: no key is needed.
    absl::Status sealed = SealPayloads(request, &*append, &lease);
    if (!sealed.ok()) append = sealed;
  }
  if (!append.ok()) {
    if (lease.has_value()) {
      vault_->Release(request.customer_id(), *lease, /*stored=*/false);
    }
    reactor->Finish(Report(rpc, append.status()));
    return;
  }
  log_->AppendAsync(
      *std::move(append),
      [this, rpc, reactor, response, customer = request.customer_id(),
       lease = std::move(lease)](absl::StatusOr<storage::AppendResult> result) {
        if (lease.has_value()) {
          // A replay wrote nothing: its original stored the key it used.
          vault_->Release(customer, *lease, result.ok() && !result->duplicate);
        }
        if (result.ok()) {
          response->set_first_position(result->first_position);
          response->set_last_position(result->last_position);
          response->set_first_version(result->first_version);
          response->set_last_version(result->last_version);
          response->set_duplicate(result->duplicate);
          *response->mutable_recorded_at() =
              TimeUtil::MicrosecondsToTimestamp(result->recorded_at_micros);
        }
        reactor->Finish(Report(rpc, result.status()));
      });
}

absl::Status LedgerService::SealPayloads(
    const v1::AppendRequest& request, storage::AppendRequest* append,
    std::optional<KeyVault::Lease>* lease) {
  if (vault_ == nullptr) return absl::OkStatus();
  std::optional<projections::DataKey> key;
  for (int i = 0; i < request.events_size(); ++i) {
    const v1::EventPayload& plain = request.events(i).payload();
    if (!projections::HasPersonalValue(plain)) continue;
    if (!key.has_value()) {
      const std::string& id = request.customer_id();
      LEDGER_ASSIGN_OR_RETURN(
          KeyVault::Lease leased, vault_->Acquire(id, [&]() -> absl::Status {
            // Only for a customer without a key: a forgotten one lost it.
            std::string bytes;
            uint64_t position = 0;
            absl::Status read = log_->GetStateValue(projections::kProfileFamily,
                                                    id, &bytes, &position);
            if (absl::IsNotFound(read)) return absl::OkStatus();
            LEDGER_RETURN_IF_ERROR(read);
            v1::CustomerProfile profile;
            if (profile.ParseFromString(bytes) && profile.forgotten()) {
              return absl::FailedPreconditionError(absl::StrCat(
                  "customer ", id,
                  " was forgotten (personal data erased); its file takes no "
                  "more events"));
            }
            return absl::OkStatus();
          }));
      key = leased.key;
      if (leased.wrapped.has_value()) {
        append->put_secrets.emplace_back(KeyVault::SecretName(id),
                                         *leased.wrapped);
        *lease = std::move(leased);
      }
    }
    v1::EventPayload sealed = plain;
    storage::ProposedEvent& event = append->events[static_cast<size_t>(i)];
    LEDGER_RETURN_IF_ERROR(
        projections::SealPersonalFields(request.customer_id(), event.type,
                                        request.request_id(),
                                        static_cast<uint32_t>(i), *key, &sealed)
            .status());
    event.payload = projections::EncodePayload(sealed);
  }
  return absl::OkStatus();
}

grpc::ServerUnaryReactor* LedgerService::ForgetCustomer(
    grpc::CallbackServerContext* context,
    const v1::ForgetCustomerRequest* request,
    v1::ForgetCustomerResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  const std::string& id = request->customer_id();
  std::vector<std::string> erased;
  absl::StatusOr<storage::AppendRequest> append =
      [&]() -> absl::StatusOr<storage::AppendRequest> {
    LEDGER_ASSIGN_OR_RETURN(const Principal principal,
                            auth_->Authorize(*context, kForgetCustomer));
    LEDGER_RETURN_IF_ERROR(ValidateCustomerId("customer_id", id));
    if (request->reason().empty()) {
      return absl::InvalidArgumentError(
          "reason: is required: why this customer's personal data is erased "
          "(it stays on record)");
    }
    if (vault_ == nullptr) {
      return absl::FailedPreconditionError(
          "this server keeps no customer keys; nothing to destroy");
    }
    std::string bytes;
    uint64_t position = 0;
    absl::Status read =
        log_->GetStateValue(projections::kProfileFamily, id, &bytes, &position);
    if (absl::IsNotFound(read)) {
      return absl::NotFoundError(
          absl::StrCat("customer \"", id, "\" does not exist"));
    }
    LEDGER_RETURN_IF_ERROR(read);
    v1::CustomerProfile profile;
    if (!profile.ParseFromString(bytes)) {
      return absl::DataLossError(
          absl::StrCat("the stored profile of ", id, " does not parse"));
    }
    if (!profile.merged_into().empty()) {
      return absl::FailedPreconditionError(absl::StrCat(
          "customer ", id, " was merged into ", profile.merged_into(),
          "; forget ", profile.merged_into(),
          ", which erases the merged files too"));
    }
    v1::AppendRequest forget;
    forget.set_customer_id(id);
    forget.mutable_expected_version()->mutable_stream_exists();
    forget.set_request_id(request->request_id());
    v1::AppendMetadata metadata = request->metadata();
    metadata.set_reason(request->reason());
    LEDGER_RETURN_IF_ERROR(
        auth_->ApplyToMetadata(principal, kForgetCustomer, id, &metadata));
    auto* event =
        forget.add_events()->mutable_payload()->mutable_customer_forgotten();
    erased.push_back(id);
    for (const v1::MergedCustomer& m : profile.merged_from()) {
      event->add_covered_customer_ids(m.customer_id());
      erased.push_back(m.customer_id());
    }
    LEDGER_ASSIGN_OR_RETURN(
        storage::AppendRequest out,
        ValidateAppend(forget, metadata, limits_, absl::Now()));
    for (const std::string& customer : erased) {
      out.erase_secrets.push_back(KeyVault::SecretName(customer));
    }
    return out;
  }();
  if (!append.ok()) {
    reactor->Finish(Report("ForgetCustomer", append.status()));
    return reactor;
  }
  // No key of these customers may be cached or made from now until the
  // commit decides.
  vault_->BeginForget(erased);
  log_->AppendAsync(
      *std::move(append), [this, reactor, response, erased = std::move(erased)](
                              absl::StatusOr<storage::AppendResult> result) {
        vault_->EndForget(erased, result.ok());
        if (result.ok()) {
          response->set_position(result->last_position);
          *response->mutable_recorded_at() =
              TimeUtil::MicrosecondsToTimestamp(result->recorded_at_micros);
          response->set_duplicate(result->duplicate);
          for (const std::string& customer : erased) {
            response->add_erased_customer_ids(customer);
          }
          // Off this thread: flush and compact the deleted keys away.
          vault_->SchedulePurge();
          logger_->info("customer {} forgotten at position {} ({} files)",
                        erased.front(), result->last_position, erased.size());
        }
        reactor->Finish(Report("ForgetCustomer", result.status()));
      });
  return reactor;
}

grpc::ServerUnaryReactor* LedgerService::ReadStream(
    grpc::CallbackServerContext* context, const v1::ReadStreamRequest* request,
    v1::ReadStreamResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  absl::Status status = [&]() -> absl::Status {
    LEDGER_ASSIGN_OR_RETURN(const Principal principal,
                            auth_->Authorize(*context, kReadStream));
    LEDGER_RETURN_IF_ERROR(
        ValidateStreamName("customer_id", request->customer_id()));
    LEDGER_RETURN_IF_ERROR(
        auth_->CheckCustomer(principal, kReadStream, request->customer_id()));
    const bool backwards = request->direction() == v1::READ_DIRECTION_BACKWARDS;
    if (!backwards && request->direction() != v1::READ_DIRECTION_FORWARDS) {
      return absl::InvalidArgumentError(
          absl::StrCat("direction: unknown value ", request->direction()));
    }
    absl::StatusOr<storage::StreamPage> page =
        log_->ReadStream(request->customer_id(), request->from_version(),
                         backwards, PageSize(request->limit(), limits_));
    if (absl::IsNotFound(page.status())) {
      return absl::NotFoundError(absl::StrCat(
          "customer \"", request->customer_id(), "\" has no events"));
    }
    LEDGER_RETURN_IF_ERROR(page.status());
    response->set_stream_version(page->stream_version);
    response->set_next_version(page->next_version);
    LEDGER_RETURN_IF_ERROR(DecodePage(*page, request->include_raw_payload(),
                                      opener_, response->mutable_events()));
    return DiscloseAnswer(access_log_, principal, kReadStream,
                          request->customer_id(), response);
  }();
  reactor->Finish(Report("ReadStream", status));
  return reactor;
}

grpc::ServerUnaryReactor* LedgerService::ReadAll(
    grpc::CallbackServerContext* context, const v1::ReadAllRequest* request,
    v1::ReadAllResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  absl::Status status = [&]() -> absl::Status {
    LEDGER_ASSIGN_OR_RETURN(const Principal principal,
                            auth_->Authorize(*context, kReadAll));
    LEDGER_ASSIGN_OR_RETURN(
        storage::LogFilter filter,
        ValidateFilter("filter", request->filter(), limits_));
    LEDGER_ASSIGN_OR_RETURN(storage::LogPage page,
                            log_->ReadAll(request->from_position(),
                                          PageSize(request->limit(), limits_),
                                          filter, limits_.max_scan));
    response->set_next_position(page.next_position);
    response->set_head_position(page.head_position);
    response->set_end_of_log(page.next_position > page.head_position);
    LEDGER_RETURN_IF_ERROR(DecodePage(page, request->include_raw_payload(),
                                      opener_, response->mutable_events()));
    return DiscloseAnswer(access_log_, principal, kReadAll, "", response);
  }();
  reactor->Finish(Report("ReadAll", status));
  return reactor;
}

grpc::ServerWriteReactor<v1::SubscribeResponse>* LedgerService::Subscribe(
    grpc::CallbackServerContext* context, const v1::SubscribeRequest* request) {
  const absl::StatusOr<Principal> principal =
      auth_->Authorize(*context, kSubscribe);
  absl::StatusOr<storage::LogFilter> filter =
      principal.ok() ? ValidateFilter("filter", request->filter(), limits_)
                     : absl::StatusOr<storage::LogFilter>(principal.status());
  if (!filter.ok()) {
    // A reactor that only reports the error.
    class Rejected : public grpc::ServerWriteReactor<v1::SubscribeResponse> {
     public:
      explicit Rejected(const grpc::Status& status) { Finish(status); }
      void OnDone() override { delete this; }
    };
    return new Rejected(Report("Subscribe", filter.status()));
  }
  const uint64_t from = request->from_end()
                            ? log_->last_position() + 1
                            : std::max<uint64_t>(request->from_position(), 1);
  return new internal::SubscribeReactor(
      log_, hub_, access_log_, *principal, limits_, logger_.get(), from,
      *std::move(filter), request->include_raw_payload(), opener_);
}

grpc::ServerUnaryReactor* LedgerService::GetInfo(
    grpc::CallbackServerContext* context, const v1::GetInfoRequest* request,
    v1::GetInfoResponse* response) {
  (void)request;
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  if (const absl::StatusOr<Principal> principal =
          auth_->Authorize(*context, kGetInfo);
      !principal.ok()) {
    reactor->Finish(Report("GetInfo", principal.status()));
    return reactor;
  }
  const storage::LogStats stats = log_->stats();
  const storage::LogHead head = log_->head();
  response->set_server_version(LEDGER_VERSION);
  response->set_head_position(head.position);
  response->set_head_hash(std::string(
      reinterpret_cast<const char*>(head.hash.data()), head.hash.size()));
  response->set_sync_writes(log_->sync_writes());
  *response->mutable_started_at() =
      TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(started_at_));
  response->set_commit_groups(stats.commit_groups);
  response->set_committed_appends(stats.committed_appends);
  response->set_committed_events(stats.committed_events);
  const storage::RebuildProgress rebuild = log_->rebuild_progress();
  response->set_rebuild_running(rebuild.running);
  if (rebuild.running) {
    response->set_rebuild_position(rebuild.position);
    response->set_rebuild_target(rebuild.target);
  }
  absl::StatusOr<std::string> version = log_->StoredStateVersion();
  absl::StatusOr<uint64_t> position = log_->StatePosition();
  if (!version.ok() || !position.ok()) {
    reactor->Finish(
        ReportStatus(*logger_, "GetInfo",
                     !version.ok() ? version.status() : position.status()));
    return reactor;
  }
  response->set_projection_version(*version);
  response->set_projection_position(*position);
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

}  // namespace ledger::services
