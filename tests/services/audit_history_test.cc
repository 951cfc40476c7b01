// ledger.v1.Audit "who changed what" over a real server: field histories
// (GetFieldHistory) and changes by actor (ListChangesByActor), also after
// merges and rebuilds.

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "ledger/v1/admin.grpc.pb.h"
#include "ledger/v1/audit.grpc.pb.h"
#include "ledger/v1/rules.grpc.pb.h"
#include "tests/services/merge_customers_fixture.h"
#include "tests/testing/status_matchers.h"

namespace ledger::testing {
namespace {

using google::protobuf::util::MessageDifferencer;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

class AuditHistoryTest : public MergeCustomersTest {
 protected:
  void SetUp() override {
    MergeCustomersTest::SetUp();
    audit_ = v1::Audit::NewStub(channel());
  }
  void RestartServer() {
    MergeCustomersTest::RestartServer();
    audit_ = v1::Audit::NewStub(channel());
  }

  // Registers an organisation with phones and a city.
  v1::AppendResponse RegisterFull(const std::string& id,
                                  const std::vector<std::string>& phones,
                                  const std::string& city,
                                  const std::string& actor,
                                  const std::string& reason) {
    v1::EventPayload p;
    auto* r = p.mutable_customer_registered();
    r->set_kind(v1::CUSTOMER_KIND_ORGANIZATION);
    r->mutable_profile()->set_name(absl::StrCat("Firm ", id));
    for (const auto& phone : phones) r->mutable_profile()->add_phones(phone);
    if (!city.empty()) r->mutable_profile()->mutable_address()->set_city(city);
    return AppendEvent(id, p, nullptr, actor, reason);
  }
  // A ProfileUpdated of the fields in `mask`, by `actor` (for someone).
  v1::AppendResponse Update(const std::string& id,
                            const v1::ProfileFields& fields,
                            const std::string& mask, const std::string& actor,
                            const std::string& reason,
                            const std::string& on_behalf_of = "") {
    v1::AppendRequest r;
    r.set_customer_id(id);
    r.mutable_metadata()->set_actor(actor);
    r.mutable_metadata()->set_reason(reason);
    r.mutable_metadata()->set_on_behalf_of(on_behalf_of);
    r.mutable_metadata()->set_service(on_behalf_of.empty() ? "" : "crm");
    auto* u = r.add_events()->mutable_payload()->mutable_profile_updated();
    *u->mutable_profile() = fields;
    u->mutable_update_mask()->add_paths(mask);
    return AppendOk(r);
  }
  v1::AppendResponse SetPhones(const std::string& id,
                               const std::vector<std::string>& phones,
                               const std::string& actor,
                               const std::string& reason,
                               const std::string& on_behalf_of = "") {
    v1::ProfileFields f;
    for (const auto& phone : phones) f.add_phones(phone);
    return Update(id, f, "phones", actor, reason, on_behalf_of);
  }
  v1::AppendResponse SetCity(const std::string& id, const std::string& city,
                             const std::string& actor) {
    v1::ProfileFields f;
    f.mutable_address()->set_city(city);
    return Update(id, f, "address.city", actor, "moved");
  }
  v1::AppendResponse ContactBy(const std::string& id,
                               const std::string& actor) {
    v1::EventPayload p;
    p.mutable_contact_logged()->set_channel(v1::CONTACT_CHANNEL_PHONE);
    p.mutable_contact_logged()->set_content("called");
    return AppendEvent(id, p, nullptr, actor);
  }

  grpc::Status History(const std::string& id, const std::string& path,
                       v1::GetFieldHistoryResponse* out) {
    v1::GetFieldHistoryRequest r;
    r.set_customer_id(id);
    r.set_field_path(path);
    return audit_->GetFieldHistory(Context().get(), r, out);
  }
  v1::GetFieldHistoryResponse HistoryOk(const std::string& id,
                                        const std::string& path) {
    v1::GetFieldHistoryResponse out;
    EXPECT_THAT(History(id, path, &out), GrpcOk()) << id << " " << path;
    return out;
  }
  // "old -> new" of every change.
  static std::vector<std::string> Steps(const v1::GetFieldHistoryResponse& h) {
    std::vector<std::string> steps;
    for (const auto& c : h.changes()) {
      steps.push_back(c.old_value() + " -> " + c.new_value());
    }
    return steps;
  }

  grpc::Status ChangesBy(const v1::ListChangesByActorRequest& r,
                         v1::ListChangesByActorResponse* out) {
    return audit_->ListChangesByActor(Context().get(), r, out);
  }
  // Positions of every page, duplicates kept.
  std::vector<uint64_t> AllChangesBy(v1::ListChangesByActorRequest r) {
    std::vector<uint64_t> positions;
    for (int pages = 0; pages < 1000; ++pages) {
      v1::ListChangesByActorResponse out;
      EXPECT_THAT(ChangesBy(r, &out), GrpcOk());
      for (const auto& c : out.changes()) positions.push_back(c.position());
      if (out.next_page_token().empty()) return positions;
      r.set_page_token(out.next_page_token());
    }
    ADD_FAILURE() << "paging never ended";
    return positions;
  }
  static v1::ListChangesByActorRequest ByActor(const std::string& actor,
                                               bool on_behalf = false) {
    v1::ListChangesByActorRequest r;
    r.set_actor(actor);
    r.set_include_on_behalf_of(on_behalf);
    return r;
  }

  // recorded_at of the event at `position` of customer `id`.
  google::protobuf::Timestamp RecordedAt(const std::string& id,
                                         uint64_t position) {
    for (const v1::Event& e : StreamEvents(id)) {
      if (e.position() == position) return e.metadata().recorded_at();
    }
    ADD_FAILURE() << "no event at " << position << " in " << id;
    return {};
  }

  std::unique_ptr<v1::Audit::Stub> audit_;
};

TEST_F(AuditHistoryTest, PhoneChangedThreeTimesHasFourEntriesWithWhoAndWhy) {
  const auto reg =
      RegisterFull("C-1", {"13800138000"}, "", "alice", "lead from the fair");
  ContactBy("C-1", "alice");  // changes no phone
  const auto p1 = SetPhones("C-1", {"13900139000"}, "bob", "typo");
  ContactBy("C-1", "bob");
  const auto p2 =
      SetPhones("C-1", {"13900139000", "021-88886666"}, "carol", "office line");
  const auto p3 =
      SetPhones("C-1", {"021-88886666"}, "svc-crm", "mobile gone", "dave");

  const v1::GetFieldHistoryResponse h = HistoryOk("C-1", "profile.phones");
  EXPECT_EQ(h.customer_id(), "C-1");
  EXPECT_EQ(h.field_path(), "profile.phones");
  EXPECT_TRUE(h.resolved_from().empty());
  EXPECT_EQ(h.as_of_position(), p3.last_position());
  EXPECT_THAT(
      Steps(h),
      ElementsAre(R"( -> ["13800138000"])",
                  R"(["13800138000"] -> ["13900139000"])",
                  R"(["13900139000"] -> ["13900139000","021-88886666"])",
                  R"(["13900139000","021-88886666"] -> ["021-88886666"])"));
  ASSERT_EQ(h.changes_size(), 4);
  const std::vector<uint64_t> positions = {
      reg.last_position(), p1.last_position(), p2.last_position(),
      p3.last_position()};
  const std::vector<std::string> actors = {"alice", "bob", "carol", "svc-crm"};
  const std::vector<std::string> reasons = {"lead from the fair", "typo",
                                            "office line", "mobile gone"};
  const std::vector<uint64_t> versions = {1, 3, 5, 6};
  for (int i = 0; i < 4; ++i) {
    const v1::FieldChange& c = h.changes(i);
    SCOPED_TRACE(i);
    EXPECT_EQ(c.position(), positions[i]);
    EXPECT_EQ(c.version(), versions[i]);
    EXPECT_EQ(c.customer_id(), "C-1");
    EXPECT_EQ(c.file_id(), "C-1");
    EXPECT_EQ(c.actor(), actors[i]);
    EXPECT_EQ(c.reason(), reasons[i]);
    EXPECT_EQ(c.event_type(), i == 0 ? "CustomerRegistered" : "ProfileUpdated");
    EXPECT_GT(c.recorded_at().seconds(), 0);
    EXPECT_GT(c.occurred_at().seconds(), 0);
  }
  EXPECT_EQ(h.changes(3).on_behalf_of(), "dave");
  EXPECT_EQ(h.changes(3).service(), "crm");
  EXPECT_EQ(h.current_value(), R"(["021-88886666"])");
}

TEST_F(AuditHistoryTest, NestedPathsAndClassificationStartEmpty) {
  RegisterFull("C-2", {}, "", "alice", "");
  const auto hz = SetCity("C-2", "杭州", "bob");
  SetPhones("C-2", {"13800138000"}, "bob", "");  // another field
  const auto sh = SetCity("C-2", "上海", "carol");
  Classify("C-2", v1::GRADE_A, "", "", "erin", "big order");
  Classify("C-2", v1::GRADE_A, "vip", "", "erin", "same grade, a tag");
  Classify("C-2", v1::GRADE_B, "", "", "frank", "downgrade");

  v1::GetFieldHistoryResponse city = HistoryOk("C-2", "profile.address.city");
  EXPECT_THAT(Steps(city), ElementsAre(R"( -> "杭州")", R"("杭州" -> "上海")"));
  ASSERT_EQ(city.changes_size(), 2);
  EXPECT_EQ(city.changes(0).position(), hz.last_position());
  EXPECT_EQ(city.changes(1).position(), sh.last_position());
  EXPECT_EQ(city.current_value(), R"("上海")");

  // The whole address, named in JSON spelling too.
  EXPECT_THAT(Steps(HistoryOk("C-2", "profile.address")),
              ElementsAre(R"( -> {"city":"杭州"})",
                          R"({"city":"杭州"} -> {"city":"上海"})"));

  const v1::GetFieldHistoryResponse grade =
      HistoryOk("C-2", "classification.grade");
  EXPECT_THAT(Steps(grade),
              ElementsAre(R"( -> "GRADE_A")", R"("GRADE_A" -> "GRADE_B")"));
  ASSERT_EQ(grade.changes_size(), 2);
  EXPECT_EQ(grade.changes(0).actor(), "erin");
  EXPECT_EQ(grade.changes(1).reason(), "downgrade");
  EXPECT_EQ(grade.changes(1).event_type(), "CustomerClassified");

  const v1::GetFieldHistoryResponse tags =
      HistoryOk("C-2", "classification.tags");
  EXPECT_THAT(Steps(tags), ElementsAre(R"( -> ["vip"])"));

  // A field never set has no history and reads "".
  const v1::GetFieldHistoryResponse owner = HistoryOk("C-2", "ownerId");
  EXPECT_EQ(owner.field_path(), "owner_id");
  EXPECT_EQ(owner.changes_size(), 0);
  EXPECT_EQ(owner.current_value(), "");
}

TEST_F(AuditHistoryTest, BadPathsNameTheSegmentAndUnknownCustomerIsNotFound) {
  RegisterFull("C-3", {"13800138000"}, "", "alice", "");
  struct Case {
    std::string path;
    std::vector<std::string> mentions;
  };
  const std::vector<Case> cases = {
      {"", {"field_path", "is required", "owner_id"}},
      {"profile.phonez", {"\"phonez\"", "ProfileFields", "phones", "emails"}},
      {"profil.phones", {"\"profil\"", "CustomerProfile", "profile"}},
      {"profile..city", {"empty segment after \"profile\"", "ProfileFields"}},
      {"profile.address.town", {"\"town\"", "PostalAddress", "city"}},
      {"owner_id.x", {"\"owner_id\"", "\"x\""}},
      {"key_people.name", {"\"key_people\"", "list", "\"name\""}},
      {"created_at.seconds", {"google.protobuf.Timestamp", "\"created_at\""}},
  };
  for (const Case& c : cases) {
    v1::GetFieldHistoryResponse out;
    const grpc::Status s = History("C-3", c.path, &out);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << c.path;
    for (const std::string& m : c.mentions) {
      EXPECT_THAT(s.error_message(), HasSubstr(m)) << c.path;
    }
  }
  v1::GetFieldHistoryResponse out;
  grpc::Status s = History("C-404", "profile.phones", &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_THAT(s.error_message(), HasSubstr("C-404"));
  s = History("bad id!", "profile.phones", &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("customer_id"));
}

TEST_F(AuditHistoryTest, MergedFileShowsBothHistoriesAndTheMerge) {
  const auto s1 = RegisterFull("S-1", {"13800138000"}, "", "alice", "");
  const auto m1 = RegisterFull("M-1", {"13700137000"}, "杭州", "bob", "");
  const auto m2 = SetPhones("M-1", {"13700137001"}, "bob", "new mobile");
  const auto merge = MergeOk("S-1", "M-1");
  const auto s2 = SetPhones("S-1", {"13800138000"}, "carol", "drop old");

  const v1::GetFieldHistoryResponse h = HistoryOk("S-1", "profile.phones");
  ASSERT_EQ(h.changes_size(), 5);
  EXPECT_THAT(
      Steps(h),
      ElementsAre(R"( -> ["13800138000"])", R"( -> ["13700137000"])",
                  R"(["13700137000"] -> ["13700137001"])",
                  R"(["13800138000"] -> ["13800138000","13700137001"])",
                  R"(["13800138000","13700137001"] -> ["13800138000"])"));
  EXPECT_EQ(h.changes(0).position(), s1.last_position());
  EXPECT_EQ(h.changes(0).file_id(), "S-1");
  EXPECT_EQ(h.changes(1).position(), m1.last_position());
  EXPECT_EQ(h.changes(1).file_id(), "M-1");
  EXPECT_EQ(h.changes(1).customer_id(), "M-1");
  EXPECT_EQ(h.changes(2).position(), m2.last_position());
  EXPECT_EQ(h.changes(2).file_id(), "M-1");
  const v1::FieldChange& merged = h.changes(3);
  EXPECT_EQ(merged.position(), merge.last_position());
  EXPECT_EQ(merged.event_type(), "CustomerMerged");
  EXPECT_EQ(merged.customer_id(), "M-1");  // the event's stream
  EXPECT_EQ(merged.file_id(), "S-1");      // whose value changed
  EXPECT_EQ(merged.actor(), "merger");
  EXPECT_EQ(merged.reason(), "duplicate file");
  EXPECT_EQ(h.changes(4).position(), s2.last_position());
  EXPECT_EQ(h.current_value(), R"(["13800138000"])");

  // The merged id resolves to the survivor's file, as GetProfile does.
  const v1::GetFieldHistoryResponse via = HistoryOk("M-1", "profile.phones");
  EXPECT_EQ(via.customer_id(), "S-1");
  EXPECT_EQ(via.resolved_from(), "M-1");
  EXPECT_EQ(Steps(via), Steps(h));
  // An append the projection refuses (the customer was merged) leaves no
  // index entry behind.
  v1::AppendRequest late = ContactRequest("M-1");
  late.mutable_metadata()->set_actor("zed");
  EXPECT_EQ(Reject(late).error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(AllChangesBy(ByActor("zed")), ::testing::IsEmpty());
  // A field only the merged customer had comes with the merge.
  EXPECT_THAT(Steps(HistoryOk("S-1", "profile.address.city")),
              ElementsAre(R"( -> "杭州")", R"( -> "杭州")"));
}

TEST_F(AuditHistoryTest, ChangesByActorAcrossCustomersAndTimeRange) {
  std::vector<uint64_t> alice;
  alice.push_back(RegisterFull("A-1", {}, "", "alice", "").last_position());
  RegisterFull("B-1", {}, "", "bob", "");
  ContactBy("B-1", "bob");
  alice.push_back(ContactBy("B-1", "alice").last_position());
  alice.push_back(ContactBy("A-1", "alice").last_position());
  ContactBy("A-1", "alicia");  // a longer name sharing the prefix
  ContactBy("A-1", "al");
  alice.push_back(SetCity("B-1", "杭州", "alice").last_position());
  // Rules are changes too: the rules stream is indexed like customers.
  v1::SaveRuleRequest save;
  save.mutable_rule()->set_rule_id("vip-all");
  save.mutable_rule()->set_tag("vip");
  save.mutable_metadata()->set_actor("alice");
  save.mutable_metadata()->set_reason("everyone is vip");
  v1::SaveRuleResponse saved;
  auto rules = v1::ClassificationRules::NewStub(channel());
  ASSERT_THAT(rules->SaveRule(Context().get(), save, &saved), GrpcOk());
  alice.push_back(saved.rule().position());

  v1::ListChangesByActorResponse out;
  ASSERT_THAT(ChangesBy(ByActor("alice"), &out), GrpcOk());
  std::vector<uint64_t> got;
  for (const auto& c : out.changes()) got.push_back(c.position());
  EXPECT_EQ(got, alice);
  EXPECT_TRUE(out.next_page_token().empty());
  ASSERT_EQ(out.changes_size(), 5);
  EXPECT_EQ(out.changes(0).customer_id(), "A-1");
  EXPECT_EQ(out.changes(0).event_type(), "CustomerRegistered");
  EXPECT_EQ(out.changes(0).version(), 1u);
  EXPECT_EQ(out.changes(1).customer_id(), "B-1");
  EXPECT_EQ(out.changes(1).version(), 3u);
  EXPECT_EQ(out.changes(3).reason(), "moved");
  EXPECT_EQ(out.changes(4).customer_id(), "$classification-rules");
  EXPECT_EQ(out.changes(4).event_type(), "ClassificationRuleSaved");
  EXPECT_EQ(out.changes(4).reason(), "everyone is vip");
  for (const auto& c : out.changes()) EXPECT_EQ(c.actor(), "alice");

  // [recorded_at of the 2nd, recorded_at of the 4th): the 2nd and 3rd
  // (commit times may repeat, so compare with what the log says).
  v1::ListChangesByActorRequest range = ByActor("alice");
  *range.mutable_from() = out.changes(1).recorded_at();
  *range.mutable_to() = out.changes(3).recorded_at();
  std::vector<uint64_t> want;
  for (const auto& c : out.changes()) {
    if (Micros(c.recorded_at()) >= Micros(range.from()) &&
        Micros(c.recorded_at()) < Micros(range.to())) {
      want.push_back(c.position());
    }
  }
  EXPECT_THAT(want, ::testing::Contains(alice[1]));
  EXPECT_EQ(AllChangesBy(range), want);
  // Only `from`: from the 2nd on.
  range.clear_to();
  EXPECT_EQ(AllChangesBy(range),
            std::vector<uint64_t>(alice.begin() + 1, alice.end()));

  EXPECT_THAT(AllChangesBy(ByActor("al")), ::testing::SizeIs(1));
  EXPECT_THAT(AllChangesBy(ByActor("nobody")), ::testing::IsEmpty());
}

TEST_F(AuditHistoryTest, PagesCoverEveryEventOnceWhileAppendsContinue) {
  RegisterFull("P-1", {}, "", "alice", "");
  RegisterFull("P-2", {}, "", "bob", "");
  for (int i = 0; i < 20; ++i) {
    ContactBy(i % 2 == 0 ? "P-1" : "P-2", "alice");
    ContactBy("P-2", "bob");
  }
  v1::ListChangesByActorRequest r = ByActor("alice");
  r.set_page_size(7);
  std::vector<uint64_t> seen;
  int pages = 0;
  for (; pages < 100; ++pages) {
    v1::ListChangesByActorResponse out;
    ASSERT_THAT(ChangesBy(r, &out), GrpcOk());
    EXPECT_LE(out.changes_size(), 7);
    for (const auto& c : out.changes()) seen.push_back(c.position());
    if (out.next_page_token().empty()) break;
    r.set_page_token(out.next_page_token());
    // Appends between pages: alice's new events come on later pages.
    ContactBy("P-1", "alice");
    ContactBy("P-1", "bob");
  }
  // 21 events, 7 a page, one more after each full page: 7, 7, 7, 3.
  EXPECT_EQ(pages + 1, 4);
  std::vector<uint64_t> alice;
  v1::ReadAllRequest all;
  all.set_limit(1000);
  v1::ReadAllResponse log;
  ASSERT_THAT(ReadAll(all, &log), GrpcOk());
  for (const auto& e : log.events()) {
    if (e.metadata().actor() == "alice") alice.push_back(e.position());
  }
  EXPECT_EQ(seen, alice);  // each once, in position order
  EXPECT_EQ(std::set<uint64_t>(seen.begin(), seen.end()).size(), seen.size());
}

TEST_F(AuditHistoryTest, OnBehalfOfIsIncludedOnlyWhenAsked) {
  const auto own = RegisterFull("O-1", {}, "", "dave", "").last_position();
  const auto for_dave =
      SetPhones("O-1", {"13800138000"}, "svc-crm", "synced", "dave")
          .last_position();
  const auto for_self =
      SetPhones("O-1", {"13800138001"}, "dave", "himself", "dave")
          .last_position();
  SetPhones("O-1", {"13800138002"}, "svc-crm", "other user", "erin");

  EXPECT_THAT(AllChangesBy(ByActor("dave")), ElementsAre(own, for_self));
  EXPECT_THAT(AllChangesBy(ByActor("dave", /*on_behalf=*/true)),
              ElementsAre(own, for_dave, for_self));
  v1::ListChangesByActorResponse out;
  ASSERT_THAT(ChangesBy(ByActor("dave", true), &out), GrpcOk());
  ASSERT_EQ(out.changes_size(), 3);
  EXPECT_EQ(out.changes(1).actor(), "svc-crm");
  EXPECT_EQ(out.changes(1).on_behalf_of(), "dave");
  EXPECT_EQ(out.changes(1).service(), "crm");
  // Paged one by one, the event listed under both indexes still comes once.
  v1::ListChangesByActorRequest one = ByActor("dave", true);
  one.set_page_size(1);
  EXPECT_THAT(AllChangesBy(one), ElementsAre(own, for_dave, for_self));
}

TEST_F(AuditHistoryTest, BadChangesByRequestsAreRefused) {
  v1::ListChangesByActorResponse out;
  grpc::Status s = ChangesBy(ByActor(""), &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("actor"));
  v1::ListChangesByActorRequest r = ByActor("alice");
  r.mutable_from()->set_seconds(2000);
  r.mutable_to()->set_seconds(1000);
  s = ChangesBy(r, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("to:"));
  r = ByActor("alice");
  r.set_page_token("bm90LWEtdG9rZW4");
  s = ChangesBy(r, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("page_token"));

  v1::ListAccessRequest access;  // neither customer nor principal
  v1::ListAccessResponse records;
  s = audit_->ListAccess(Context().get(), access, &records);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("subject"));
}

TEST_F(AuditHistoryTest, RebuiltProjectionsGiveTheSameAnswers) {
  RegisterFull("R-1", {"13800138000"}, "", "alice", "");
  RegisterFull("R-2", {"13700137000"}, "", "bob", "");
  SetPhones("R-1", {"13900139000"}, "bob", "fix");
  SetPhones("R-2", {"13700137001"}, "svc-crm", "sync", "alice");
  MergeOk("R-1", "R-2");
  ContactBy("R-1", "alice");
  auto answers = [&] {
    std::vector<std::string> out;
    out.push_back(HistoryOk("R-2", "profile.phones").SerializeAsString());
    for (const char* actor : {"alice", "bob", "merger", "svc-crm"}) {
      for (bool on_behalf : {false, true}) {
        v1::ListChangesByActorResponse changes;
        EXPECT_THAT(ChangesBy(ByActor(actor, on_behalf), &changes), GrpcOk());
        out.push_back(changes.SerializeAsString());
      }
    }
    return out;
  };
  const std::vector<std::string> before = answers();
  v1::ListChangesByActorResponse alice;
  ASSERT_THAT(ChangesBy(ByActor("alice", true), &alice), GrpcOk());
  EXPECT_EQ(alice.changes_size(), 3);

  auto admin = v1::Admin::NewStub(channel());
  v1::RebuildProjectionsResponse rebuilt;
  ASSERT_THAT(
      admin->RebuildProjections(Context(absl::Seconds(60)).get(),
                                v1::RebuildProjectionsRequest(), &rebuilt),
      GrpcOk());
  EXPECT_EQ(answers(), before);

  options_.rebuild_projections = true;
  RestartServer();
  EXPECT_EQ(answers(), before);
}

}  // namespace
}  // namespace ledger::testing
