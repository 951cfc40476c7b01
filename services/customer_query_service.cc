#include "services/customer_query_service.h"

#include <string>
#include <utility>

#include "services/disclosure.h"
#include "services/grpc_status.h"
#include "services/internal/customer_queries.h"
#include "services/internal/customer_search.h"
#include "services/internal/due_follow_ups.h"
#include "services/internal/duplicates.h"
#include "services/internal/record_queries.h"
#include "storage/status_macros.h"

namespace ledger::services {

namespace v1 = ::ledger::v1;

namespace {

constexpr char kGetProfile[] = "/ledger.v1.CustomerQuery/GetProfile";
constexpr char kListTimeline[] = "/ledger.v1.CustomerQuery/ListTimeline";
constexpr char kGetClassification[] =
    "/ledger.v1.CustomerQuery/GetClassification";
constexpr char kSearchCustomers[] = "/ledger.v1.CustomerQuery/SearchCustomers";
constexpr char kListDueFollowUps[] =
    "/ledger.v1.CustomerQuery/ListDueFollowUps";
constexpr char kListTransactions[] =
    "/ledger.v1.CustomerQuery/ListTransactions";
constexpr char kListOpportunities[] =
    "/ledger.v1.CustomerQuery/ListOpportunities";
constexpr char kListServiceCases[] =
    "/ledger.v1.CustomerQuery/ListServiceCases";
constexpr char kFindDuplicates[] = "/ledger.v1.CustomerQuery/FindDuplicates";
constexpr char kListMemberCards[] = "/ledger.v1.CustomerQuery/ListMemberCards";

}  // namespace

CustomerQueryService::CustomerQueryService(
    storage::EventLog* log, const Authorizer* authorizer, AccessLog* access_log,
    const ServerOptions& options, std::shared_ptr<spdlog::logger> logger,
    const projections::PayloadOpener* opener)
    : log_(log),
      auth_(authorizer),
      access_log_(access_log),
      opener_(opener),
      due_policy_{options.revisit_interval_days, options.grade_visit_days},
      logger_(std::move(logger)) {}

absl::Status CustomerQueryService::Disclose(
    const Principal& principal, const char* method,
    absl::string_view customer_id, google::protobuf::Message* answer) const {
  return DiscloseAnswer(access_log_, principal, method, customer_id, answer);
}

grpc::ServerUnaryReactor* CustomerQueryService::Finish(
    grpc::CallbackServerContext* context, const char* rpc,
    const absl::Status& status) const {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(ReportStatus(*logger_, rpc, status));
  return reactor;
}

// Each handler authorises first; `principal` is who called (for masking and
// the access log).

grpc::ServerUnaryReactor* CustomerQueryService::GetProfile(
    grpc::CallbackServerContext* context, const v1::GetProfileRequest* request,
    v1::GetProfileResponse* response) {
  return Finish(context, "GetProfile", [&]() -> absl::Status {
    LEDGER_ASSIGN_OR_RETURN(const Principal principal,
                            auth_->Authorize(*context, kGetProfile));
    LEDGER_RETURN_IF_ERROR(
        auth_->CheckCustomer(principal, kGetProfile, request->customer_id()));
    LEDGER_RETURN_IF_ERROR(
        internal::GetProfile(*log_, *request, response, opener_));
    return Disclose(principal, kGetProfile, request->customer_id(), response);
  }());
}

grpc::ServerUnaryReactor* CustomerQueryService::ListTimeline(
    grpc::CallbackServerContext* context,
    const v1::ListTimelineRequest* request,
    v1::ListTimelineResponse* response) {
  return Finish(context, "ListTimeline", [&]() -> absl::Status {
    LEDGER_ASSIGN_OR_RETURN(const Principal principal,
                            auth_->Authorize(*context, kListTimeline));
    LEDGER_RETURN_IF_ERROR(
        auth_->CheckCustomer(principal, kListTimeline, request->customer_id()));
    LEDGER_RETURN_IF_ERROR(internal::ListTimeline(*log_, *request, response));
    return Disclose(principal, kListTimeline, request->customer_id(), response);
  }());
}

grpc::ServerUnaryReactor* CustomerQueryService::GetClassification(
    grpc::CallbackServerContext* context,
    const v1::GetClassificationRequest* request,
    v1::GetClassificationResponse* response) {
  return Finish(context, "GetClassification", [&]() -> absl::Status {
    LEDGER_ASSIGN_OR_RETURN(const Principal principal,
                            auth_->Authorize(*context, kGetClassification));
    LEDGER_RETURN_IF_ERROR(auth_->CheckCustomer(principal, kGetClassification,
                                                request->customer_id()));
    LEDGER_RETURN_IF_ERROR(
        internal::GetClassification(*log_, *request, response, opener_));
    return Disclose(principal, kGetClassification, request->customer_id(),
                    response);
  }());
}

grpc::ServerUnaryReactor* CustomerQueryService::SearchCustomers(
    grpc::CallbackServerContext* context,
    const v1::SearchCustomersRequest* request,
    v1::SearchCustomersResponse* response) {
  return Finish(context, "SearchCustomers", [&]() -> absl::Status {
    LEDGER_ASSIGN_OR_RETURN(const Principal principal,
                            auth_->Authorize(*context, kSearchCustomers));
    std::string owner = request->filter().owner_id();
    LEDGER_RETURN_IF_ERROR(
        auth_->ScopeOwnerFilter(principal, kSearchCustomers, &owner));
    if (owner == request->filter().owner_id()) {
      LEDGER_RETURN_IF_ERROR(
          internal::SearchCustomers(*log_, *request, response));
      return Disclose(principal, kSearchCustomers, "", response);
    }
    v1::SearchCustomersRequest scoped = *request;
    scoped.mutable_filter()->set_owner_id(owner);
    LEDGER_RETURN_IF_ERROR(internal::SearchCustomers(*log_, scoped, response));
    return Disclose(principal, kSearchCustomers, "", response);
  }());
}

grpc::ServerUnaryReactor* CustomerQueryService::ListDueFollowUps(
    grpc::CallbackServerContext* context,
    const v1::ListDueFollowUpsRequest* request,
    v1::ListDueFollowUpsResponse* response) {
  return Finish(context, "ListDueFollowUps", [&]() -> absl::Status {
    LEDGER_ASSIGN_OR_RETURN(const Principal principal,
                            auth_->Authorize(*context, kListDueFollowUps));
    std::string owner = request->owner_id();
    LEDGER_RETURN_IF_ERROR(
        auth_->ScopeOwnerFilter(principal, kListDueFollowUps, &owner));
    if (owner == request->owner_id()) {
      LEDGER_RETURN_IF_ERROR(
          internal::ListDueFollowUps(*log_, *request, due_policy_, response));
      return Disclose(principal, kListDueFollowUps, "", response);
    }
    v1::ListDueFollowUpsRequest scoped = *request;
    scoped.set_owner_id(owner);
    LEDGER_RETURN_IF_ERROR(
        internal::ListDueFollowUps(*log_, scoped, due_policy_, response));
    return Disclose(principal, kListDueFollowUps, "", response);
  }());
}

grpc::ServerUnaryReactor* CustomerQueryService::ListTransactions(
    grpc::CallbackServerContext* context,
    const v1::ListTransactionsRequest* request,
    v1::ListTransactionsResponse* response) {
  return Finish(context, "ListTransactions", [&]() -> absl::Status {
    LEDGER_ASSIGN_OR_RETURN(const Principal principal,
                            auth_->Authorize(*context, kListTransactions));
    LEDGER_RETURN_IF_ERROR(auth_->CheckCustomer(principal, kListTransactions,
                                                request->customer_id()));
    LEDGER_RETURN_IF_ERROR(
        internal::ListTransactions(*log_, *request, response));
    return Disclose(principal, kListTransactions, request->customer_id(),
                    response);
  }());
}

grpc::ServerUnaryReactor* CustomerQueryService::ListOpportunities(
    grpc::CallbackServerContext* context,
    const v1::ListOpportunitiesRequest* request,
    v1::ListOpportunitiesResponse* response) {
  return Finish(context, "ListOpportunities", [&]() -> absl::Status {
    LEDGER_ASSIGN_OR_RETURN(const Principal principal,
                            auth_->Authorize(*context, kListOpportunities));
    LEDGER_RETURN_IF_ERROR(auth_->CheckCustomer(principal, kListOpportunities,
                                                request->customer_id()));
    LEDGER_RETURN_IF_ERROR(
        internal::ListOpportunities(*log_, *request, response));
    return Disclose(principal, kListOpportunities, request->customer_id(),
                    response);
  }());
}

grpc::ServerUnaryReactor* CustomerQueryService::ListServiceCases(
    grpc::CallbackServerContext* context,
    const v1::ListServiceCasesRequest* request,
    v1::ListServiceCasesResponse* response) {
  return Finish(context, "ListServiceCases", [&]() -> absl::Status {
    LEDGER_ASSIGN_OR_RETURN(const Principal principal,
                            auth_->Authorize(*context, kListServiceCases));
    LEDGER_RETURN_IF_ERROR(auth_->CheckCustomer(principal, kListServiceCases,
                                                request->customer_id()));
    LEDGER_RETURN_IF_ERROR(
        internal::ListServiceCases(*log_, *request, response));
    return Disclose(principal, kListServiceCases, request->customer_id(),
                    response);
  }());
}

grpc::ServerUnaryReactor* CustomerQueryService::FindDuplicates(
    grpc::CallbackServerContext* context,
    const v1::FindDuplicatesRequest* request,
    v1::FindDuplicatesResponse* response) {
  return Finish(context, "FindDuplicates", [&]() -> absl::Status {
    LEDGER_ASSIGN_OR_RETURN(const Principal principal,
                            auth_->Authorize(*context, kFindDuplicates));
    if (!request->customer_id().empty()) {
      LEDGER_RETURN_IF_ERROR(auth_->CheckCustomer(principal, kFindDuplicates,
                                                  request->customer_id()));
    }
    LEDGER_RETURN_IF_ERROR(internal::FindDuplicates(*log_, *request, response));
    // Sales see only pairs of their own customers: a pair names the other
    // customer, which may be someone else's. Pages may then be short.
    auto* pairs = response->mutable_pairs();
    for (int i = pairs->size() - 1; i >= 0; --i) {
      LEDGER_ASSIGN_OR_RETURN(
          const bool first,
          auth_->MayAccessCustomer(principal, pairs->Get(i).customer_id()));
      LEDGER_ASSIGN_OR_RETURN(
          const bool second, auth_->MayAccessCustomer(
                                 principal, pairs->Get(i).other_customer_id()));
      if (!first || !second) pairs->DeleteSubrange(i, 1);
    }
    return Disclose(principal, kFindDuplicates, request->customer_id(),
                    response);
  }());
}

grpc::ServerUnaryReactor* CustomerQueryService::ListMemberCards(
    grpc::CallbackServerContext* context,
    const v1::ListMemberCardsRequest* request,
    v1::ListMemberCardsResponse* response) {
  const absl::CivilDay today =
      absl::ToCivilDay(absl::Now(), absl::LocalTimeZone());
  return Finish(context, "ListMemberCards", [&]() -> absl::Status {
    LEDGER_ASSIGN_OR_RETURN(const Principal principal,
                            auth_->Authorize(*context, kListMemberCards));
    LEDGER_RETURN_IF_ERROR(auth_->CheckCustomer(principal, kListMemberCards,
                                                request->customer_id()));
    LEDGER_RETURN_IF_ERROR(
        internal::ListMemberCards(*log_, *request, today, response));
    return Disclose(principal, kListMemberCards, request->customer_id(),
                    response);
  }());
}

}  // namespace ledger::services
