// The Disclosure layer end to end over a server with a tokens file: personal
// fields masked for principals without the personal-data grant, access-log
// records of what was shown (and why) and of refused calls, ListAccess
// ranges, paging and who may call it.

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "google/protobuf/util/time_util.h"
#include "ledger/v1/audit.grpc.pb.h"
#include "ledger/v1/customer.grpc.pb.h"
#include "services/access_log.h"
#include "tests/services/authorization_fixture.h"

namespace ledger::testing {
namespace {

namespace v1 = ::ledger::v1;
using google::protobuf::util::TimeUtil;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::StartsWith;

constexpr char kCustomer[] = "C-ZHANG";
constexpr char kGetProfile[] = "/ledger.v1.CustomerQuery/GetProfile";

class DisclosureTest : public AuthorizationFixture {
 protected:
  void SetUp() override {
    AuthorizationFixture::SetUp();
    if (HasFatalFailure()) return;
    query_ = v1::CustomerQuery::NewStub(channel());
    audit_ = v1::Audit::NewStub(channel());

    v1::AppendRequest request;
    request.set_customer_id(kCustomer);
    request.mutable_metadata()->set_reason("test");
    auto* registered =
        request.add_events()->mutable_payload()->mutable_customer_registered();
    registered->set_kind(v1::CUSTOMER_KIND_INDIVIDUAL);
    registered->set_owner_id("sales-wang");
    auto* profile = registered->mutable_profile();
    profile->set_name("张三");
    profile->add_phones("13812345678");
    profile->add_emails("zhangsan@example.com");
    profile->set_industry("制造业");
    auto* contact =
        request.add_events()->mutable_payload()->mutable_contact_logged();
    contact->set_channel(v1::CONTACT_CHANNEL_PHONE);
    contact->set_content("renewal discussed");
    auto* participant = contact->add_participants();
    participant->set_name("李四");
    participant->set_role(v1::CONTACT_ROLE_DECISION_MAKER);
    ASSERT_THAT(AppendAs(admin_, request), GrpcOk());
  }

  grpc::Status GetProfile(const TestToken& token, const std::string& customer,
                          v1::GetProfileResponse* response,
                          const Metadata& metadata = {}) {
    v1::GetProfileRequest request;
    request.set_customer_id(customer);
    return query_->GetProfile(ContextAs(token, metadata).get(), request,
                              response);
  }

  grpc::Status ListAccess(const TestToken& token,
                          const v1::ListAccessRequest& request,
                          v1::ListAccessResponse* response) {
    return audit_->ListAccess(ContextAs(token).get(), request, response);
  }

  // Every record of `request`'s subject (as the auditor), after the
  // access log wrote what the server queued.
  std::vector<v1::AccessRecord> AllAccess(v1::ListAccessRequest request) {
    EXPECT_TRUE(server().access_log()->Flush().ok());
    std::vector<v1::AccessRecord> records;
    for (int pages = 0; pages < 100; ++pages) {
      v1::ListAccessResponse response;
      const grpc::Status status = ListAccess(auditor_, request, &response);
      EXPECT_THAT(status, GrpcOk());
      if (!status.ok()) return records;
      records.insert(records.end(), response.records().begin(),
                     response.records().end());
      if (response.next_page_token().empty()) return records;
      request.set_page_token(response.next_page_token());
    }
    ADD_FAILURE() << "ListAccess never reached the last page";
    return records;
  }

  std::vector<v1::AccessRecord> AccessOfCustomer(const std::string& customer) {
    v1::ListAccessRequest request;
    request.set_customer_id(customer);
    return AllAccess(request);
  }

  std::unique_ptr<v1::CustomerQuery::Stub> query_;
  std::unique_ptr<v1::Audit::Stub> audit_;
};

TEST_F(DisclosureTest, AuditorReadsStreamWithPersonalFieldsMasked) {
  v1::ReadStreamRequest request;
  request.set_customer_id(kCustomer);
  v1::ReadStreamResponse response;
  ASSERT_THAT(stub().ReadStream(ContextAs(auditor_).get(), request, &response),
              GrpcOk());
  ASSERT_GE(response.events_size(), 2);
  const v1::ProfileFields& profile =
      response.events(0).payload().customer_registered().profile();
  EXPECT_EQ(profile.name(), "张*");
  EXPECT_THAT(profile.phones(), ElementsAre("138****5678"));
  EXPECT_THAT(profile.emails(), ElementsAre("z***@example.com"));
  EXPECT_EQ(profile.industry(), "制造业");  // not personal
  const v1::ContactLogged& contact =
      response.events(1).payload().contact_logged();
  ASSERT_EQ(contact.participants_size(), 1);
  EXPECT_EQ(contact.participants(0).name(), "李*");
  EXPECT_EQ(contact.content(), "renewal discussed");

  // A masked read shows no personal data: nothing of the auditor's is
  // recorded for the customer.
  for (const v1::AccessRecord& record : AccessOfCustomer(kCustomer)) {
    EXPECT_NE(record.principal(), "aud") << record.DebugString();
  }
}

TEST_F(DisclosureTest, ServiceWithoutGrantSeesMaskedProfileAndTimeline) {
  v1::GetProfileResponse masked;
  ASSERT_THAT(GetProfile(reader_, kCustomer, &masked), GrpcOk());
  EXPECT_EQ(masked.profile().profile().name(), "张*");
  EXPECT_THAT(masked.profile().profile().phones(), ElementsAre("138****5678"));
  EXPECT_THAT(masked.profile().profile().emails(),
              ElementsAre("z***@example.com"));
  EXPECT_EQ(masked.profile().profile().industry(), "制造业");

  v1::ListTimelineRequest timeline;
  timeline.set_customer_id(kCustomer);
  v1::ListTimelineResponse entries;
  ASSERT_THAT(
      query_->ListTimeline(ContextAs(reader_).get(), timeline, &entries),
      GrpcOk());
  ASSERT_EQ(entries.entries_size(), 1);
  ASSERT_EQ(entries.entries(0).participants_size(), 1);
  EXPECT_EQ(entries.entries(0).participants(0).name(), "李*");
  EXPECT_EQ(entries.entries(0).contact_person(), "李*");

  for (const v1::AccessRecord& record : AccessOfCustomer(kCustomer)) {
    EXPECT_NE(record.principal(), "reporting") << record.DebugString();
  }
}

TEST_F(DisclosureTest, AdminAndManagerSeePlaintext) {
  for (const TestToken* token : {&admin_, &manager_}) {
    SCOPED_TRACE(token->id);
    v1::GetProfileResponse plain;
    ASSERT_THAT(GetProfile(*token, kCustomer, &plain), GrpcOk());
    EXPECT_EQ(plain.profile().profile().name(), "张三");
    EXPECT_THAT(plain.profile().profile().phones(), ElementsAre("13812345678"));
    EXPECT_THAT(plain.profile().profile().emails(),
                ElementsAre("zhangsan@example.com"));

    v1::ListTimelineRequest timeline;
    timeline.set_customer_id(kCustomer);
    v1::ListTimelineResponse entries;
    ASSERT_THAT(
        query_->ListTimeline(ContextAs(*token).get(), timeline, &entries),
        GrpcOk());
    ASSERT_EQ(entries.entries_size(), 1);
    ASSERT_EQ(entries.entries(0).participants_size(), 1);
    EXPECT_EQ(entries.entries(0).participants(0).name(), "李四");
  }
}

TEST_F(DisclosureTest, UnmaskedReadIsRecordedWithFieldsAndPurpose) {
  v1::GetProfileResponse plain;
  ASSERT_THAT(GetProfile(admin_, kCustomer, &plain,
                         {{"x-ledger-purpose", "renewal call"}}),
              GrpcOk());
  v1::GetProfileResponse masked;
  ASSERT_THAT(GetProfile(reader_, kCustomer, &masked), GrpcOk());

  const std::vector<v1::AccessRecord> records = AccessOfCustomer(kCustomer);
  ASSERT_EQ(records.size(), 1u) << "only the unmasked read shows data";
  const v1::AccessRecord& record = records[0];
  EXPECT_EQ(record.principal(), "root");
  EXPECT_EQ(record.role(), "admin");
  EXPECT_EQ(record.customer_id(), kCustomer);
  EXPECT_EQ(record.rpc(), kGetProfile);
  EXPECT_THAT(record.fields(), Contains("profile.phones"));
  EXPECT_THAT(record.fields(), Contains("profile.name"));
  EXPECT_THAT(record.fields(), Contains("profile.emails"));
  EXPECT_EQ(record.purpose(), "renewal call");
  EXPECT_FALSE(record.denied());
  EXPECT_TRUE(record.status().empty());
  EXPECT_GT(record.sequence(), 0u);
  EXPECT_EQ(record.hash().size(), 32u);
}

TEST_F(DisclosureTest, SalesDenialIsRecordedAndAppendsNothing) {
  const uint64_t head = Head();
  v1::GetProfileResponse response;
  const grpc::Status status = GetProfile(sales_, kCustomer, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED)
      << status.error_message();
  EXPECT_FALSE(response.has_profile());
  EXPECT_EQ(Head(), head);

  v1::ListAccessRequest request;
  request.set_principal("li");
  request.set_denied_only(true);
  const std::vector<v1::AccessRecord> records = AllAccess(request);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_TRUE(records[0].denied());
  EXPECT_EQ(records[0].customer_id(), kCustomer);
  EXPECT_EQ(records[0].rpc(), kGetProfile);
  EXPECT_EQ(records[0].role(), "sales");
  EXPECT_THAT(records[0].status(), StartsWith("PERMISSION_DENIED"));
  EXPECT_THAT(records[0].fields(), IsEmpty());

  // The denial is listed under the customer too.
  bool by_customer = false;
  for (const v1::AccessRecord& record : AccessOfCustomer(kCustomer)) {
    by_customer |= record.denied() && record.principal() == "li";
  }
  EXPECT_TRUE(by_customer);
}

TEST_F(DisclosureTest, UnknownTokenDenialIsRecordedAndAppendsNothing) {
  const uint64_t head = Head();
  const TestToken unknown =
      MakeToken("lt_unknown00001", "nobody", "admin");  // not in the file
  v1::GetProfileResponse response;
  const grpc::Status status = GetProfile(unknown, kCustomer, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED)
      << status.error_message();
  EXPECT_FALSE(response.has_profile());
  EXPECT_EQ(Head(), head);

  // Refused before the request is read: the record names no principal
  // (and no customer); an auditor lists it under the empty principal.
  v1::ListAccessRequest request;
  request.set_principal("");
  request.set_denied_only(true);
  const std::vector<v1::AccessRecord> records = AllAccess(request);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_TRUE(records[0].denied());
  EXPECT_EQ(records[0].principal(), "");
  EXPECT_EQ(records[0].rpc(), kGetProfile);
  EXPECT_THAT(records[0].status(), StartsWith("UNAUTHENTICATED"));
  EXPECT_THAT(records[0].fields(), IsEmpty());
}

TEST_F(DisclosureTest, ListAccessByPrincipalRangeAndPagesCoverEachOnce) {
  v1::GetProfileResponse response;
  for (int i = 0; i < 2; ++i) {  // before the range
    ASSERT_THAT(GetProfile(manager_, kCustomer, &response), GrpcOk());
  }
  const absl::Time from = absl::Now();
  for (int i = 0; i < 12; ++i) {
    ASSERT_THAT(GetProfile(manager_, kCustomer, &response,
                           {{"x-ledger-purpose", absl::StrCat("read-", i)}}),
                GrpcOk());
  }
  const absl::Time to = absl::Now();
  for (int i = 0; i < 2; ++i) {  // after the range
    ASSERT_THAT(GetProfile(manager_, kCustomer, &response), GrpcOk());
  }
  ASSERT_TRUE(server().access_log()->Flush().ok());

  v1::ListAccessRequest request;
  request.set_principal("mgr");
  *request.mutable_from() =
      TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(from));
  *request.mutable_to() =
      TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(to));
  request.set_page_size(5);
  std::vector<std::string> purposes;
  std::set<uint64_t> sequences;
  int pages = 0;
  for (; pages < 10; ++pages) {
    v1::ListAccessResponse page;
    ASSERT_THAT(ListAccess(auditor_, request, &page), GrpcOk());
    EXPECT_LE(page.records_size(), 5);
    for (const v1::AccessRecord& record : page.records()) {
      purposes.push_back(record.purpose());
      EXPECT_TRUE(sequences.insert(record.sequence()).second)
          << "listed twice: " << record.sequence();
      EXPECT_EQ(record.principal(), "mgr");
    }
    if (page.next_page_token().empty()) break;
    request.set_page_token(page.next_page_token());
  }
  EXPECT_EQ(pages, 2) << "12 records in pages of 5";
  ASSERT_EQ(purposes.size(), 12u);
  for (int i = 0; i < 12; ++i) EXPECT_EQ(purposes[i], absl::StrCat("read-", i));
}

TEST_F(DisclosureTest, ListAccessIsRefusedToSalesAndManager) {
  v1::ListAccessRequest request;
  request.set_customer_id(kCustomer);
  for (const TestToken* token : {&sales_, &manager_}) {
    v1::ListAccessResponse response;
    const grpc::Status status = ListAccess(*token, request, &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED)
        << token->id << ": " << status.error_message();
    EXPECT_EQ(response.records_size(), 0);
  }
  v1::ListAccessResponse allowed;
  EXPECT_THAT(ListAccess(auditor_, request, &allowed), GrpcOk());
  EXPECT_THAT(ListAccess(admin_, request, &allowed), GrpcOk());
}

}  // namespace
}  // namespace ledger::testing
