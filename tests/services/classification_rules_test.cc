// The ClassificationRules service over gRPC: rules are versioned events in
// the "$classification-rules" stream, validated field by field; a sweep
// (EvaluateRules) appends CustomerClassified events with by_rule for real
// changes only, respects values a person set, and clears what a rule set
// once it stops deciding.

#include <optional>
#include <string>
#include <vector>

#include "absl/time/civil_time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/services/classification_rules_fixture.h"
#include "tests/testing/status_matchers.h"

namespace ledger::testing {
namespace {

namespace v1 = ::ledger::v1;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using Code = ::grpc::StatusCode;

TEST_F(ClassificationRulesTest, SaveRuleVersionsRulesAndListsTheirHistory) {
  v1::ClassificationRule rule = AmountRule("big-spender", 100000);
  const v1::RuleState first = SaveOk(rule, "alice");
  EXPECT_EQ(first.version(), 1u);
  EXPECT_EQ(first.saved_by(), "alice");
  EXPECT_EQ(first.reason(), "policy");
  EXPECT_EQ(first.position(), HeadPosition());
  EXPECT_GT(first.saved_at().seconds(), 0);
  EXPECT_FALSE(first.removed());
  EXPECT_EQ(first.rule().SerializeAsString(), rule.SerializeAsString());
  rule.set_description("raised");
  const v1::RuleState second = SaveOk(rule, "bob");
  EXPECT_EQ(second.version(), 2u);
  EXPECT_EQ(second.saved_by(), "bob");
  EXPECT_EQ(second.position(), first.position() + 1);
  EXPECT_EQ(SaveOk(AmountRule("aaa-first", 5, v1::GRADE_D)).version(), 1u);

  v1::ListRulesResponse list = List();
  ASSERT_EQ(list.rules_size(), 2);
  EXPECT_EQ(list.rules(0).rule().rule_id(), "aaa-first");
  EXPECT_EQ(list.rules(1).rule().rule_id(), "big-spender");
  EXPECT_EQ(list.rules(1).version(), 2u);
  EXPECT_EQ(list.rules(1).rule().description(), "raised");
  EXPECT_EQ(list.history_size(), 0);
  list = List(false, /*include_history=*/true);
  ASSERT_EQ(list.history_size(), 3);
  EXPECT_EQ(list.history(0).rule().rule_id(), "aaa-first");
  EXPECT_EQ(list.history(1).rule().rule_id(), "big-spender");
  EXPECT_EQ(list.history(1).version(), 1u);
  EXPECT_EQ(list.history(1).rule().description(), "");
  EXPECT_EQ(list.history(1).saved_by(), "alice");
  EXPECT_EQ(list.history(2).version(), 2u);
  EXPECT_EQ(list.history(2).rule().description(), "raised");
}

TEST_F(ClassificationRulesTest, RuleEventsAreInTheRulesStreamWithTheActor) {
  SaveOk(AmountRule("big-spender", 100000), "alice");
  v1::RemoveRuleResponse removed;
  ASSERT_THAT(Remove("big-spender", &removed), GrpcOk());
  EXPECT_EQ(removed.position(), HeadPosition());
  const std::vector<v1::Event> events = StreamEvents(kRulesStream);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].customer_id(), kRulesStream);
  EXPECT_EQ(events[0].event_type(), "ClassificationRuleSaved");
  EXPECT_EQ(events[0].metadata().actor(), "alice");
  EXPECT_EQ(events[0].metadata().reason(), "policy");
  EXPECT_EQ(events[0].payload().classification_rule_saved().rule().rule_id(),
            "big-spender");
  EXPECT_EQ(events[1].event_type(), "ClassificationRuleRemoved");
  EXPECT_EQ(events[1].metadata().actor(), "bob");
  EXPECT_EQ(events[1].version(), 2u);
  EXPECT_EQ(events[1].position(), removed.position());
}

TEST_F(ClassificationRulesTest, InvalidRulesNameTheFieldAndAppendNothing) {
  struct Case {
    v1::ClassificationRule rule;
    std::string message;
  };
  std::vector<Case> cases;
  auto add = [&](std::string message) -> v1::ClassificationRule& {
    cases.push_back({AmountRule("r-1", 10), std::move(message)});
    return cases.back().rule;
  };
  add("rule.rule_id: \"Big Spender\" is not a rule id")
      .set_rule_id("Big Spender");
  add("rule.rule_id: \"\" is not a rule id").clear_rule_id();
  add("has 2 outcomes").set_tag("vip");
  add("has 0 outcomes").clear_grade();
  add("rule.all_of[0]: set exactly one of metric and attribute")
      .mutable_all_of(0)
      ->set_attribute(v1::RULE_ATTRIBUTE_TAG);
  add("rule.all_of[0].comparison: is required")
      .mutable_all_of(0)
      ->clear_comparison();
  add("rule.all_of[0].value").mutable_all_of(0)->set_value(-1);
  v1::RuleClause* nature =
      add("rule.all_of[1].any_of[0]: \"GOVERNMENT\" is not "
          "a CustomerNature; use one of "
          "CUSTOMER_NATURE_GOVERNMENT")
          .add_all_of();
  nature->set_attribute(v1::RULE_ATTRIBUTE_NATURE);
  nature->add_any_of("GOVERNMENT");
  v1::RuleClause* kind =
      add("rule.all_of[1].any_of[1]: \"company\"").add_all_of();
  kind->set_attribute(v1::RULE_ATTRIBUTE_KIND);
  kind->add_any_of("CUSTOMER_KIND_INDIVIDUAL");
  kind->add_any_of("company");
  add("rule.all_of[1].any_of: is empty")
      .add_all_of()
      ->set_attribute(v1::RULE_ATTRIBUTE_INDUSTRY);
  v1::RfmScale* rfm =
      add("rule.rfm.recency_days: has 3 thresholds").mutable_rfm();
  for (uint32_t d : {30u, 60u, 90u}) rfm->add_recency_days(d);
  rfm = add("rule.rfm.monetary[2]: 2 is not above the previous threshold 2")
            .mutable_rfm();
  for (double m : {1.0, 2.0, 2.0, 3.0}) rfm->add_monetary(m);
  for (const Case& c : cases) {
    SCOPED_TRACE(c.message);
    EXPECT_THAT(Refused([&] { return Save(c.rule); }),
                GrpcStatusIs(Code::INVALID_ARGUMENT, HasSubstr(c.message)));
  }
  EXPECT_THAT(
      Refused([&] {
        return Save(AmountRule("r-1", 10), nullptr, std::nullopt, "");
      }),
      GrpcStatusIs(Code::INVALID_ARGUMENT, HasSubstr("metadata.actor")));
  EXPECT_EQ(List(true).rules_size(), 0);
}

TEST_F(ClassificationRulesTest, StaleExpectedRuleVersionIsAborted) {
  const v1::ClassificationRule rule = AmountRule("big-spender", 100000);
  SaveOk(rule);
  EXPECT_THAT(Refused([&] { return Save(rule, nullptr, 0); }),
              GrpcStatusIs(Code::ABORTED, HasSubstr("is at version 1, not the "
                                                    "expected 0")));
  EXPECT_THAT(Refused([&] { return Save(rule, nullptr, 2); }),
              GrpcStatusIs(Code::ABORTED));
  v1::SaveRuleResponse out;
  ASSERT_THAT(Save(rule, &out, 1), GrpcOk());
  EXPECT_EQ(out.rule().version(), 2u);
  EXPECT_THAT(Refused([&] { return Save(AmountRule("new", 1), nullptr, 1); }),
              GrpcStatusIs(Code::ABORTED));
  ASSERT_THAT(Save(AmountRule("new", 1), &out, 0), GrpcOk());
  EXPECT_EQ(out.rule().version(), 1u);
}

TEST_F(ClassificationRulesTest, RemoveRuleAndUnknownRuleIsNotFound) {
  EXPECT_THAT(Refused([&] { return Remove("nothing"); }),
              GrpcStatusIs(Code::NOT_FOUND, HasSubstr("\"nothing\"")));
  SaveOk(AmountRule("big-spender", 100000));
  ASSERT_THAT(Remove("big-spender"), GrpcOk());
  EXPECT_EQ(List().rules_size(), 0);
  const v1::ListRulesResponse all = List(/*include_removed=*/true);
  ASSERT_EQ(all.rules_size(), 1);
  EXPECT_TRUE(all.rules(0).removed());
  EXPECT_EQ(all.rules(0).saved_by(), "bob");
  EXPECT_THAT(Refused([&] { return Remove("big-spender"); }),
              GrpcStatusIs(Code::NOT_FOUND, HasSubstr("removed already")));
  const v1::RuleState again = SaveOk(AmountRule("big-spender", 5));
  EXPECT_EQ(again.version(), 2u);
  EXPECT_FALSE(again.removed());
}

TEST_F(ClassificationRulesTest, RuleEventsCannotBeAppendedToACustomer) {
  Register("C-1", "ACME");
  v1::AppendRequest r;
  r.set_customer_id("C-1");
  r.mutable_metadata()->set_actor("tester");
  *r.add_events()
       ->mutable_payload()
       ->mutable_classification_rule_saved()
       ->mutable_rule() = AmountRule("sneaky", 1);
  EXPECT_THAT(Reject(r),
              GrpcStatusIs(Code::INVALID_ARGUMENT,
                           HasSubstr("ClassificationRules service")));
  r.mutable_events(0)
      ->mutable_payload()
      ->mutable_classification_rule_removed()
      ->set_rule_id("sneaky");
  EXPECT_THAT(Reject(r), GrpcStatusIs(Code::INVALID_ARGUMENT));
  r.set_customer_id(kRulesStream);
  EXPECT_THAT(Reject(r),
              GrpcStatusIs(Code::INVALID_ARGUMENT, HasSubstr("customer_id")));
  EXPECT_EQ(List(true).rules_size(), 0);
}

TEST_F(ClassificationRulesTest, ThresholdRuleSetsTheGradeWithRuleAndVersion) {
  SaveOk(AmountRule("grade-a-big", 100000));
  SaveOk(AmountRule("grade-a-big", 100000));  // version 2
  Register("C-1", "ACME");
  Register("C-2", "Small");
  Txn("C-1", absl::CivilDay(2026, 3, 1), 60000);
  Txn("C-1", absl::CivilDay(2026, 5, 1), 40000);
  Txn("C-2", absl::CivilDay(2026, 5, 1), 99999);
  const v1::EvaluateRulesResponse out = EvaluateOn(absl::CivilDay(2026, 6, 1));
  EXPECT_EQ(out.customers_evaluated(), 2u);
  EXPECT_EQ(out.customers_changed(), 1u);
  ASSERT_EQ(out.changes_size(), 1);
  EXPECT_EQ(out.changes(0).customer_id(), "C-1");
  EXPECT_EQ(out.changes(0).change().grade(), v1::GRADE_A);
  EXPECT_EQ(out.changes(0).change().by_rule(), "grade-a-big");
  EXPECT_EQ(out.changes(0).change().rule_version(), 2u);
  EXPECT_EQ(out.changes(0).error(), "");
  EXPECT_EQ(out.changes(0).position(), HeadPosition());

  const v1::Classification c = ClassOf("C-1");
  EXPECT_EQ(c.grade(), v1::GRADE_A);
  EXPECT_FALSE(c.grade_source().manual());
  EXPECT_EQ(c.grade_source().by_rule(), "grade-a-big");
  EXPECT_EQ(c.grade_source().rule_version(), 2u);
  const v1::ClassificationChange change = LastChange("C-1");
  EXPECT_EQ(change.by_rule(), "grade-a-big");
  EXPECT_EQ(change.rule_version(), 2u);
  EXPECT_EQ(change.actor(), kSweepActor);
  EXPECT_EQ(change.position(), out.changes(0).position());
  EXPECT_EQ(change.before().grade(), v1::GRADE_UNSPECIFIED);
  EXPECT_EQ(change.after().grade(), v1::GRADE_A);
  EXPECT_EQ(ClassOf("C-2").grade(), v1::GRADE_UNSPECIFIED);
}

TEST_F(ClassificationRulesTest, ReevaluatingWithNothingChangedAppendsNothing) {
  SaveOk(AmountRule("grade-a-big", 100000));
  Register("C-1", "ACME");
  Txn("C-1", absl::CivilDay(2026, 3, 1), 200000);
  ASSERT_EQ(EvaluateOn(absl::CivilDay(2026, 6, 1)).changes_size(), 1);
  const uint64_t head = HeadPosition();
  for (absl::CivilDay day :
       {absl::CivilDay(2026, 6, 1), absl::CivilDay(2026, 9, 1)}) {
    const v1::EvaluateRulesResponse again = EvaluateOn(day);
    EXPECT_EQ(again.customers_evaluated(), 1u);
    EXPECT_EQ(again.customers_changed(), 0u);
    EXPECT_THAT(again.changes(), IsEmpty());
  }
  EXPECT_EQ(HeadPosition(), head);
}

TEST_F(ClassificationRulesTest, RuleUnfiresWhenTheTransactionsLeaveTheWindow) {
  SaveOk(AmountRule("grade-a-big", 100000));
  Register("C-1", "ACME");
  Txn("C-1", absl::CivilDay(2025, 6, 20), 200000);
  ASSERT_EQ(EvaluateOn(absl::CivilDay(2026, 6, 1)).changes_size(), 1);
  EXPECT_EQ(ClassOf("C-1").grade(), v1::GRADE_A);

  const v1::EvaluateRulesResponse out = EvaluateOn(absl::CivilDay(2026, 7, 1));
  ASSERT_EQ(out.changes_size(), 1);
  const v1::CustomerClassified& e = out.changes(0).change();
  EXPECT_EQ(e.by_rule(), "grade-a-big");
  EXPECT_EQ(e.rule_version(), 1u);
  EXPECT_EQ(e.grade(), v1::GRADE_UNSPECIFIED);
  EXPECT_THAT(e.cleared(), ElementsAre(v1::CLASSIFICATION_DIMENSION_GRADE));
  const v1::Classification c = ClassOf("C-1");
  EXPECT_EQ(c.grade(), v1::GRADE_UNSPECIFIED);
  EXPECT_EQ(c.grade_source().by_rule(), "");
  const v1::ClassificationChange change = LastChange("C-1");
  EXPECT_EQ(change.by_rule(), "grade-a-big");
  EXPECT_EQ(change.before().grade(), v1::GRADE_A);
  EXPECT_EQ(change.after().grade(), v1::GRADE_UNSPECIFIED);
  EXPECT_THAT(EvaluateOn(absl::CivilDay(2026, 7, 1)).changes(), IsEmpty());
}

TEST_F(ClassificationRulesTest, DormantRuleFiresAt180DaysAndNotAt179) {
  v1::ClassificationRule dormant;
  dormant.set_rule_id("dormant");
  dormant.set_lifecycle_stage(v1::LIFECYCLE_STAGE_DORMANT);
  v1::RuleClause* bought = dormant.add_all_of();
  bought->set_metric(v1::RULE_METRIC_PURCHASE_COUNT);
  bought->set_comparison(v1::COMPARISON_GE);
  bought->set_value(1);
  v1::RuleClause* quiet = dormant.add_all_of();
  quiet->set_metric(v1::RULE_METRIC_DAYS_SINCE_LAST_TRANSACTION);
  quiet->set_comparison(v1::COMPARISON_GE);
  quiet->set_value(180);
  SaveOk(dormant);
  Register("C-1", "ACME");
  Register("C-never", "Never bought");
  const absl::CivilDay last(2026, 1, 10);
  Txn("C-1", last - 30, 10);
  Txn("C-1", last, 10);
  EXPECT_THAT(EvaluateOn(last + 179).changes(), IsEmpty());
  const v1::EvaluateRulesResponse out = EvaluateOn(last + 180);
  ASSERT_EQ(out.changes_size(), 1);
  EXPECT_EQ(out.changes(0).customer_id(), "C-1");
  EXPECT_EQ(out.changes(0).change().lifecycle_stage(),
            v1::LIFECYCLE_STAGE_DORMANT);
  EXPECT_EQ(ClassOf("C-1").lifecycle_stage(), v1::LIFECYCLE_STAGE_DORMANT);
  EXPECT_EQ(ClassOf("C-never").lifecycle_stage(),
            v1::LIFECYCLE_STAGE_UNSPECIFIED);
}

TEST_F(ClassificationRulesTest, DefaultRulesAreInstalledOnceAndDecide) {
  options_.install_default_rules = true;
  RestartServer();
  RestartServer();  // installed only when there are none yet
  std::vector<std::string> ids;
  const v1::ListRulesResponse installed = List();
  for (const auto& r : installed.rules()) {
    ids.push_back(r.rule().rule_id());
    EXPECT_EQ(r.version(), 1u) << r.rule().rule_id();
  }
  EXPECT_THAT(
      ids, ElementsAre("active-180d", "dormant-180d", "grade-a-12m", "rfm-high",
                       "rfm-low", "rfm-medium", "rfm-strategic"));
  EXPECT_EQ(StreamEvents(kRulesStream).size(), 7u);

  Register("C-1", "ACME");
  const absl::CivilDay last(2026, 1, 10);
  Txn("C-1", last, 5000);  // RFM 3 + 2 + 1 at 179 and 180 days
  v1::EvaluateRulesResponse out = EvaluateOn(last + 179);
  ASSERT_EQ(out.changes_size(), 2);
  EXPECT_EQ(out.changes(0).change().by_rule(), "active-180d");
  EXPECT_EQ(out.changes(1).change().by_rule(), "rfm-low");
  EXPECT_EQ(ClassOf("C-1").lifecycle_stage(), v1::LIFECYCLE_STAGE_ACTIVE);
  EXPECT_EQ(ClassOf("C-1").value_tier(), v1::VALUE_TIER_LOW);
  out = EvaluateOn(last + 180);
  ASSERT_EQ(out.changes_size(), 1);
  EXPECT_EQ(out.changes(0).change().by_rule(), "dormant-180d");
  EXPECT_EQ(ClassOf("C-1").lifecycle_stage(), v1::LIFECYCLE_STAGE_DORMANT);
  EXPECT_EQ(ClassOf("C-1").lifecycle_stage_source().by_rule(), "dormant-180d");
}

TEST_F(ClassificationRulesTest, ManualGradeWinsUntilReleasedToTheRules) {
  SaveOk(AmountRule("grade-a-big", 100000));
  Register("C-1", "ACME");
  Txn("C-1", absl::CivilDay(2026, 5, 1), 500000);
  Classify("C-1", v1::GRADE_C);
  EXPECT_THAT(EvaluateOn(absl::CivilDay(2026, 6, 1)).changes(), IsEmpty());
  EXPECT_EQ(ClassOf("C-1").grade(), v1::GRADE_C);
  EXPECT_TRUE(ClassOf("C-1").grade_source().manual());

  v1::EventPayload release;
  release.mutable_customer_classified()->add_release_to_rules(
      v1::CLASSIFICATION_DIMENSION_GRADE);
  AppendEvent("C-1", release);
  EXPECT_EQ(ClassOf("C-1").grade(), v1::GRADE_C) << "released, not cleared";
  EXPECT_FALSE(ClassOf("C-1").grade_source().manual());
  const v1::EvaluateRulesResponse out = EvaluateOn(absl::CivilDay(2026, 6, 1));
  ASSERT_EQ(out.changes_size(), 1);
  EXPECT_EQ(out.changes(0).change().grade(), v1::GRADE_A);
  EXPECT_EQ(ClassOf("C-1").grade(), v1::GRADE_A);
  EXPECT_EQ(ClassOf("C-1").grade_source().by_rule(), "grade-a-big");

  Classify("C-1", v1::GRADE_B);  // a person decides again
  EXPECT_THAT(EvaluateOn(absl::CivilDay(2026, 6, 1)).changes(), IsEmpty());
  EXPECT_EQ(ClassOf("C-1").grade(), v1::GRADE_B);
}

TEST_F(ClassificationRulesTest, TagRuleAddsAndRemovesItsTagButNeverAManualTag) {
  SaveOk(TagRule("vip-tag", "vip", 100000));
  for (const std::string id : {"X", "Y", "Z"}) Register(id, id);
  Txn("X", absl::CivilDay(2026, 5, 1), 200000);
  Txn("Y", absl::CivilDay(2026, 5, 1), 10);
  Txn("Z", absl::CivilDay(2026, 5, 1), 200000);
  Classify("Y", v1::GRADE_UNSPECIFIED, "vip");
  Classify("Z", v1::GRADE_UNSPECIFIED, "vip");
  v1::EvaluateRulesResponse out = EvaluateOn(absl::CivilDay(2026, 6, 1));
  ASSERT_EQ(out.changes_size(), 1);
  EXPECT_EQ(out.changes(0).customer_id(), "X");
  EXPECT_THAT(out.changes(0).change().tags_added(), ElementsAre("vip"));
  EXPECT_THAT(ClassOf("X").tags(), ElementsAre("vip"));
  EXPECT_EQ(ClassOf("X").tag_sources().at("vip").by_rule(), "vip-tag");

  out = EvaluateOn(absl::CivilDay(2027, 6, 1));  // the sales left the window
  ASSERT_EQ(out.changes_size(), 1);
  EXPECT_EQ(out.changes(0).customer_id(), "X");
  EXPECT_EQ(out.changes(0).change().by_rule(), "vip-tag");
  EXPECT_THAT(out.changes(0).change().tags_removed(), ElementsAre("vip"));
  EXPECT_THAT(ClassOf("X").tags(), IsEmpty());
  for (const std::string id : {"Y", "Z"}) {
    EXPECT_THAT(ClassOf(id).tags(), ElementsAre("vip")) << id;
    EXPECT_TRUE(ClassOf(id).tag_sources().at("vip").manual()) << id;
  }
}

TEST_F(ClassificationRulesTest, DryRunReportsChangesAndAppendsNothing) {
  SaveOk(AmountRule("grade-a-big", 100000));
  Register("C-1", "ACME");
  Txn("C-1", absl::CivilDay(2026, 5, 1), 200000);
  const uint64_t head = HeadPosition();
  const v1::EvaluateRulesResponse dry =
      EvaluateOn(absl::CivilDay(2026, 6, 1), {}, /*dry_run=*/true);
  EXPECT_EQ(dry.customers_changed(), 1u);
  ASSERT_EQ(dry.changes_size(), 1);
  EXPECT_EQ(dry.changes(0).change().grade(), v1::GRADE_A);
  EXPECT_EQ(dry.changes(0).position(), 0u);
  EXPECT_EQ(dry.changes(0).error(), "");
  EXPECT_EQ(HeadPosition(), head);
  EXPECT_EQ(ClassOf("C-1").grade(), v1::GRADE_UNSPECIFIED);
  const v1::EvaluateRulesResponse real = EvaluateOn(absl::CivilDay(2026, 6, 1));
  ASSERT_EQ(real.changes_size(), 1);
  EXPECT_EQ(real.changes(0).change().SerializeAsString(),
            dry.changes(0).change().SerializeAsString());
  EXPECT_EQ(real.changes(0).position(), head + 1);
}

TEST_F(ClassificationRulesTest, DisabledRuleStopsDecidingAndItsGradeIsCleared) {
  v1::ClassificationRule rule = AmountRule("grade-a-big", 100000);
  SaveOk(rule);
  Register("C-1", "ACME");
  Txn("C-1", absl::CivilDay(2026, 5, 1), 200000);
  EvaluateOn(absl::CivilDay(2026, 6, 1));
  rule.set_disabled(true);
  SaveOk(rule);  // version 2
  v1::EvaluateRulesResponse out = EvaluateOn(absl::CivilDay(2026, 6, 1));
  ASSERT_EQ(out.changes_size(), 1);
  EXPECT_EQ(out.changes(0).change().by_rule(), "grade-a-big");
  EXPECT_EQ(out.changes(0).change().rule_version(), 1u)
      << "the version that set it";
  EXPECT_THAT(out.changes(0).change().cleared(),
              ElementsAre(v1::CLASSIFICATION_DIMENSION_GRADE));
  EXPECT_EQ(ClassOf("C-1").grade(), v1::GRADE_UNSPECIFIED);
  rule.set_disabled(false);
  SaveOk(rule);  // version 3
  out = EvaluateOn(absl::CivilDay(2026, 6, 1));
  ASSERT_EQ(out.changes_size(), 1);
  EXPECT_EQ(out.changes(0).change().rule_version(), 3u);
  EXPECT_EQ(ClassOf("C-1").grade(), v1::GRADE_A);
}

TEST_F(ClassificationRulesTest, RemovedRuleClearsTheGradeItSet) {
  SaveOk(AmountRule("grade-a-big", 100000));
  SaveOk(AmountRule("grade-b-any", 0, v1::GRADE_B));
  Register("C-1", "ACME");
  Txn("C-1", absl::CivilDay(2026, 5, 1), 200000);
  EvaluateOn(absl::CivilDay(2026, 6, 1));
  EXPECT_EQ(ClassOf("C-1").grade(), v1::GRADE_A) << "A < B: smaller rule_id";
  ASSERT_THAT(Remove("grade-a-big"), GrpcOk());
  v1::EvaluateRulesResponse out = EvaluateOn(absl::CivilDay(2026, 6, 1));
  ASSERT_EQ(out.changes_size(), 1);
  EXPECT_EQ(out.changes(0).change().by_rule(), "grade-b-any");
  EXPECT_EQ(ClassOf("C-1").grade(), v1::GRADE_B) << "the next rule decides";
  ASSERT_THAT(Remove("grade-b-any"), GrpcOk());
  out = EvaluateOn(absl::CivilDay(2026, 6, 1));
  ASSERT_EQ(out.changes_size(), 1);
  EXPECT_THAT(out.changes(0).change().cleared(),
              ElementsAre(v1::CLASSIFICATION_DIMENSION_GRADE));
  EXPECT_EQ(ClassOf("C-1").grade(), v1::GRADE_UNSPECIFIED);
}

TEST_F(ClassificationRulesTest, RemovedOrDisabledTagRuleRemovesTheTagItAdded) {
  SaveOk(TagRule("vip-tag", "vip", 100000));
  v1::ClassificationRule key = TagRule("key-tag", "key", 100000);
  SaveOk(key);
  Register("C-1", "ACME");
  Txn("C-1", absl::CivilDay(2026, 5, 1), 200000);
  EvaluateOn(absl::CivilDay(2026, 6, 1));
  ASSERT_THAT(ClassOf("C-1").tags(), ElementsAre("key", "vip"));
  ASSERT_THAT(Remove("vip-tag"), GrpcOk());
  key.set_disabled(true);
  SaveOk(key);
  const v1::EvaluateRulesResponse out = EvaluateOn(absl::CivilDay(2026, 6, 1));
  EXPECT_EQ(out.changes_size(), 2);
  EXPECT_THAT(ClassOf("C-1").tags(), IsEmpty())
      << "a tag a rule added goes when the rule no longer decides";
}

TEST_F(ClassificationRulesTest, EvaluatingSpecificCustomersOnlyTouchesThem) {
  SaveOk(AmountRule("grade-a-big", 100000));
  for (const std::string id : {"C-1", "C-2", "C-3"}) {
    Register(id, id);
    Txn(id, absl::CivilDay(2026, 5, 1), 200000);
  }
  v1::EvaluateRulesResponse out =
      EvaluateOn(absl::CivilDay(2026, 6, 1), {"C-2"});
  EXPECT_EQ(out.customers_evaluated(), 1u);
  ASSERT_EQ(out.changes_size(), 1);
  EXPECT_EQ(out.changes(0).customer_id(), "C-2");
  EXPECT_EQ(ClassOf("C-1").grade(), v1::GRADE_UNSPECIFIED);
  EXPECT_EQ(ClassOf("C-2").grade(), v1::GRADE_A);
  EXPECT_EQ(ClassOf("C-3").grade(), v1::GRADE_UNSPECIFIED);

  v1::EvaluateRulesRequest unknown;
  unknown.add_customer_ids("nobody");
  EXPECT_THAT(Refused([&] {
                v1::EvaluateRulesResponse ignored;
                return Evaluate(unknown, &ignored);
              }),
              GrpcStatusIs(Code::NOT_FOUND, HasSubstr("nobody")));
  v1::EvaluateRulesRequest bad_day;
  *bad_day.mutable_today() = ToDate(absl::CivilDay(2026, 2, 28));
  bad_day.mutable_today()->set_day(30);
  v1::EvaluateRulesResponse ignored;
  EXPECT_THAT(Evaluate(bad_day, &ignored),
              GrpcStatusIs(Code::INVALID_ARGUMENT, HasSubstr("today")));
}

// The sweep appends with the version it read; the same customer listed
// twice makes the second append stale, as a person's change in between
// would. It is reported for that customer; the first change stands.
TEST_F(ClassificationRulesTest, StaleCustomerVersionIsReportedNotOverridden) {
  SaveOk(AmountRule("grade-a-big", 100000));
  for (const std::string id : {"C-1", "C-2"}) {
    Register(id, id);
    Txn(id, absl::CivilDay(2026, 5, 1), 200000);
  }
  const v1::EvaluateRulesResponse out =
      EvaluateOn(absl::CivilDay(2026, 6, 1), {"C-1", "C-1", "C-2"});
  ASSERT_EQ(out.changes_size(), 3);
  EXPECT_GT(out.changes(0).position(), 0u);
  EXPECT_EQ(out.changes(0).error(), "");
  EXPECT_EQ(out.changes(1).customer_id(), "C-1");
  EXPECT_EQ(out.changes(1).position(), 0u);
  EXPECT_THAT(out.changes(1).error(), HasSubstr("expected version 2"));
  EXPECT_EQ(out.changes(2).customer_id(), "C-2");
  EXPECT_GT(out.changes(2).position(), 0u);
  EXPECT_EQ(StreamEvents("C-1").size(), 3u) << "one classification only";
}

TEST_F(ClassificationRulesTest, RulesCountTheTransactionsOfMergedCustomers) {
  SaveOk(AmountRule("grade-a-big", 100000));
  Register("A", "ACME");
  Register("B", "ACME Dup");
  Txn("A", absl::CivilDay(2026, 5, 1), 60000);
  Txn("B", absl::CivilDay(2026, 5, 2), 60000);
  v1::MergeCustomersRequest merge;
  merge.set_survivor_id("A");
  merge.set_merged_id("B");
  merge.mutable_metadata()->set_actor("tester");
  v1::AppendResponse merged;
  ASSERT_THAT(stub().MergeCustomers(Context().get(), merge, &merged), GrpcOk());
  const v1::EvaluateRulesResponse out = EvaluateOn(absl::CivilDay(2026, 6, 1));
  EXPECT_EQ(out.customers_evaluated(), 1u) << "the merged file is skipped";
  ASSERT_EQ(out.changes_size(), 1);
  EXPECT_EQ(out.changes(0).customer_id(), "A");
  EXPECT_EQ(ClassOf("A").grade(), v1::GRADE_A);
  EXPECT_EQ(StreamEvents("B").size(), 3u);
}

}  // namespace
}  // namespace ledger::testing
