#ifndef LEDGER_SERVICES_CUSTOMER_QUERY_SERVICE_H_
#define LEDGER_SERVICES_CUSTOMER_QUERY_SERVICE_H_

#include <memory>

#include "grpcpp/grpcpp.h"
#include "ledger/v1/customer.grpc.pb.h"
#include "projections/payload_opener.h"
#include "services/authorizer.h"
#include "services/internal/due_follow_ups.h"
#include "services/server_options.h"
#include "spdlog/logger.h"
#include "storage/event_log.h"

namespace ledger::services {

class AccessLog;

// ledger.v1.CustomerQuery: answers from the customer projections, which the
// log maintains inline with every append, so an answer always reflects a
// whole number of commits (GetProfileResponse.as_of_position says which).
// Time-travel queries fold the customer's stream instead. Every answer
// passes through a Disclosure: personal fields are masked for principals
// without the grant, and what a principal was shown goes to the access log.
//
// Thread-safe.
class CustomerQueryService final
    : public ledger::v1::CustomerQuery::CallbackService {
 public:
  // REQUIRES: `log`, `authorizer`, `access_log` and `opener` (may be null:
  // time travel then sees only the public part of sealed payloads) outlive
  // the service.
  CustomerQueryService(storage::EventLog* log, const Authorizer* authorizer,
                       AccessLog* access_log, const ServerOptions& options,
                       std::shared_ptr<spdlog::logger> logger,
                       const projections::PayloadOpener* opener = nullptr);

  CustomerQueryService(const CustomerQueryService&) = delete;
  CustomerQueryService& operator=(const CustomerQueryService&) = delete;

  grpc::ServerUnaryReactor* GetProfile(
      grpc::CallbackServerContext* context,
      const ledger::v1::GetProfileRequest* request,
      ledger::v1::GetProfileResponse* response) override;
  grpc::ServerUnaryReactor* ListTimeline(
      grpc::CallbackServerContext* context,
      const ledger::v1::ListTimelineRequest* request,
      ledger::v1::ListTimelineResponse* response) override;
  grpc::ServerUnaryReactor* GetClassification(
      grpc::CallbackServerContext* context,
      const ledger::v1::GetClassificationRequest* request,
      ledger::v1::GetClassificationResponse* response) override;
  grpc::ServerUnaryReactor* SearchCustomers(
      grpc::CallbackServerContext* context,
      const ledger::v1::SearchCustomersRequest* request,
      ledger::v1::SearchCustomersResponse* response) override;
  grpc::ServerUnaryReactor* ListDueFollowUps(
      grpc::CallbackServerContext* context,
      const ledger::v1::ListDueFollowUpsRequest* request,
      ledger::v1::ListDueFollowUpsResponse* response) override;
  grpc::ServerUnaryReactor* ListTransactions(
      grpc::CallbackServerContext* context,
      const ledger::v1::ListTransactionsRequest* request,
      ledger::v1::ListTransactionsResponse* response) override;
  grpc::ServerUnaryReactor* ListOpportunities(
      grpc::CallbackServerContext* context,
      const ledger::v1::ListOpportunitiesRequest* request,
      ledger::v1::ListOpportunitiesResponse* response) override;
  grpc::ServerUnaryReactor* ListServiceCases(
      grpc::CallbackServerContext* context,
      const ledger::v1::ListServiceCasesRequest* request,
      ledger::v1::ListServiceCasesResponse* response) override;
  grpc::ServerUnaryReactor* FindDuplicates(
      grpc::CallbackServerContext* context,
      const ledger::v1::FindDuplicatesRequest* request,
      ledger::v1::FindDuplicatesResponse* response) override;
  grpc::ServerUnaryReactor* ListMemberCards(
      grpc::CallbackServerContext* context,
      const ledger::v1::ListMemberCardsRequest* request,
      ledger::v1::ListMemberCardsResponse* response) override;

 private:
  grpc::ServerUnaryReactor* Finish(grpc::CallbackServerContext* context,
                                   const char* rpc,
                                   const absl::Status& status) const;
  // Masks and records `answer` (see Disclosure); UNAVAILABLE when the
  // access log cannot take the records.
  [[nodiscard]] absl::Status Disclose(const Principal& principal,
                                      const char* method,
                                      absl::string_view customer_id,
                                      google::protobuf::Message* answer) const;

  // Constant after construction.
  storage::EventLog* const log_;
  const Authorizer* const auth_;
  AccessLog* const access_log_;
  const projections::PayloadOpener* const opener_;
  const internal::DuePolicy due_policy_;
  const std::shared_ptr<spdlog::logger> logger_;
};

}  // namespace ledger::services

#endif  // LEDGER_SERVICES_CUSTOMER_QUERY_SERVICE_H_
