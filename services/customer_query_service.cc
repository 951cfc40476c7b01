#include "services/customer_query_service.h"

#include <utility>

#include "services/grpc_status.h"
#include "services/internal/customer_queries.h"
#include "services/internal/customer_search.h"
#include "services/internal/due_follow_ups.h"
#include "services/internal/duplicates.h"
#include "services/internal/record_queries.h"

namespace ledger::services {

namespace v1 = ::ledger::v1;

CustomerQueryService::CustomerQueryService(
    storage::EventLog* log, const ServerOptions& options,
    std::shared_ptr<spdlog::logger> logger,
    const projections::PayloadOpener* opener)
    : log_(log),
      opener_(opener),
      due_policy_{options.revisit_interval_days, options.grade_visit_days},
      logger_(std::move(logger)) {}

grpc::ServerUnaryReactor* CustomerQueryService::Finish(
    grpc::CallbackServerContext* context, const char* rpc,
    const absl::Status& status) const {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(ReportStatus(*logger_, rpc, status));
  return reactor;
}

grpc::ServerUnaryReactor* CustomerQueryService::GetProfile(
    grpc::CallbackServerContext* context, const v1::GetProfileRequest* request,
    v1::GetProfileResponse* response) {
  return Finish(context, "GetProfile",
                internal::GetProfile(*log_, *request, response, opener_));
}

grpc::ServerUnaryReactor* CustomerQueryService::ListTimeline(
    grpc::CallbackServerContext* context,
    const v1::ListTimelineRequest* request,
    v1::ListTimelineResponse* response) {
  return Finish(context, "ListTimeline",
                internal::ListTimeline(*log_, *request, response));
}

grpc::ServerUnaryReactor* CustomerQueryService::GetClassification(
    grpc::CallbackServerContext* context,
    const v1::GetClassificationRequest* request,
    v1::GetClassificationResponse* response) {
  return Finish(
      context, "GetClassification",
      internal::GetClassification(*log_, *request, response, opener_));
}

grpc::ServerUnaryReactor* CustomerQueryService::SearchCustomers(
    grpc::CallbackServerContext* context,
    const v1::SearchCustomersRequest* request,
    v1::SearchCustomersResponse* response) {
  return Finish(context, "SearchCustomers",
                internal::SearchCustomers(*log_, *request, response));
}

grpc::ServerUnaryReactor* CustomerQueryService::ListDueFollowUps(
    grpc::CallbackServerContext* context,
    const v1::ListDueFollowUpsRequest* request,
    v1::ListDueFollowUpsResponse* response) {
  return Finish(
      context, "ListDueFollowUps",
      internal::ListDueFollowUps(*log_, *request, due_policy_, response));
}

grpc::ServerUnaryReactor* CustomerQueryService::ListTransactions(
    grpc::CallbackServerContext* context,
    const v1::ListTransactionsRequest* request,
    v1::ListTransactionsResponse* response) {
  return Finish(context, "ListTransactions",
                internal::ListTransactions(*log_, *request, response));
}

grpc::ServerUnaryReactor* CustomerQueryService::ListOpportunities(
    grpc::CallbackServerContext* context,
    const v1::ListOpportunitiesRequest* request,
    v1::ListOpportunitiesResponse* response) {
  return Finish(context, "ListOpportunities",
                internal::ListOpportunities(*log_, *request, response));
}

grpc::ServerUnaryReactor* CustomerQueryService::ListServiceCases(
    grpc::CallbackServerContext* context,
    const v1::ListServiceCasesRequest* request,
    v1::ListServiceCasesResponse* response) {
  return Finish(context, "ListServiceCases",
                internal::ListServiceCases(*log_, *request, response));
}

grpc::ServerUnaryReactor* CustomerQueryService::FindDuplicates(
    grpc::CallbackServerContext* context,
    const v1::FindDuplicatesRequest* request,
    v1::FindDuplicatesResponse* response) {
  return Finish(context, "FindDuplicates",
                internal::FindDuplicates(*log_, *request, response));
}

grpc::ServerUnaryReactor* CustomerQueryService::ListMemberCards(
    grpc::CallbackServerContext* context,
    const v1::ListMemberCardsRequest* request,
    v1::ListMemberCardsResponse* response) {
  const absl::CivilDay today =
      absl::ToCivilDay(absl::Now(), absl::LocalTimeZone());
  return Finish(context, "ListMemberCards",
                internal::ListMemberCards(*log_, *request, today, response));
}

}  // namespace ledger::services
