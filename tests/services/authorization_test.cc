// Access control end to end: every role against every RPC of the ledger.v1
// descriptors over real gRPC calls with tokens, the customer scope of
// sales, actors and on_behalf_of, and how tokens fail.

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/dynamic_message.h"
#include "google/protobuf/util/json_util.h"
#include "ledger/v1/admin.grpc.pb.h"
#include "ledger/v1/audit.grpc.pb.h"
#include "ledger/v1/integrity.grpc.pb.h"
#include "ledger/v1/reports.grpc.pb.h"
#include "ledger/v1/rules.grpc.pb.h"
#include "services/internal/permissions.h"
#include "tests/services/authorization_fixture.h"

namespace ledger::testing {
namespace {

namespace v1 = ::ledger::v1;
using services::Role;
using services::internal::Access;
using services::internal::AccessFor;
using ::testing::HasSubstr;
using ::testing::Not;

// The proto files whose services the table must cover (through a message
// of each, which also links the file's descriptor into the binary).
std::vector<const google::protobuf::FileDescriptor*> ProtoFiles() {
  return {v1::AppendRequest::descriptor()->file(),
          v1::GetProfileRequest::descriptor()->file(),
          v1::RebuildProjectionsRequest::descriptor()->file(),
          v1::SaveRuleRequest::descriptor()->file(),
          v1::CustomerBreakdownRequest::descriptor()->file(),
          v1::GetDigestRequest::descriptor()->file(),
          v1::GetFieldHistoryRequest::descriptor()->file()};
}

// Services in the contract that this server does not register yet (their
// handlers come with other parts of issue 5). When one is served, remove it
// here: its permissions are then checked like all others.
const std::set<std::string> kNotYetServed = {};

// A request for each RPC that the roles allowed to call it may make
// without PERMISSION_DENIED: sales-scoped ones name C-LI (sales-li's).
// Appends are validate_only where possible, so the store stays as seeded.
std::string RequestJson(const std::string& method) {
  static const auto* kJson = new std::map<std::string, std::string>{
      {"/ledger.v1.Ledger/Append",
       R"({"customerId": "C-LI", "validateOnly": true, "events": [{"payload":
           {"contactLogged": {"channel": "CONTACT_CHANNEL_PHONE",
                              "content": "table test"}}}]})"},
      {"/ledger.v1.Ledger/MergeCustomers",
       R"({"survivorId": "C-LI", "mergedId": "C-LI2", "validateOnly": true})"},
      {"/ledger.v1.Ledger/ReadStream", R"({"customerId": "C-LI"})"},
      {"/ledger.v1.CustomerQuery/GetProfile", R"({"customerId": "C-LI"})"},
      {"/ledger.v1.CustomerQuery/ListTimeline", R"({"customerId": "C-LI"})"},
      {"/ledger.v1.CustomerQuery/GetClassification",
       R"({"customerId": "C-LI"})"},
      {"/ledger.v1.CustomerQuery/ListTransactions",
       R"({"customerId": "C-LI"})"},
      {"/ledger.v1.CustomerQuery/ListOpportunities",
       R"({"customerId": "C-LI"})"},
      {"/ledger.v1.CustomerQuery/ListServiceCases",
       R"({"customerId": "C-LI"})"},
      {"/ledger.v1.CustomerQuery/ListMemberCards", R"({"customerId": "C-LI"})"},
      {"/ledger.v1.CustomerQuery/ListDueFollowUps",
       R"({"asOf": {"year": 2026, "month": 1, "day": 1}})"},
      {"/ledger.v1.ClassificationRules/SaveRule",
       R"({"rule": {"ruleId": "auth-table", "priority": 1, "tag": "t",
           "allOf": [{"metric": "RULE_METRIC_PURCHASE_COUNT",
                      "comparison": "COMPARISON_GE", "value": 1}]}})"},
      {"/ledger.v1.ClassificationRules/RemoveRule",
       R"({"ruleId": "no-such-rule"})"},
      {"/ledger.v1.ClassificationRules/EvaluateRules", R"({"dryRun": true})"},
      {"/ledger.v1.Audit/GetFieldHistory",
       R"({"customerId": "C-LI", "fieldPath": "profile.phones"})"},
      {"/ledger.v1.Audit/ListAccess", R"({"customerId": "C-LI"})"},
  };
  auto it = kJson->find(method);
  return it == kJson->end() ? "{}" : it->second;
}

// The policy (README, "Who may do what"), written out independently of
// services/internal/permissions.cc: per RPC, the access of admin, manager,
// sales, service and auditor. Y allowed, N denied, O sales' own customers,
// S sales' own changes, W service with write grant.
const std::map<std::string, std::string>& Policy() {
  static const auto* kPolicy = new std::map<std::string, std::string>{
      {"/ledger.v1.Ledger/Append", "YYOWN"},
      {"/ledger.v1.Ledger/MergeCustomers", "YYOWN"},
      {"/ledger.v1.Ledger/ReadStream", "YYOYY"},
      {"/ledger.v1.Ledger/ReadAll", "YYNYY"},
      {"/ledger.v1.Ledger/Subscribe", "YYNYY"},
      {"/ledger.v1.Ledger/GetInfo", "YYYYY"},
      {"/ledger.v1.Ledger/ForgetCustomer", "YNNNN"},
      {"/ledger.v1.Admin/RebuildProjections", "YNNNN"},
      {"/ledger.v1.Admin/CancelRebuildProjections", "YNNNN"},
      {"/ledger.v1.Admin/RotateMasterKey", "YNNNN"},
      {"/ledger.v1.CustomerQuery/GetProfile", "YYOYN"},
      {"/ledger.v1.CustomerQuery/ListTimeline", "YYOYN"},
      {"/ledger.v1.CustomerQuery/GetClassification", "YYOYY"},
      {"/ledger.v1.CustomerQuery/SearchCustomers", "YYOYN"},
      {"/ledger.v1.CustomerQuery/ListDueFollowUps", "YYOYN"},
      {"/ledger.v1.CustomerQuery/ListTransactions", "YYOYN"},
      {"/ledger.v1.CustomerQuery/ListOpportunities", "YYOYN"},
      {"/ledger.v1.CustomerQuery/ListServiceCases", "YYOYN"},
      {"/ledger.v1.CustomerQuery/ListMemberCards", "YYOYN"},
      {"/ledger.v1.CustomerQuery/FindDuplicates", "YYOYN"},
      {"/ledger.v1.ClassificationRules/SaveRule", "YYNNN"},
      {"/ledger.v1.ClassificationRules/RemoveRule", "YYNNN"},
      {"/ledger.v1.ClassificationRules/ListRules", "YYYYY"},
      {"/ledger.v1.ClassificationRules/EvaluateRules", "YYNNN"},
      {"/ledger.v1.Reports/CustomerBreakdown", "YYNYN"},
      {"/ledger.v1.Reports/NewCustomers", "YYNYN"},
      {"/ledger.v1.Reports/Satisfaction", "YYNYN"},
      {"/ledger.v1.Reports/OpportunityConversion", "YYNYN"},
      {"/ledger.v1.Reports/ChurnedCustomers", "YYNYN"},
      {"/ledger.v1.Integrity/GetDigest", "YYYYY"},
      {"/ledger.v1.Integrity/GetInclusionProof", "YYYYY"},
      {"/ledger.v1.Integrity/GetConsistencyProof", "YYYYY"},
      {"/ledger.v1.Audit/GetFieldHistory", "YYOYY"},
      {"/ledger.v1.Audit/ListChangesByActor", "YYSYY"},
      {"/ledger.v1.Audit/ListAccess", "YNNNY"},
  };
  return *kPolicy;
}

Access AccessOf(char code) {
  switch (code) {
    case 'Y':
      return Access::kAllowed;
    case 'O':
      return Access::kOwnCustomers;
    case 'S':
      return Access::kSelf;
    case 'W':
      return Access::kWithWriteGrant;
    default:
      return Access::kDenied;
  }
}

struct Caller {
  const char* label;
  Role role;
  bool may_write;
  const TestToken* token;
};

class AuthorizationTest : public AuthorizationFixture {
 protected:
  // Subscribes with `token` (none: null); OK when the first message
  // arrives (the stream is then cancelled), else the stream's status.
  grpc::Status SubscribeWith(const TestToken* token,
                             const v1::SubscribeRequest& request) {
    auto context = token != nullptr ? ContextAs(*token) : Context();
    auto reader = stub().Subscribe(context.get(), request);
    v1::SubscribeResponse first;
    if (!reader->Read(&first)) return reader->Finish();
    context->TryCancel();
    while (reader->Read(&first)) {
    }
    reader->Finish();
    return grpc::Status::OK;
  }
};

TEST_F(AuthorizationTest, EveryRoleAgainstEveryRpc) {
  const std::vector<Caller> callers = {
      {"admin", Role::kAdmin, true, &admin_},
      {"manager", Role::kManager, false, &manager_},
      {"sales", Role::kSales, false, &sales_},
      {"service with write", Role::kService, true, &writer_},
      {"service read-only", Role::kService, false, &reader_},
      {"auditor", Role::kAuditor, false, &auditor_},
      {"nobody (no token)", Role::kAdmin, false, nullptr},
  };
  google::protobuf::MessageFactory* factory =
      google::protobuf::MessageFactory::generated_factory();
  int methods = 0;
  for (const google::protobuf::FileDescriptor* file : ProtoFiles()) {
    for (int s = 0; s < file->service_count(); ++s) {
      const google::protobuf::ServiceDescriptor* service = file->service(s);
      for (int m = 0; m < service->method_count(); ++m) {
        const google::protobuf::MethodDescriptor* rpc = service->method(m);
        const std::string method =
            absl::StrCat("/", service->full_name(), "/", rpc->name());
        ++methods;
        std::unique_ptr<google::protobuf::Message> request(
            factory->GetPrototype(rpc->input_type())->New());
        ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(
                        RequestJson(method), request.get())
                        .ok())
            << method;
        for (const Caller& caller : callers) {
          SCOPED_TRACE(absl::StrCat(caller.label, " calls ", method));
          if (caller.token == nullptr) {
            // Every handler authenticates before anything else.
            const grpc::Status status =
                rpc->server_streaming()
                    ? SubscribeWith(
                          nullptr,
                          static_cast<const v1::SubscribeRequest&>(*request))
                    : CallGeneric(nullptr, method, *request);
            EXPECT_EQ(status.error_code(),
                      kNotYetServed.count(service->full_name()) > 0
                          ? grpc::StatusCode::UNIMPLEMENTED
                          : grpc::StatusCode::UNAUTHENTICATED)
                << status.error_message();
            continue;
          }
          const std::optional<Access> access = AccessFor(method, caller.role);
          ASSERT_TRUE(access.has_value())
              << method << " has no entry in services/internal/permissions.cc";
          ASSERT_EQ(Policy().count(method), 1u)
              << method << " has no entry in this test's Policy()";
          const Access expected =
              AccessOf(Policy().at(method)[static_cast<int>(caller.role)]);
          EXPECT_EQ(*access, expected)
              << "permissions.cc disagrees with the policy";
          const bool allowed =
              expected != Access::kDenied &&
              (expected != Access::kWithWriteGrant || caller.may_write);
          const uint64_t head = Head();
          const grpc::Status status =
              rpc->server_streaming()
                  ? SubscribeWith(
                        caller.token,
                        static_cast<const v1::SubscribeRequest&>(*request))
                  : CallGeneric(caller.token, method, *request);
          if (kNotYetServed.count(service->full_name()) > 0) {
            EXPECT_EQ(status.error_code(), grpc::StatusCode::UNIMPLEMENTED)
                << service->full_name()
                << " is served now: remove it from kNotYetServed";
            continue;
          }
          if (allowed) {
            EXPECT_NE(status.error_code(), grpc::StatusCode::PERMISSION_DENIED)
                << status.error_message();
            EXPECT_NE(status.error_code(), grpc::StatusCode::UNAUTHENTICATED)
                << status.error_message();
          } else {
            EXPECT_THAT(
                status,
                GrpcStatusIs(
                    grpc::StatusCode::PERMISSION_DENIED,
                    HasSubstr(std::string(services::RoleName(caller.role)))));
            EXPECT_EQ(Head(), head) << "a denied call appended";
          }
        }
      }
    }
  }
  EXPECT_GE(methods, 33);
}

TEST_F(AuthorizationTest, PlannedRpcsAreAdminOnly) {
  // The policy and the table list the same methods.
  for (const std::string& method : services::internal::PermissionMethods()) {
    EXPECT_EQ(Policy().count(method), 1u) << method;
  }
  EXPECT_EQ(Policy().size(), services::internal::PermissionMethods().size());
  for (const char* method : {"/ledger.v1.Ledger/ForgetCustomer",
                             "/ledger.v1.Admin/RotateMasterKey"}) {
    for (Role role : {Role::kAdmin, Role::kManager, Role::kSales,
                      Role::kService, Role::kAuditor}) {
      const std::optional<Access> access = AccessFor(method, role);
      ASSERT_TRUE(access.has_value()) << method;
      EXPECT_EQ(*access,
                role == Role::kAdmin ? Access::kAllowed : Access::kDenied)
          << method << " for " << services::RoleName(role);
    }
  }
  EXPECT_FALSE(AccessFor("/ledger.v1.Ledger/NoSuchRpc", Role::kAdmin));
}

TEST_F(AuthorizationTest, CallsWithoutValidTokenAreUnauthenticated) {
  struct Case {
    const char* what;
    std::string header;  // "" = no authorization metadata
    const char* message;
  };
  const std::vector<Case> cases = {
      {"no token", "", "no credentials"},
      {"not bearer", "Basic dXNlcjpwYXNz", "Bearer"},
      {"malformed", "Bearer no-dot-in-it", "malformed bearer token"},
      {"unknown id", "Bearer lt_nobody000001.secret", "unknown token id"},
      {"wrong secret", absl::StrCat("Bearer ", admin_.id, ".wrong"),
       "does not match"},
      {"revoked", absl::StrCat("Bearer ", revoked_.token), "revoked"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::seconds(10));
    if (!c.header.empty()) context.AddMetadata("authorization", c.header);
    const uint64_t head = Head();
    v1::AppendResponse response;
    v1::AppendRequest request = ContactRequest("C-LI");
    request.mutable_metadata()->clear_actor();
    EXPECT_THAT(
        stub().Append(&context, request, &response),
        GrpcStatusIs(grpc::StatusCode::UNAUTHENTICATED, HasSubstr(c.message)));
    EXPECT_EQ(Head(), head);
  }
  // The secret is never echoed back.
  grpc::ClientContext context;
  context.AddMetadata("authorization",
                      absl::StrCat("Bearer ", admin_.id, ".guessed-secret"));
  v1::GetInfoResponse info;
  const grpc::Status status = stub().GetInfo(&context, {}, &info);
  EXPECT_THAT(status.error_message(), Not(HasSubstr("guessed-secret")));
  // Every one was reported as a denial.
  int unauthenticated = 0;
  for (const Denial& d : denials()) {
    if (d.code == absl::StatusCode::kUnauthenticated) ++unauthenticated;
  }
  EXPECT_EQ(unauthenticated, 7);
}

TEST_F(AuthorizationTest, ActorIsTheAuthenticatedPrincipal) {
  v1::AppendRequest request = ContactRequest("C-LI", "spoof attempt");
  request.mutable_metadata()->set_actor("somebody-else");
  const uint64_t head = Head();
  EXPECT_THAT(AppendAs(manager_, request),
              GrpcStatusIs(grpc::StatusCode::PERMISSION_DENIED,
                           HasSubstr("metadata.actor 'somebody-else' is not "
                                     "the authenticated principal 'mgr'")));
  EXPECT_EQ(Head(), head);

  request.mutable_metadata()->clear_actor();  // filled by the server
  v1::AppendResponse response;
  ASSERT_THAT(AppendAs(manager_, request, {}, &response), GrpcOk());
  request.mutable_metadata()->set_actor("mgr");  // its own name: fine
  request.clear_request_id();
  ASSERT_THAT(AppendAs(manager_, request), GrpcOk());
  v1::ReadStreamRequest read;
  read.set_customer_id("C-LI");
  v1::ReadStreamResponse events;
  ASSERT_THAT(stub().ReadStream(ContextAs(admin_).get(), read, &events),
              GrpcOk());
  ASSERT_EQ(events.events_size(), 3);
  EXPECT_EQ(events.events(0).metadata().actor(), "root");
  EXPECT_EQ(events.events(1).metadata().actor(), "mgr");
  EXPECT_EQ(events.events(2).metadata().actor(), "mgr");

  // MergeCustomers and the rules service settle the actor the same way.
  v1::MergeCustomersRequest merge;
  merge.set_survivor_id("C-LI");
  merge.set_merged_id("C-LI2");
  merge.set_validate_only(true);
  merge.mutable_metadata()->set_actor("root");
  EXPECT_THAT(
      stub().MergeCustomers(ContextAs(manager_).get(), merge, &response),
      GrpcStatusIs(grpc::StatusCode::PERMISSION_DENIED,
                   HasSubstr("not the authenticated principal")));
  auto rules = v1::ClassificationRules::NewStub(channel());
  v1::RemoveRuleRequest remove;
  remove.set_rule_id("rfm-low");
  remove.mutable_metadata()->set_actor("root");
  v1::RemoveRuleResponse removed;
  EXPECT_THAT(rules->RemoveRule(ContextAs(manager_).get(), remove, &removed),
              GrpcStatusIs(grpc::StatusCode::PERMISSION_DENIED,
                           HasSubstr("not the authenticated principal")));
}

TEST_F(AuthorizationTest, ServiceOnBehalfOfIsRecorded) {
  v1::AppendRequest request = ContactRequest("C-OTHER", "for an end user");
  request.mutable_metadata()->clear_actor();
  ASSERT_THAT(
      AppendAs(writer_, request, {{"x-ledger-on-behalf-of", "end-user-7"}}),
      GrpcOk());
  request.clear_request_id();
  request.mutable_metadata()->set_on_behalf_of("end-user-8");
  ASSERT_THAT(AppendAs(writer_, request), GrpcOk());
  // Both ways at once must agree.
  EXPECT_THAT(
      AppendAs(writer_, request, {{"x-ledger-on-behalf-of", "end-user-9"}}),
      GrpcStatusIs(grpc::StatusCode::INVALID_ARGUMENT,
                   HasSubstr("x-ledger-on-behalf-of")));
  v1::ReadStreamRequest read;
  read.set_customer_id("C-OTHER");
  v1::ReadStreamResponse events;
  ASSERT_THAT(stub().ReadStream(ContextAs(reader_).get(), read, &events),
              GrpcOk());
  ASSERT_EQ(events.events_size(), 3);
  EXPECT_EQ(events.events(1).metadata().actor(), "billing");
  EXPECT_EQ(events.events(1).metadata().on_behalf_of(), "end-user-7");
  EXPECT_EQ(events.events(2).metadata().on_behalf_of(), "end-user-8");

  // A service without the write grant may not append at all.
  request.mutable_metadata()->clear_on_behalf_of();
  EXPECT_THAT(AppendAs(reader_, request),
              GrpcStatusIs(grpc::StatusCode::PERMISSION_DENIED,
                           HasSubstr("no write grant")));
}

TEST_F(AuthorizationTest, OnlyServicesMayActOnBehalfOfSomeone) {
  v1::AppendRequest request = ContactRequest("C-LI");
  request.mutable_metadata()->clear_actor();
  const uint64_t head = Head();
  EXPECT_THAT(AppendAs(manager_, request, {{"x-ledger-on-behalf-of", "x"}}),
              GrpcStatusIs(grpc::StatusCode::PERMISSION_DENIED,
                           HasSubstr("only role service")));
  request.mutable_metadata()->set_on_behalf_of("x");
  EXPECT_THAT(AppendAs(admin_, request),
              GrpcStatusIs(grpc::StatusCode::PERMISSION_DENIED,
                           HasSubstr("only role service")));
  EXPECT_EQ(Head(), head);
  // Reads with the header are refused too: the access log would record a
  // false end user.
  v1::GetInfoResponse info;
  EXPECT_THAT(stub().GetInfo(
                  ContextAs(auditor_, {{"x-ledger-on-behalf-of", "x"}}).get(),
                  {}, &info),
              GrpcStatusIs(grpc::StatusCode::PERMISSION_DENIED));
}

TEST_F(AuthorizationTest, SalesSeeAndChangeOnlyTheirOwnCustomers) {
  auto query = v1::CustomerQuery::NewStub(channel());
  v1::GetProfileRequest get;
  v1::GetProfileResponse profile;
  get.set_customer_id("C-LI");
  EXPECT_THAT(query->GetProfile(ContextAs(sales_).get(), get, &profile),
              GrpcOk());
  for (const char* other : {"C-OTHER", "C-NOBODY"}) {
    SCOPED_TRACE(other);
    get.set_customer_id(other);
    const grpc::Status status =
        query->GetProfile(ContextAs(sales_).get(), get, &profile);
    EXPECT_THAT(status, GrpcStatusIs(grpc::StatusCode::PERMISSION_DENIED,
                                     HasSubstr(other)));
    // Says nothing about the customer (not even whose it is, or whether it
    // exists).
    EXPECT_THAT(status.error_message(), Not(HasSubstr("sales-wang")));
    EXPECT_THAT(status.error_message(), Not(HasSubstr("not found")));
  }
  v1::ReadStreamRequest read;
  read.set_customer_id("C-OTHER");
  v1::ReadStreamResponse events;
  EXPECT_THAT(stub().ReadStream(ContextAs(sales_).get(), read, &events),
              GrpcStatusIs(grpc::StatusCode::PERMISSION_DENIED));

  // Search is forced to their own customers; another owner is refused.
  v1::SearchCustomersRequest search;
  v1::SearchCustomersResponse found;
  ASSERT_THAT(query->SearchCustomers(ContextAs(sales_).get(), search, &found),
              GrpcOk());
  std::vector<std::string> ids;
  for (const auto& c : found.customers()) ids.push_back(c.customer_id());
  EXPECT_THAT(ids, ::testing::ElementsAre("C-LI", "C-LI2"));
  EXPECT_EQ(found.total_count(), 2u);
  search.mutable_filter()->set_owner_id("sales-wang");
  EXPECT_THAT(query->SearchCustomers(ContextAs(sales_).get(), search, &found),
              GrpcStatusIs(grpc::StatusCode::PERMISSION_DENIED));
  ASSERT_THAT(query->SearchCustomers(ContextAs(manager_).get(), search, &found),
              GrpcOk());
  EXPECT_EQ(found.total_count(), 1u);

  // Writes: not to another owner's customer, registrations name them as
  // owner, and no handing a customer to someone else.
  const uint64_t head = Head();
  v1::AppendRequest contact = ContactRequest("C-OTHER");
  contact.mutable_metadata()->clear_actor();
  EXPECT_THAT(
      AppendAs(sales_, contact),
      GrpcStatusIs(grpc::StatusCode::PERMISSION_DENIED, HasSubstr("C-OTHER")));
  v1::AppendRequest registration = RegisterRequest("C-NEW");
  registration.mutable_metadata()->clear_actor();
  auto* registered = registration.mutable_events(0)
                         ->mutable_payload()
                         ->mutable_customer_registered();
  registered->set_owner_id("sales-wang");
  EXPECT_THAT(AppendAs(sales_, registration),
              GrpcStatusIs(grpc::StatusCode::PERMISSION_DENIED,
                           HasSubstr("set owner_id to sales-li")));
  v1::AppendRequest handover;
  handover.set_customer_id("C-LI");
  handover.add_events()
      ->mutable_payload()
      ->mutable_owner_assigned()
      ->set_owner_id("sales-wang");
  EXPECT_THAT(AppendAs(sales_, handover),
              GrpcStatusIs(grpc::StatusCode::PERMISSION_DENIED,
                           HasSubstr("another owner")));
  v1::MergeCustomersRequest merge;
  merge.set_survivor_id("C-LI");
  merge.set_merged_id("C-OTHER");
  v1::AppendResponse response;
  EXPECT_THAT(
      stub().MergeCustomers(ContextAs(sales_).get(), merge, &response),
      GrpcStatusIs(grpc::StatusCode::PERMISSION_DENIED, HasSubstr("C-OTHER")));
  EXPECT_EQ(Head(), head);

  registered->set_owner_id("sales-li");
  EXPECT_THAT(AppendAs(sales_, registration), GrpcOk());
  get.set_customer_id("C-NEW");
  ASSERT_THAT(query->GetProfile(ContextAs(sales_).get(), get, &profile),
              GrpcOk());
  EXPECT_EQ(profile.profile().owner_id(), "sales-li");

  // The customer-scoped denials reached the sink with the customer.
  bool saw_scoped = false;
  for (const Denial& d : denials()) {
    if (d.principal == "li" && d.customer_id == "C-OTHER" &&
        d.method == "/ledger.v1.CustomerQuery/GetProfile" &&
        d.code == absl::StatusCode::kPermissionDenied) {
      saw_scoped = true;
    }
  }
  EXPECT_TRUE(saw_scoped);
}

TEST_F(AuthorizationTest, SalesDuplicatesShowOnlyTheirOwnPairs) {
  // Same phone on a customer of sales-li and one of sales-wang, and on two
  // of sales-li's.
  for (const auto& [id, owner] :
       {std::pair<std::string, std::string>{"D-LI-1", "sales-li"},
        {"D-LI-2", "sales-li"},
        {"D-WANG", "sales-wang"}}) {
    v1::AppendRequest request = RegisterRequest(id, "Dup " + id);
    request.mutable_metadata()->clear_actor();
    auto* registered = request.mutable_events(0)
                           ->mutable_payload()
                           ->mutable_customer_registered();
    registered->set_owner_id(owner);
    registered->mutable_profile()->add_phones("13800138000");
    ASSERT_THAT(AppendAs(admin_, request), GrpcOk());
  }
  auto query = v1::CustomerQuery::NewStub(channel());
  v1::FindDuplicatesRequest request;
  v1::FindDuplicatesResponse response;
  ASSERT_THAT(
      query->FindDuplicates(ContextAs(manager_).get(), request, &response),
      GrpcOk());
  EXPECT_EQ(response.pairs_size(), 3);
  ASSERT_THAT(
      query->FindDuplicates(ContextAs(sales_).get(), request, &response),
      GrpcOk());
  ASSERT_EQ(response.pairs_size(), 1);
  EXPECT_EQ(response.pairs(0).customer_id(), "D-LI-1");
  EXPECT_EQ(response.pairs(0).other_customer_id(), "D-LI-2");
  request.set_customer_id("D-WANG");
  EXPECT_THAT(
      query->FindDuplicates(ContextAs(sales_).get(), request, &response),
      GrpcStatusIs(grpc::StatusCode::PERMISSION_DENIED));
}

TEST_F(AuthorizationTest, TokensFileChangesApplyWithoutRestart) {
  TestToken added = MakeToken("lt_added0000001", "newbie", "auditor");
  v1::GetInfoResponse info;
  EXPECT_THAT(stub().GetInfo(ContextAs(added).get(), {}, &info),
              GrpcStatusIs(grpc::StatusCode::UNAUTHENTICATED));
  std::string text;
  for (const TestToken* t : {&admin_, &manager_, &added}) {
    text += t->line + "\n";
  }
  WriteFileWithMode(tokens_path_, text);
  // An unknown id re-reads the file at once.
  EXPECT_THAT(stub().GetInfo(ContextAs(added).get(), {}, &info), GrpcOk());

  // A malformed file is not taken: the entries read before stay.
  WriteFileWithMode(tokens_path_, text + "token_id=broken role=admin\n");
  absl::SleepFor(absl::Milliseconds(1100));
  EXPECT_THAT(stub().GetInfo(ContextAs(added).get(), {}, &info), GrpcOk());

  // Revocation applies within the check interval (one second).
  WriteFileWithMode(tokens_path_,
                    absl::StrCat(admin_.line, "\n", added.line,
                                 " revoked_at=2026-11-25T10:00:00Z\n"));
  absl::SleepFor(absl::Milliseconds(1100));
  EXPECT_THAT(
      stub().GetInfo(ContextAs(added).get(), {}, &info),
      GrpcStatusIs(grpc::StatusCode::UNAUTHENTICATED, HasSubstr("revoked")));
  EXPECT_THAT(stub().GetInfo(ContextAs(manager_).get(), {}, &info),
              GrpcStatusIs(grpc::StatusCode::UNAUTHENTICATED));
}

}  // namespace
}  // namespace ledger::testing
