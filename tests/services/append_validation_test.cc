// Bad input to Append, ReadStream and ReadAll: the right status code, a
// message naming the offending field, and nothing appended.

#include <cstdint>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ledger/v1/ledger.grpc.pb.h"
#include "tests/services/service_test_util.h"

namespace ledger::testing {
namespace {

namespace v1 = ::ledger::v1;
using ::testing::AllOf;
using ::testing::HasSubstr;
using Code = ::grpc::StatusCode;

class AppendValidationTest : public LedgerTestBase {
 protected:
  void SetUp() override {
    LedgerTestBase::SetUp();
    AppendOk(RegisterRequest("existing"));  // at version 1
  }

  // A well-formed ProfileUpdated append to "existing" changing `path`.
  static v1::AppendRequest ProfileUpdate(const std::string& path) {
    v1::AppendRequest request;
    request.set_customer_id("existing");
    request.mutable_metadata()->set_actor("tester");
    v1::ProfileUpdated* update =
        request.add_events()->mutable_payload()->mutable_profile_updated();
    update->mutable_update_mask()->add_paths(path);
    return request;
  }

  static v1::ContactLogged* Contact(v1::AppendRequest& request, int i = 0) {
    return request.mutable_events(i)
        ->mutable_payload()
        ->mutable_contact_logged();
  }
};

TEST_F(AppendValidationTest, RejectsMissingCustomerId) {
  EXPECT_THAT(
      Reject(ContactRequest("")),
      GrpcStatusIs(Code::INVALID_ARGUMENT,
                   AllOf(HasSubstr("customer_id"), HasSubstr("required"))));
  EXPECT_THAT(Reject(RegisterRequest("")),
              GrpcStatusIs(Code::INVALID_ARGUMENT, HasSubstr("customer_id")));
}

TEST_F(AppendValidationTest, RejectsMalformedCustomerId) {
  for (const std::string& id : {std::string("has space"), std::string("a/b"),
                                std::string("ü"), std::string(65, 'x')}) {
    SCOPED_TRACE(id);
    EXPECT_THAT(Reject(RegisterRequest(id)),
                GrpcStatusIs(Code::INVALID_ARGUMENT, HasSubstr("customer_id")));
  }
  // The longest allowed id and every allowed punctuation are accepted.
  AppendOk(RegisterRequest(std::string(64, 'x')));
  AppendOk(RegisterRequest("Cust_01-a.b:c"));
}

TEST_F(AppendValidationTest, RejectsMissingActor) {
  v1::AppendRequest request = ContactRequest("existing");
  request.mutable_metadata()->clear_actor();
  EXPECT_THAT(Reject(request), GrpcStatusIs(Code::INVALID_ARGUMENT,
                                            HasSubstr("metadata.actor")));
  request.mutable_metadata()->set_actor(std::string(257, 'a'));
  EXPECT_THAT(Reject(request), GrpcStatusIs(Code::INVALID_ARGUMENT,
                                            HasSubstr("metadata.actor")));
}

TEST_F(AppendValidationTest, RejectsOverlongRequestId) {
  v1::AppendRequest request = ContactRequest("existing");
  request.set_request_id(std::string(257, 'r'));
  EXPECT_THAT(Reject(request),
              GrpcStatusIs(Code::INVALID_ARGUMENT, HasSubstr("request_id")));
}

TEST_F(AppendValidationTest, RejectsEmptyEvents) {
  v1::AppendRequest request = ContactRequest("existing");
  request.clear_events();
  EXPECT_THAT(Reject(request),
              GrpcStatusIs(Code::INVALID_ARGUMENT, HasSubstr("events")));
}

TEST_F(AppendValidationTest, RejectsEventWithoutPayload) {
  v1::AppendRequest request = ContactRequest("existing");
  request.mutable_events(0)->clear_payload();
  EXPECT_THAT(Reject(request), GrpcStatusIs(Code::INVALID_ARGUMENT,
                                            HasSubstr("events[0].payload")));
  // A bad later event refuses the whole append.
  request = ContactsRequest("existing", 2, "ok");
  request.add_events();
  EXPECT_THAT(Reject(request), GrpcStatusIs(Code::INVALID_ARGUMENT,
                                            HasSubstr("events[2].payload")));
}

TEST_F(AppendValidationTest, RejectsRegistrationWithoutNameOrKind) {
  v1::AppendRequest request = RegisterRequest("new");
  request.mutable_events(0)
      ->mutable_payload()
      ->mutable_customer_registered()
      ->mutable_profile()
      ->clear_name();
  EXPECT_THAT(Reject(request),
              GrpcStatusIs(Code::INVALID_ARGUMENT,
                           HasSubstr("events[0].payload.customer_registered."
                                     "profile.name")));
  for (int kind : {0, 7}) {
    SCOPED_TRACE(kind);
    request = RegisterRequest("new");
    request.mutable_events(0)
        ->mutable_payload()
        ->mutable_customer_registered()
        ->set_kind(static_cast<v1::CustomerKind>(kind));
    EXPECT_THAT(
        Reject(request),
        GrpcStatusIs(Code::INVALID_ARGUMENT,
                     HasSubstr("events[0].payload.customer_registered.kind")));
  }
}

TEST_F(AppendValidationTest, RejectsRegistrationThatIsNotFirst) {
  v1::AppendRequest request = RegisterRequest("new");
  *request.add_events()->mutable_payload() =
      RegisterRequest("new").events(0).payload();
  EXPECT_THAT(Reject(request),
              GrpcStatusIs(Code::INVALID_ARGUMENT,
                           HasSubstr("events[1].payload.customer_registered")));
  request = ContactRequest("existing");
  *request.add_events()->mutable_payload() =
      RegisterRequest("existing").events(0).payload();
  EXPECT_THAT(Reject(request),
              GrpcStatusIs(Code::INVALID_ARGUMENT,
                           HasSubstr("events[1].payload.customer_registered")));
}

TEST_F(AppendValidationTest, RejectsNewCustomerWithoutRegistration) {
  v1::AppendRequest request = ContactRequest("new");
  request.mutable_expected_version()->mutable_no_stream();
  EXPECT_THAT(Reject(request),
              GrpcStatusIs(Code::INVALID_ARGUMENT,
                           AllOf(HasSubstr("events[0].payload"),
                                 HasSubstr("CustomerRegistered"))));
  request.mutable_expected_version()->set_exact(0);
  EXPECT_THAT(Reject(request), GrpcStatusIs(Code::INVALID_ARGUMENT,
                                            HasSubstr("events[0].payload")));
  // Expected "any" (also when unset) on a missing customer: NOT_FOUND.
  request.mutable_expected_version()->mutable_any();
  EXPECT_THAT(Reject(request),
              GrpcStatusIs(Code::NOT_FOUND, HasSubstr("\"new\"")));
  request.clear_expected_version();
  EXPECT_THAT(Reject(request), GrpcStatusIs(Code::NOT_FOUND, HasSubstr("new")));
  request.mutable_expected_version()->mutable_stream_exists();
  EXPECT_THAT(Reject(request), GrpcStatusIs(Code::NOT_FOUND, HasSubstr("new")));
}

TEST_F(AppendValidationTest, RejectsRegisteringAnExistingCustomer) {
  EXPECT_THAT(Reject(RegisterRequest("existing")),
              GrpcStatusIs(Code::ABORTED, AllOf(HasSubstr("existing"),
                                                HasSubstr("version 1"))));
  // A registration with an expectation of an existing stream is a bad
  // request, not a conflict.
  v1::AppendRequest request = RegisterRequest("existing");
  request.mutable_expected_version()->set_exact(1);
  EXPECT_THAT(Reject(request), GrpcStatusIs(Code::INVALID_ARGUMENT,
                                            HasSubstr("expected_version")));
  request.mutable_expected_version()->mutable_stream_exists();
  EXPECT_THAT(Reject(request), GrpcStatusIs(Code::INVALID_ARGUMENT,
                                            HasSubstr("expected_version")));
}

TEST_F(AppendValidationTest, RejectsExactExpectedVersionMismatch) {
  v1::AppendRequest request = ContactRequest("existing");
  request.mutable_expected_version()->set_exact(5);
  EXPECT_THAT(Reject(request),
              GrpcStatusIs(Code::ABORTED, AllOf(HasSubstr("expected version 5"),
                                                HasSubstr("at version 1"))));
}

TEST_F(AppendValidationTest, RejectsMalformedEmail) {
  for (const std::string& email :
       {std::string("nope"), std::string("@x.com"), std::string("a@"),
        std::string("a@localhost")}) {
    SCOPED_TRACE(email);
    v1::AppendRequest request = ProfileUpdate("emails");
    v1::ProfileFields* profile = request.mutable_events(0)
                                     ->mutable_payload()
                                     ->mutable_profile_updated()
                                     ->mutable_profile();
    profile->add_emails("good@example.com");
    profile->add_emails(email);
    EXPECT_THAT(Reject(request),
                GrpcStatusIs(Code::INVALID_ARGUMENT,
                             HasSubstr("events[0].payload.profile_updated."
                                       "profile.emails[1]")));
  }
  v1::AppendRequest request = RegisterRequest("new");
  request.mutable_events(0)
      ->mutable_payload()
      ->mutable_customer_registered()
      ->mutable_profile()
      ->add_emails("no-at-sign");
  EXPECT_THAT(Reject(request),
              GrpcStatusIs(Code::INVALID_ARGUMENT,
                           HasSubstr("customer_registered.profile.emails[0]")));
}

TEST_F(AppendValidationTest, RejectsMalformedPhone) {
  for (const std::string& phone :
       {std::string(""), std::string("1234"), std::string("12ab345"),
        std::string(21, '1')}) {
    SCOPED_TRACE(phone);
    v1::AppendRequest request = ProfileUpdate("phones");
    request.mutable_events(0)
        ->mutable_payload()
        ->mutable_profile_updated()
        ->mutable_profile()
        ->add_phones(phone);
    EXPECT_THAT(Reject(request),
                GrpcStatusIs(Code::INVALID_ARGUMENT,
                             HasSubstr("profile_updated.profile.phones[0]")));
  }
}

TEST_F(AppendValidationTest, RejectsUnknownEnumValues) {
  v1::AppendRequest request = ContactRequest("existing");
  Contact(request)->set_channel(static_cast<v1::ContactChannel>(99));
  EXPECT_THAT(
      Reject(request),
      GrpcStatusIs(Code::INVALID_ARGUMENT,
                   AllOf(HasSubstr("events[0].payload.contact_logged.channel"),
                         HasSubstr("99"))));
  Contact(request)->set_channel(v1::CONTACT_CHANNEL_UNSPECIFIED);
  EXPECT_THAT(Reject(request),
              GrpcStatusIs(Code::INVALID_ARGUMENT,
                           HasSubstr("contact_logged.channel")));
  request = ContactRequest("existing");
  Contact(request)->add_participants()->set_role(
      static_cast<v1::ContactRole>(42));
  EXPECT_THAT(Reject(request),
              GrpcStatusIs(Code::INVALID_ARGUMENT,
                           HasSubstr("contact_logged.participants[0]")));
  Contact(request)->mutable_participants(0)->set_name("Ms. Li");
  EXPECT_THAT(
      Reject(request),
      GrpcStatusIs(Code::INVALID_ARGUMENT,
                   AllOf(HasSubstr("contact_logged.participants[0].role"),
                         HasSubstr("42"))));

  struct Case {
    const char* field;
    void (*set)(v1::CustomerClassified*);
  };
  const Case cases[] = {
      {"customer_classified.grade",
       [](v1::CustomerClassified* c) {
         c->set_grade(static_cast<v1::Grade>(17));
       }},
      {"customer_classified.value_tier",
       [](v1::CustomerClassified* c) {
         c->set_value_tier(static_cast<v1::ValueTier>(9));
       }},
      {"customer_classified.lifecycle_stage",
       [](v1::CustomerClassified* c) {
         c->set_lifecycle_stage(static_cast<v1::LifecycleStage>(9));
       }},
      {"customer_classified.nature",
       [](v1::CustomerClassified* c) {
         c->set_nature(static_cast<v1::CustomerNature>(-1));
       }},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.field);
    request = ClassifyRequest("existing", v1::GRADE_A);
    c.set(request.mutable_events(0)
              ->mutable_payload()
              ->mutable_customer_classified());
    EXPECT_THAT(Reject(request),
                GrpcStatusIs(Code::INVALID_ARGUMENT, HasSubstr(c.field)));
  }
}

TEST_F(AppendValidationTest, RejectsMissingContactContentAndOwner) {
  v1::AppendRequest request = ContactRequest("existing", "");
  EXPECT_THAT(Reject(request),
              GrpcStatusIs(Code::INVALID_ARGUMENT,
                           HasSubstr("contact_logged.content")));
  request = ContactRequest("existing");
  request.mutable_events(0)
      ->mutable_payload()
      ->mutable_owner_assigned()
      ->set_team("north");
  EXPECT_THAT(
      Reject(request),
      GrpcStatusIs(Code::INVALID_ARGUMENT,
                   HasSubstr("events[0].payload.owner_assigned.owner_id")));
}

TEST_F(AppendValidationTest, RejectsBadProfileUpdateMask) {
  v1::AppendRequest request = ProfileUpdate("phones");
  request.mutable_events(0)
      ->mutable_payload()
      ->mutable_profile_updated()
      ->clear_update_mask();
  EXPECT_THAT(Reject(request),
              GrpcStatusIs(Code::INVALID_ARGUMENT,
                           AllOf(HasSubstr("events[0].payload.profile_updated."
                                           "update_mask"),
                                 HasSubstr("empty"))));
  for (const std::string& path :
       {std::string("favourite_colour"), std::string("address.planet"),
        std::string("name.first"), std::string("")}) {
    SCOPED_TRACE(path);
    EXPECT_THAT(Reject(ProfileUpdate(path)),
                GrpcStatusIs(Code::INVALID_ARGUMENT,
                             AllOf(HasSubstr("profile_updated.update_mask"),
                                   HasSubstr("\"" + path + "\""))));
  }
  // The name may change but not be cleared.
  EXPECT_THAT(Reject(ProfileUpdate("name")),
              GrpcStatusIs(Code::INVALID_ARGUMENT, HasSubstr("update_mask")));
  // Control: known top-level and nested paths are accepted.
  v1::AppendRequest ok = ProfileUpdate("address.city");
  ok.mutable_events(0)
      ->mutable_payload()
      ->mutable_profile_updated()
      ->mutable_update_mask()
      ->add_paths("industry");
  AppendOk(ok);
}

TEST_F(AppendValidationTest, RejectsClassificationThatChangesNothing) {
  v1::AppendRequest request =
      ClassifyRequest("existing", v1::GRADE_UNSPECIFIED);
  EXPECT_THAT(
      Reject(request),
      GrpcStatusIs(Code::INVALID_ARGUMENT,
                   AllOf(HasSubstr("events[0].payload.customer_classified"),
                         HasSubstr("changes nothing"))));
  request = ClassifyRequest("existing", v1::GRADE_A);
  request.mutable_events(0)
      ->mutable_payload()
      ->mutable_customer_classified()
      ->set_rule_version(3);
  EXPECT_THAT(Reject(request),
              GrpcStatusIs(Code::INVALID_ARGUMENT,
                           HasSubstr("customer_classified.rule_version")));
}

TEST_F(AppendValidationTest, RejectsInvalidFollowUpDate) {
  struct Date {
    int year, month, day;
  };
  for (const Date& d : {Date{2025, 2, 30}, Date{2023, 2, 29}, Date{1900, 2, 29},
                        Date{2025, 4, 31}, Date{2025, 13, 1}, Date{2025, 0, 5},
                        Date{0, 1, 1}, Date{10000, 1, 1}}) {
    SCOPED_TRACE(::testing::Message()
                 << d.year << "-" << d.month << "-" << d.day);
    v1::AppendRequest request = ContactRequest("existing");
    v1::Date* date = Contact(request)->mutable_next_follow_up();
    date->set_year(d.year);
    date->set_month(d.month);
    date->set_day(d.day);
    EXPECT_THAT(Reject(request),
                GrpcStatusIs(Code::INVALID_ARGUMENT,
                             HasSubstr("events[0].payload.contact_logged."
                                       "next_follow_up")));
  }
  // Control: leap days of leap years are valid.
  for (int year : {2024, 2000}) {
    v1::AppendRequest request = ContactRequest("existing");
    v1::Date* date = Contact(request)->mutable_next_follow_up();
    date->set_year(year);
    date->set_month(2);
    date->set_day(29);
    AppendOk(request);
  }
}

TEST_F(AppendValidationTest, RejectsOccurredAtFarInTheFuture) {
  v1::AppendRequest request = ContactRequest("existing");
  request.mutable_events(0)->mutable_occurred_at()->set_seconds(
      absl::ToUnixSeconds(absl::Now() + absl::Hours(25)));
  EXPECT_THAT(Reject(request),
              GrpcStatusIs(Code::INVALID_ARGUMENT,
                           AllOf(HasSubstr("events[0].occurred_at"),
                                 HasSubstr("future"))));
  request.mutable_events(0)->mutable_occurred_at()->set_seconds(-5);
  EXPECT_THAT(
      Reject(request),
      GrpcStatusIs(Code::INVALID_ARGUMENT, HasSubstr("events[0].occurred_at")));
  // Control: within the allowed clock skew.
  request.mutable_events(0)->mutable_occurred_at()->set_seconds(
      absl::ToUnixSeconds(absl::Now() + absl::Hours(23)));
  AppendOk(request);
}

TEST_F(AppendValidationTest, RejectsTooManyEvents) {
  // The default limit is 1000.
  EXPECT_THAT(Reject(ContactsRequest("existing", 1001, "n")),
              GrpcStatusIs(Code::RESOURCE_EXHAUSTED,
                           AllOf(HasSubstr("events"), HasSubstr("1000"))));
  options_.limits.max_events_per_append = 5;
  RestartServer();
  EXPECT_THAT(
      Reject(ContactsRequest("existing", 6, "n")),
      GrpcStatusIs(Code::RESOURCE_EXHAUSTED,
                   AllOf(HasSubstr("events"), HasSubstr("limit is 5"))));
  EXPECT_EQ(AppendOk(ContactsRequest("existing", 5, "n")).last_version(), 6u);
}

TEST_F(AppendValidationTest, RejectsOversizedEvent) {
  options_.limits.max_event_bytes = 1024;
  options_.limits.max_append_bytes = 4096;
  RestartServer();
  EXPECT_THAT(
      Reject(ContactRequest("existing", std::string(2000, 'x'))),
      GrpcStatusIs(Code::RESOURCE_EXHAUSTED,
                   AllOf(HasSubstr("events[0].payload"), HasSubstr("1024"))));
  v1::AppendRequest request = ContactRequest("existing", "small");
  AddContact(request, std::string(2000, 'y'));
  EXPECT_THAT(Reject(request), GrpcStatusIs(Code::RESOURCE_EXHAUSTED,
                                            HasSubstr("events[1].payload")));
  // Each event fits, but together they exceed max_append_bytes.
  request = ContactRequest("existing", std::string(900, 'a'));
  for (int i = 0; i < 5; ++i) AddContact(request, std::string(900, 'b'));
  EXPECT_THAT(Reject(request),
              GrpcStatusIs(Code::RESOURCE_EXHAUSTED,
                           AllOf(HasSubstr("events"), HasSubstr("4096"))));
  AppendOk(ContactRequest("existing", std::string(900, 'c')));
}

TEST_F(AppendValidationTest, RejectsReusedRequestIdWithDifferentContent) {
  v1::AppendRequest first = ContactRequest("existing", "first");
  first.set_request_id("req-1");
  first.mutable_events(0)->mutable_occurred_at()->set_seconds(1700000000);
  AppendOk(first);

  v1::AppendRequest other = first;
  Contact(other)->set_content("second");
  EXPECT_THAT(Reject(other),
              GrpcStatusIs(Code::ALREADY_EXISTS,
                           AllOf(HasSubstr("request_id"), HasSubstr("req-1"))));
  other = first;
  other.mutable_metadata()->set_reason("other reason");
  EXPECT_THAT(Reject(other), GrpcStatusIs(Code::ALREADY_EXISTS));
  other = RegisterRequest("someone-else");
  other.set_request_id("req-1");
  EXPECT_THAT(Reject(other),
              GrpcStatusIs(Code::ALREADY_EXISTS, HasSubstr("request_id")));
}

TEST_F(AppendValidationTest, ReadAllRejectsBadFilter) {
  v1::ReadAllRequest request;
  request.mutable_filter()->add_event_types("ContactLogged");
  request.mutable_filter()->add_event_types("CustomerDeleted");
  v1::ReadAllResponse response;
  EXPECT_THAT(ReadAll(request, &response),
              GrpcStatusIs(Code::INVALID_ARGUMENT,
                           AllOf(HasSubstr("filter.event_types[1]"),
                                 HasSubstr("CustomerDeleted"))));
  request.clear_filter();
  request.mutable_filter()->add_customer_ids("bad id");
  EXPECT_THAT(ReadAll(request, &response),
              GrpcStatusIs(Code::INVALID_ARGUMENT,
                           HasSubstr("filter.customer_ids[0]")));
  request.clear_filter();
  const std::string id = "c";
  for (int i = 0; i < 101; ++i)
    *request.mutable_filter()->add_customer_ids() = id;
  EXPECT_THAT(ReadAll(request, &response),
              GrpcStatusIs(Code::INVALID_ARGUMENT, HasSubstr("filter")));
}

TEST_F(AppendValidationTest, ReadStreamOfUnknownCustomerIsNotFound) {
  v1::ReadStreamRequest request;
  request.set_customer_id("nobody");
  v1::ReadStreamResponse response;
  EXPECT_THAT(ReadStream(request, &response),
              GrpcStatusIs(Code::NOT_FOUND, HasSubstr("nobody")));
  request.set_customer_id("bad id");
  EXPECT_THAT(ReadStream(request, &response),
              GrpcStatusIs(Code::INVALID_ARGUMENT, HasSubstr("customer_id")));
  request.set_customer_id("existing");
  request.set_direction(static_cast<v1::ReadDirection>(7));
  EXPECT_THAT(ReadStream(request, &response),
              GrpcStatusIs(Code::INVALID_ARGUMENT, HasSubstr("direction")));
}

}  // namespace
}  // namespace ledger::testing
