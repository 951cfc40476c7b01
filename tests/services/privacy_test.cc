// Personal data (issue 5, erasure and consent) through the real server:
// personal fields sealed in the stored events, ForgetCustomer erasing them
// everywhere while the history still verifies, the master key file and its
// rotation, and consent-aware search.

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ledger/v1/admin.grpc.pb.h"
#include "services/key_vault.h"
#include "storage/event_log.h"
#include "tests/services/customer_query_fixture.h"
#include "tests/testing/status_matchers.h"

namespace ledger::testing {
namespace {

namespace v1 = ::ledger::v1;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::UnorderedElementsAre;
using Code = ::grpc::StatusCode;

std::string ReadFileBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

class PrivacyTest : public CustomerQueryTest {
 protected:
  std::string KeyFile() { return options_.data_dir + "/master.key"; }

  // An individual with every kind of personal field, a key person, a
  // contact with a named participant, a transaction and a grade.
  void RegisterPerson(const std::string& id, const std::string& name,
                      const std::string& phone) {
    v1::AppendRequest r;
    r.set_customer_id(id);
    r.set_request_id("register-" + id);
    r.mutable_metadata()->set_actor("tester");
    auto* reg =
        r.add_events()->mutable_payload()->mutable_customer_registered();
    reg->set_kind(v1::CUSTOMER_KIND_ORGANIZATION);
    auto* f = reg->mutable_profile();
    f->set_name(name);
    f->add_phones(phone);
    f->add_emails(id + "@example.com");
    f->mutable_address()->set_city("杭州");
    f->mutable_address()->set_street("文一西路 969 号");
    f->mutable_id_document()->set_type(v1::ID_DOCUMENT_TYPE_PASSPORT);
    f->mutable_id_document()->set_number("E" + phone.substr(3));
    f->set_industry("制造业");
    reg->set_owner_id("sales-li");
    auto* kp = r.add_events()
                   ->mutable_payload()
                   ->mutable_key_person_saved()
                   ->mutable_person();
    kp->set_person_id("boss");
    kp->set_name("王总" + id);
    kp->set_title("总经理");
    kp->add_phones("13911112222");
    auto* contact = r.add_events()->mutable_payload()->mutable_contact_logged();
    contact->set_channel(v1::CONTACT_CHANNEL_VISIT);
    contact->set_content("介绍新产品线");
    contact->add_participants()->set_name("李工" + id);
    auto* tx =
        r.add_events()->mutable_payload()->mutable_transaction_recorded();
    tx->set_transaction_id("T1");
    *tx->mutable_date() = ToDate(Today() - 3);
    tx->mutable_amount()->set_currency_code("CNY");
    tx->mutable_amount()->set_units(5000);
    r.add_events()->mutable_payload()->mutable_customer_classified()->set_grade(
        v1::GRADE_A);
    AppendOk(r);
  }

  grpc::Status Forget(const std::string& id, const std::string& reason,
                      v1::ForgetCustomerResponse* out = nullptr,
                      const std::string& request_id = "") {
    v1::ForgetCustomerRequest r;
    r.set_customer_id(id);
    r.set_reason(reason);
    r.set_request_id(request_id);
    r.mutable_metadata()->set_actor("dpo-zhao");
    v1::ForgetCustomerResponse ignored;
    return stub().ForgetCustomer(Context().get(), r,
                                 out != nullptr ? out : &ignored);
  }

  // The database files (tables and write-ahead logs) that contain `bytes`.
  std::vector<std::string> FilesHolding(const std::string& bytes) {
    std::vector<std::string> files;
    for (const auto& entry :
         std::filesystem::recursive_directory_iterator(options_.data_dir)) {
      const std::string ext = entry.path().extension().string();
      if (!entry.is_regular_file() || (ext != ".sst" && ext != ".log")) {
        continue;
      }
      if (absl::StrContains(ReadFileBytes(entry.path().string()), bytes)) {
        files.push_back(entry.path().filename().string());
      }
    }
    return files;
  }

  std::unique_ptr<v1::Admin::Stub> Admin() {
    return v1::Admin::NewStub(channel());
  }

  void ExpectChainVerifies() {
    auto report = server().log()->VerifyChain(1, 0);
    ASSERT_TRUE(report.ok()) << report.status();
    EXPECT_EQ(report->verified_events, HeadPosition());
  }

  void RecordConsent(const std::string& id, bool granted,
                     const v1::Date* expires = nullptr) {
    v1::EventPayload p;
    auto* c = p.mutable_consent_recorded();
    c->set_purpose("marketing");
    c->set_granted(granted);
    c->set_channel("web-form");
    c->set_evidence_ref("form-" + id);
    if (expires != nullptr) *c->mutable_expires_on() = *expires;
    AppendEvent(id, p);
  }
};

TEST_F(PrivacyTest, StoredEventsHoldNoPlaintextPersonalData) {
  RegisterPerson("C-1", "张三丰贸易", "13800138000");
  const std::vector<v1::Event> events = StreamEvents("C-1", true);
  ASSERT_EQ(events.size(), 5u);
  for (const v1::Event& e : events) {
    EXPECT_EQ(Sha256(e.raw_payload()), e.payload_sha256());
    for (const char* secret :
         {"张三丰", "13800138000", "E00138000", "王总", "李工", "文一西路",
          "C-1@example.com", "13911112222"}) {
      EXPECT_THAT(e.raw_payload(), Not(HasSubstr(secret)))
          << e.event_type() << " stores " << secret;
    }
    EXPECT_FALSE(e.payload().has_sealed()) << "shown opened";
  }
  // Not personal: stays readable in the stored bytes.
  EXPECT_THAT(events[0].raw_payload(), HasSubstr("制造业"));
  EXPECT_THAT(events[2].raw_payload(), HasSubstr("介绍新产品线"));
  v1::EventPayload stored;
  ASSERT_TRUE(stored.ParseFromString(events[0].raw_payload()));
  EXPECT_TRUE(stored.has_sealed());
  EXPECT_EQ(stored.customer_registered().profile().name(), "");
  // Opened for readers with the key.
  EXPECT_EQ(events[0].payload().customer_registered().profile().name(),
            "张三丰贸易");
  EXPECT_EQ(events[2].payload().contact_logged().participants(0).name(),
            "李工C-1");
  const v1::CustomerProfile p = Profile("C-1");
  EXPECT_EQ(p.profile().name(), "张三丰贸易");
  EXPECT_THAT(p.profile().phones(), ElementsAre("13800138000"));
  EXPECT_EQ(p.key_people(0).name(), "王总C-1");

  // The stored key is wrapped, never plain.
  std::string wrapped;
  EXPECT_THAT(server().log()->GetSecret(services::KeyVault::SecretName("C-1"),
                                        &wrapped),
              IsOk());
  EXPECT_THAT(wrapped, Not(HasSubstr("张三丰")));
}

TEST_F(PrivacyTest, RetryWithTheSameRequestIdIsADuplicate) {
  v1::AppendRequest r = RegisterRequest("C-2", "重试有限公司");
  r.set_request_id("same-request");
  r.mutable_events(0)
      ->mutable_payload()
      ->mutable_customer_registered()
      ->mutable_profile()
      ->add_phones("13800138001");
  const v1::AppendResponse first = AppendOk(r);
  EXPECT_FALSE(first.duplicate());
  const v1::AppendResponse second = AppendOk(r);
  EXPECT_TRUE(second.duplicate());
  EXPECT_EQ(second.last_position(), first.last_position());
  // Different content under the same request id is still refused.
  r.mutable_events(0)
      ->mutable_payload()
      ->mutable_customer_registered()
      ->mutable_profile()
      ->set_name("别的名字");
  EXPECT_EQ(Append(r).error_code(), Code::ALREADY_EXISTS);
}

TEST_F(PrivacyTest, ForgetErasesPersonalDataEverywhere) {
  RegisterPerson("C-1", "张三丰贸易", "13800138000");
  RegisterPerson("C-2", "李四贸易", "13800138000");  // same phone: duplicates
  {
    v1::FindDuplicatesRequest r;
    v1::FindDuplicatesResponse out;
    ASSERT_THAT(query_->FindDuplicates(Context().get(), r, &out), GrpcOk());
    ASSERT_EQ(out.pairs_size(), 1);
  }
  const std::vector<v1::Event> before = StreamEvents("C-1", true);
  std::string wrapped;
  ASSERT_THAT(server().log()->GetSecret(services::KeyVault::SecretName("C-1"),
                                        &wrapped),
              IsOk());

  ASSERT_THAT(FilesHolding(wrapped), Not(ElementsAre()))
      << "the check below could not fail";
  // The reason is required.
  EXPECT_EQ(Forget("C-1", "").error_code(), Code::INVALID_ARGUMENT);
  EXPECT_EQ(Forget("C-404", "erasure request").error_code(), Code::NOT_FOUND);

  v1::ForgetCustomerResponse forgotten;
  ASSERT_THAT(
      Forget("C-1", "erasure request of 2026-11-20", &forgotten, "forget-c1"),
      GrpcOk());
  EXPECT_THAT(forgotten.erased_customer_ids(), ElementsAre("C-1"));
  v1::ForgetCustomerResponse retried;
  ASSERT_THAT(
      Forget("C-1", "erasure request of 2026-11-20", &retried, "forget-c1"),
      GrpcOk());
  EXPECT_TRUE(retried.duplicate());
  EXPECT_EQ(Forget("C-1", "again").error_code(), Code::FAILED_PRECONDITION);

  auto check_erased = [&](const std::string& when) {
    SCOPED_TRACE(when);
    const v1::CustomerProfile p = Profile("C-1");
    EXPECT_TRUE(p.forgotten());
    EXPECT_TRUE(p.archived());
    EXPECT_EQ(p.forgotten_by(), "dpo-zhao");
    EXPECT_EQ(p.forgotten_reason(), "erasure request of 2026-11-20");
    EXPECT_EQ(p.profile().name(), "erased");
    EXPECT_THAT(p.profile().phones(), ElementsAre("erased"));
    EXPECT_THAT(p.profile().emails(), ElementsAre("erased"));
    EXPECT_EQ(p.profile().address().street(), "erased");
    EXPECT_FALSE(p.profile().has_id_document());
    EXPECT_EQ(p.key_people(0).name(), "erased");
    EXPECT_THAT(p.key_people(0).phones(), ElementsAre("erased"));
    // Non-personal facts remain.
    EXPECT_EQ(p.profile().address().city(), "杭州");
    EXPECT_EQ(p.profile().industry(), "制造业");
    EXPECT_EQ(p.key_people(0).title(), "总经理");
    EXPECT_EQ(p.classification().grade(), v1::GRADE_A);
    EXPECT_EQ(p.transaction_count(), 1u);
    ASSERT_EQ(p.total_amounts_size(), 1);
    EXPECT_EQ(p.total_amounts(0).units(), 5000);
    EXPECT_EQ(p.contact_count(), 1u);
    EXPECT_THAT(p.SerializeAsString(), Not(HasSubstr("张三丰")));
    EXPECT_THAT(p.SerializeAsString(), Not(HasSubstr("13800138000")));

    v1::ListTimelineRequest t;
    t.set_customer_id("C-1");
    const std::vector<v1::TimelineEntry> timeline = AllTimeline(t);
    ASSERT_EQ(timeline.size(), 1u);
    EXPECT_EQ(timeline[0].contact_person(), "erased");
    EXPECT_EQ(timeline[0].participants(0).name(), "erased");
    EXPECT_EQ(timeline[0].content(), "介绍新产品线");

    const std::vector<v1::Event> events = StreamEvents("C-1", true);
    ASSERT_EQ(events.size(), before.size() + 1);
    for (size_t i = 0; i < before.size(); ++i) {
      EXPECT_EQ(events[i].raw_payload(), before[i].raw_payload());
      EXPECT_EQ(events[i].hash(), before[i].hash());
      EXPECT_FALSE(events[i].payload().has_sealed());
    }
    const auto& reg = events[0].payload().customer_registered().profile();
    EXPECT_EQ(reg.name(), "erased");
    EXPECT_THAT(reg.phones(), ElementsAre("erased"));
    EXPECT_EQ(reg.industry(), "制造业");
    EXPECT_EQ(events[2].payload().contact_logged().participants(0).name(),
              "erased");
    EXPECT_EQ(events.back().event_type(), "CustomerForgotten");
    EXPECT_EQ(events.back().metadata().actor(), "dpo-zhao");
    EXPECT_EQ(events.back().metadata().reason(),
              "erasure request of 2026-11-20");

    // Time travel folds the erased events too.
    v1::GetProfileRequest g;
    g.set_customer_id("C-1");
    g.set_as_of_position(before.back().position());
    v1::GetProfileResponse old;
    ASSERT_THAT(GetProfile(g, &old), GrpcOk());
    EXPECT_EQ(old.profile().profile().name(), "erased");
    EXPECT_EQ(old.profile().classification().grade(), v1::GRADE_A);

    // Searches: the name is gone; other facts still count (archived).
    v1::SearchCustomersRequest s;
    s.mutable_filter()->set_name_prefix("张三");
    s.mutable_filter()->set_include_archived(true);
    EXPECT_THAT(SearchAll(s), ElementsAre());
    s.mutable_filter()->set_name_prefix("erased");
    EXPECT_THAT(SearchAll(s), ElementsAre());
    v1::SearchCustomersRequest by_grade;
    by_grade.mutable_filter()->set_grade(v1::GRADE_A);
    EXPECT_THAT(SearchAll(by_grade), ElementsAre("C-2"));
    by_grade.mutable_filter()->set_include_archived(true);
    EXPECT_THAT(SearchAll(by_grade), ElementsAre("C-1", "C-2"));

    v1::FindDuplicatesRequest d;
    v1::FindDuplicatesResponse dups;
    ASSERT_THAT(query_->FindDuplicates(Context().get(), d, &dups), GrpcOk());
    EXPECT_EQ(dups.pairs_size(), 0);
    ExpectChainVerifies();
  };
  check_erased("after the forget");

  // The key is gone, and after the purge no file holds its bytes.
  EXPECT_TRUE(absl::IsNotFound(server().log()->GetSecret(
      services::KeyVault::SecretName("C-1"), &wrapped)));
  server().key_vault()->WaitForPurges();
  EXPECT_THAT(FilesHolding(wrapped), ElementsAre());

  // No more events for a forgotten customer.
  EXPECT_EQ(Append(ContactRequest("C-1")).error_code(),
            Code::FAILED_PRECONDITION);
  v1::AppendRequest personal = ContactRequest("C-1");
  personal.mutable_events(0)
      ->mutable_payload()
      ->mutable_contact_logged()
      ->add_participants()
      ->set_name("新人");
  EXPECT_EQ(Append(personal).error_code(), Code::FAILED_PRECONDITION);
  EXPECT_TRUE(absl::IsNotFound(server().log()->GetSecret(
      services::KeyVault::SecretName("C-1"), &wrapped)))
      << "a refused append made a new key";

  // A rebuilt projection, and a restart, give the same erased state.
  const v1::CustomerProfile erased = Profile("C-1");
  v1::RebuildProjectionsResponse rebuilt;
  grpc::ClientContext rebuild_context;
  rebuild_context.set_deadline(std::chrono::system_clock::now() +
                               std::chrono::seconds(60));
  ASSERT_THAT(Admin()->RebuildProjections(
                  &rebuild_context, v1::RebuildProjectionsRequest(), &rebuilt),
              GrpcOk());
  check_erased("after a rebuild");
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(Profile("C-1"),
                                                                 erased));
  options_.rebuild_projections = true;
  RestartServer();
  check_erased("after a restart with a rebuild");
  // The other customer kept everything.
  EXPECT_EQ(Profile("C-2").profile().name(), "李四贸易");
}

TEST_F(PrivacyTest, ForgettingASurvivorCoversItsMergedFiles) {
  RegisterPerson("S-1", "留存公司", "13800138011");
  RegisterPerson("M-1", "合并公司", "13800138012");
  v1::MergeCustomersRequest merge;
  merge.set_survivor_id("S-1");
  merge.set_merged_id("M-1");
  merge.mutable_metadata()->set_actor("tester");
  v1::AppendResponse merged;
  ASSERT_THAT(stub().MergeCustomers(Context().get(), merge, &merged), GrpcOk());

  const grpc::Status refused = Forget("M-1", "erasure request");
  EXPECT_EQ(refused.error_code(), Code::FAILED_PRECONDITION);
  EXPECT_THAT(refused.error_message(), HasSubstr("forget S-1"));

  v1::ForgetCustomerResponse out;
  ASSERT_THAT(Forget("S-1", "erasure request", &out), GrpcOk());
  EXPECT_THAT(out.erased_customer_ids(), UnorderedElementsAre("S-1", "M-1"));
  std::string wrapped;
  for (const char* id : {"S-1", "M-1"}) {
    EXPECT_TRUE(absl::IsNotFound(server().log()->GetSecret(
        services::KeyVault::SecretName(id), &wrapped)))
        << id;
  }
  const v1::CustomerProfile p = Profile("M-1");  // resolves to the survivor
  EXPECT_EQ(p.customer_id(), "S-1");
  EXPECT_THAT(p.profile().phones(), ElementsAre("erased"));
  EXPECT_THAT(p.SerializeAsString(), Not(HasSubstr("合并公司")));
  const std::vector<v1::Event> events = StreamEvents("M-1");
  EXPECT_EQ(events[0].payload().customer_registered().profile().name(),
            "erased");
  v1::ListTimelineRequest t;
  t.set_customer_id("S-1");
  for (const v1::TimelineEntry& e : AllTimeline(t)) {
    EXPECT_EQ(e.contact_person(), "erased") << e.customer_id();
  }
  // Nothing can be merged into a forgotten customer.
  RegisterPerson("M-2", "又一家公司", "13800138013");
  merge.set_merged_id("M-2");
  EXPECT_EQ(stub().MergeCustomers(Context().get(), merge, &merged).error_code(),
            Code::FAILED_PRECONDITION);
  ExpectChainVerifies();
}

TEST_F(PrivacyTest, MasterKeyFileReadableByOthersIsRefused) {
  StopServer();
  ASSERT_EQ(::chmod(KeyFile().c_str(), 0644), 0);
  auto refused = services::LedgerServer::Start(options_);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(refused.status().message(), HasSubstr(KeyFile()));
  EXPECT_THAT(refused.status().message(), HasSubstr("0644"));
  ASSERT_EQ(::chmod(KeyFile().c_str(), 0600), 0);
  StartServer();
}

TEST_F(PrivacyTest, RotationThenRemovingTheOldMasterKeyStillOpens) {
  RegisterPerson("R-1", "轮换一号", "13800138021");
  RegisterPerson("R-2", "轮换二号", "13800138022");
  const std::string old_file = ReadFileBytes(KeyFile());
  EXPECT_THAT(old_file, HasSubstr("master-1 "));

  grpc::ClientContext none_context;
  none_context.set_deadline(std::chrono::system_clock::now() +
                            std::chrono::seconds(10));
  v1::RotateMasterKeyResponse unchanged;
  ASSERT_THAT(Admin()->RotateMasterKey(
                  &none_context, v1::RotateMasterKeyRequest(), &unchanged),
              GrpcOk());
  EXPECT_EQ(unchanged.rewrapped(), 0u);
  EXPECT_EQ(unchanged.already_current(), 2u);

  const std::string new_line =
      absl::StrCat("master-2 ", std::string(64, 'b'), "\n");
  {
    std::ofstream out(KeyFile(), std::ios::app);
    out << new_line;
  }
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(10));
  v1::RotateMasterKeyResponse rotated;
  ASSERT_THAT(Admin()->RotateMasterKey(&context, v1::RotateMasterKeyRequest(),
                                       &rotated),
              GrpcOk());
  EXPECT_EQ(rotated.master_key_id(), "master-2");
  EXPECT_EQ(rotated.rewrapped(), 2u);
  EXPECT_EQ(rotated.already_current(), 0u);
  // New customers get keys of the new master key too.
  RegisterPerson("R-3", "轮换三号", "13800138023");
  const std::vector<v1::Event> before = StreamEvents("R-1", true);

  // Only the new key left in the file; restart (with a rebuild, which
  // opens every sealed payload again).
  StopServer();
  {
    std::ofstream out(KeyFile(), std::ios::trunc);
    out << new_line;
  }
  options_.rebuild_projections = true;
  StartServer();
  query_ = v1::CustomerQuery::NewStub(channel());
  for (const auto& [id, name] :
       std::vector<std::pair<std::string, std::string>>{
           {"R-1", "轮换一号"}, {"R-2", "轮换二号"}, {"R-3", "轮换三号"}}) {
    EXPECT_EQ(Profile(id).profile().name(), name);
    EXPECT_EQ(
        StreamEvents(id)[0].payload().customer_registered().profile().name(),
        name);
  }
  const std::vector<v1::Event> after = StreamEvents("R-1", true);
  ASSERT_EQ(after.size(), before.size());
  for (size_t i = 0; i < after.size(); ++i) {
    EXPECT_EQ(after[i].raw_payload(), before[i].raw_payload())
        << "rotation rewrote an event";
  }
  ExpectChainVerifies();
}

TEST_F(PrivacyTest, SearchWithAPurposeNeedsALiveConsent) {
  for (const char* id : {"K-granted", "K-expired", "K-future", "K-withdrawn",
                         "K-never", "K-regranted"}) {
    Register(id, absl::StrCat("顾客 ", id), "sales-li");
  }
  const v1::Date yesterday = ToDate(Today() - 1);
  const v1::Date today = ToDate(Today());
  RecordConsent("K-granted", true);
  RecordConsent("K-expired", true, &yesterday);
  RecordConsent("K-future", true, &today);  // its last day is today
  RecordConsent("K-withdrawn", true);
  RecordConsent("K-withdrawn", false);
  RecordConsent("K-regranted", false);
  RecordConsent("K-regranted", true);

  v1::SearchCustomersRequest r;
  r.set_purpose("marketing");
  r.set_page_size(1);
  EXPECT_THAT(SearchAll(r),
              ElementsAre("K-future", "K-granted", "K-regranted"));
  v1::SearchCustomersResponse page;
  ASSERT_THAT(Search(r, &page), GrpcOk());
  EXPECT_EQ(page.total_count(), 3u);
  // ANDed with the other filters, on both search paths.
  r.mutable_filter()->set_owner_id("sales-li");
  ASSERT_THAT(Search(r, &page), GrpcOk());
  EXPECT_EQ(page.total_count(), 3u);
  r.mutable_filter()->set_name_prefix("顾客 K-g");
  EXPECT_THAT(SearchAll(r), ElementsAre("K-granted"));
  r.mutable_filter()->clear_name_prefix();
  r.set_purpose("newsletter");
  ASSERT_THAT(Search(r, &page), GrpcOk());
  EXPECT_EQ(page.total_count(), 0u);
  // Without a purpose, everyone.
  r.clear_purpose();
  ASSERT_THAT(Search(r, &page), GrpcOk());
  EXPECT_EQ(page.total_count(), 6u);

  const v1::CustomerProfile p = Profile("K-withdrawn");
  ASSERT_EQ(p.consents_size(), 1);
  EXPECT_EQ(p.consents(0).purpose(), "marketing");
  EXPECT_FALSE(p.consents(0).current().granted());
  ASSERT_EQ(p.consents(0).history_size(), 2);
  EXPECT_TRUE(p.consents(0).history(0).granted());
  EXPECT_EQ(p.consents(0).current().evidence_ref(), "form-K-withdrawn");
  EXPECT_EQ(p.consents(0).current().by(), "tester");

  // A bad purpose is refused at append.
  v1::EventPayload bad;
  bad.mutable_consent_recorded()->set_purpose("Marketing!");
  v1::AppendRequest req;
  req.set_customer_id("K-never");
  req.mutable_metadata()->set_actor("tester");
  *req.add_events()->mutable_payload() = bad;
  EXPECT_EQ(Reject(req).error_code(), Code::INVALID_ARGUMENT);
}

}  // namespace
}  // namespace ledger::testing
