// Unit tests of the pure classification-rule logic
// (projections/classification_rules.h): RFM scores on the default scale,
// each clause kind, the decision's precedence and the default rules
// (FoldRuleEvent: rule_fold_test.cc).

#include "projections/classification_rules.h"

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/time/civil_time.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/time_util.h"
#include "gtest/gtest.h"

namespace ledger::projections {
namespace {

namespace v1 = ::ledger::v1;
using google::protobuf::util::TimeUtil;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

const absl::CivilDay kToday(2026, 6, 15);

v1::Money Money(double amount, const std::string& currency = "CNY") {
  v1::Money m;
  m.set_currency_code(currency);
  m.set_units(static_cast<int64_t>(amount));
  m.set_nanos(static_cast<int32_t>((amount - m.units()) * 1e9 + 0.5));
  return m;
}

google::protobuf::Timestamp At(absl::CivilDay day) {
  return TimeUtil::SecondsToTimestamp(
      absl::ToUnixSeconds(absl::FromCivil(day, absl::UTCTimeZone())) + 3600);
}

// A subject on kToday with a profile registered a year and a day ago.
class Subject {
 public:
  Subject() {
    profile_.set_customer_id("c-1");
    profile_.set_kind(v1::CUSTOMER_KIND_ORGANIZATION);
    *profile_.mutable_created_at() = At(kToday - 366);
    subject_.profile = &profile_;
    subject_.today = kToday;
  }
  Subject& Buy(int days_ago, double amount,
               const std::string& currency = "CNY") {
    subject_.transactions.push_back(
        {kToday - days_ago, Money(amount, currency)});
    return *this;
  }
  v1::CustomerProfile& profile() { return profile_; }
  RuleSubject& get() { return subject_; }

 private:
  v1::CustomerProfile profile_;
  RuleSubject subject_;
};

v1::RuleClause Metric(v1::RuleMetric metric, v1::Comparison op, double value,
                      uint32_t months = 0) {
  v1::RuleClause c;
  c.set_metric(metric);
  c.set_comparison(op);
  c.set_value(value);
  c.set_months(months);
  return c;
}

v1::RuleClause Attribute(v1::RuleAttribute attribute,
                         std::vector<std::string> any_of, bool negate = false) {
  v1::RuleClause c;
  c.set_attribute(attribute);
  for (auto& v : any_of) c.add_any_of(std::move(v));
  c.set_negate(negate);
  return c;
}

bool Holds(const v1::RuleClause& clause, Subject& s,
           const v1::RfmScale& scale = {}) {
  return ClauseHolds(clause, scale, s.get());
}

int Rfm(Subject& s, uint32_t months = 12, const v1::RfmScale& scale = {}) {
  return RfmScore(scale, months, s.get());
}

// One transaction of 0 CNY `days` ago: frequency 2, monetary 1.
int RfmOfOneFreeSale(int days) {
  Subject s;
  s.Buy(days, 0);
  return Rfm(s);
}

TEST(RfmScoreTest, RecencyBoundariesOfTheDefaultScale) {
  Subject none;
  EXPECT_EQ(Rfm(none), 3) << "no transaction: 1 + 1 + 1";
  EXPECT_EQ(RfmOfOneFreeSale(0), 8);
  EXPECT_EQ(RfmOfOneFreeSale(30), 8);
  EXPECT_EQ(RfmOfOneFreeSale(31), 7);
  EXPECT_EQ(RfmOfOneFreeSale(90), 7);
  EXPECT_EQ(RfmOfOneFreeSale(91), 6);
  EXPECT_EQ(RfmOfOneFreeSale(180), 6);
  EXPECT_EQ(RfmOfOneFreeSale(181), 5);
  EXPECT_EQ(RfmOfOneFreeSale(365), 5) << "2025-06-15 is inside 12 months";
  EXPECT_EQ(RfmOfOneFreeSale(366), 3) << "recency 1, and outside the window";
}

TEST(RfmScoreTest, FrequencyBoundariesOfTheDefaultScale) {
  auto with_sales = [](int n) {
    Subject s;
    for (int i = 0; i < n; ++i) s.Buy(0, 0);
    return Rfm(s);
  };
  EXPECT_EQ(with_sales(1), 5 + 2 + 1);
  EXPECT_EQ(with_sales(2), 5 + 3 + 1);
  EXPECT_EQ(with_sales(3), 5 + 3 + 1);
  EXPECT_EQ(with_sales(4), 5 + 4 + 1);
  EXPECT_EQ(with_sales(7), 5 + 4 + 1);
  EXPECT_EQ(with_sales(8), 5 + 5 + 1);
  EXPECT_EQ(with_sales(30), 5 + 5 + 1);
}

TEST(RfmScoreTest, MonetaryBoundariesOfTheDefaultScaleInCny) {
  auto with_amount = [](double amount, const std::string& currency = "CNY") {
    Subject s;
    s.Buy(0, amount, currency);
    return Rfm(s);
  };
  EXPECT_EQ(with_amount(9999), 5 + 2 + 1);
  EXPECT_EQ(with_amount(10000), 5 + 2 + 2);
  EXPECT_EQ(with_amount(49999.5), 5 + 2 + 2);
  EXPECT_EQ(with_amount(50000), 5 + 2 + 3);
  EXPECT_EQ(with_amount(200000), 5 + 2 + 4);
  EXPECT_EQ(with_amount(999999), 5 + 2 + 4);
  EXPECT_EQ(with_amount(1000000), 5 + 2 + 5);
  EXPECT_EQ(with_amount(5000000, "USD"), 5 + 2 + 1) << "only CNY counts";
  v1::RfmScale usd;
  usd.set_currency("USD");
  Subject s;
  s.Buy(0, 5000000, "USD");
  EXPECT_EQ(Rfm(s, 12, usd), 5 + 2 + 5);
}

TEST(RfmScoreTest, TopScoreAndWindowAndCustomScale) {
  Subject top;
  for (int i = 0; i < 8; ++i) top.Buy(i, 125000);
  EXPECT_EQ(Rfm(top), 15);
  // Older sales count for recency only, not in a 1-month window.
  Subject old;
  old.Buy(40, 2000000).Buy(45, 0).Buy(50, 0);
  EXPECT_EQ(Rfm(old, 12), 4 + 3 + 5);
  EXPECT_EQ(Rfm(old, 1), 4 + 1 + 1);
  v1::RfmScale scale;
  for (uint32_t d : {1, 2, 3, 4}) scale.add_recency_days(d);
  for (uint32_t f : {10, 20, 30, 40}) scale.add_frequency(f);
  for (double m : {1.0, 2.0, 3.0, 4.0}) scale.add_monetary(m);
  Subject custom;
  custom.Buy(3, 3.5);
  EXPECT_EQ(Rfm(custom, 12, scale), 3 + 1 + 4);
}

TEST(ClauseHoldsTest, AmountCountsTheWindowAndTheCurrency) {
  Subject s;
  s.Buy(10, 600).Buy(100, 500).Buy(400, 10000).Buy(5, 999, "USD");
  EXPECT_TRUE(
      Holds(Metric(v1::RULE_METRIC_AMOUNT, v1::COMPARISON_EQ, 1100, 12), s));
  EXPECT_TRUE(
      Holds(Metric(v1::RULE_METRIC_AMOUNT, v1::COMPARISON_GE, 1100, 12), s));
  EXPECT_FALSE(
      Holds(Metric(v1::RULE_METRIC_AMOUNT, v1::COMPARISON_GT, 1100, 12), s));
  EXPECT_TRUE(
      Holds(Metric(v1::RULE_METRIC_AMOUNT, v1::COMPARISON_LE, 600, 1), s));
  EXPECT_FALSE(
      Holds(Metric(v1::RULE_METRIC_AMOUNT, v1::COMPARISON_LT, 600, 1), s));
  EXPECT_TRUE(
      Holds(Metric(v1::RULE_METRIC_AMOUNT, v1::COMPARISON_EQ, 11100, 0), s))
      << "months 0: all time";
  v1::RuleClause usd =
      Metric(v1::RULE_METRIC_AMOUNT, v1::COMPARISON_EQ, 999, 12);
  usd.set_currency("USD");
  EXPECT_TRUE(Holds(usd, s));
}

// "The last month" seen from the last day of March reaches back into
// March's first days (29 days ago), whatever day the window starts on.
TEST(ClauseHoldsTest, OneMonthWindowAtMonthEndCoversTheMonth) {
  RuleSubject s;
  v1::CustomerProfile p;
  s.profile = &p;
  s.today = absl::CivilDay(2026, 3, 31);
  s.transactions.push_back({absl::CivilDay(2026, 3, 2), Money(100)});
  EXPECT_TRUE(ClauseHolds(
      Metric(v1::RULE_METRIC_AMOUNT, v1::COMPARISON_GE, 100, 1), {}, s));
  EXPECT_TRUE(ClauseHolds(
      Metric(v1::RULE_METRIC_PURCHASE_COUNT, v1::COMPARISON_EQ, 1, 1), {}, s));
}

TEST(ClauseHoldsTest, PurchaseCountAndDaysSinceFigures) {
  Subject s;
  EXPECT_TRUE(
      Holds(Metric(v1::RULE_METRIC_PURCHASE_COUNT, v1::COMPARISON_EQ, 0), s));
  EXPECT_TRUE(Holds(Metric(v1::RULE_METRIC_DAYS_SINCE_LAST_TRANSACTION,
                           v1::COMPARISON_EQ, 366),
                    s))
      << "no transaction: since registration";
  EXPECT_TRUE(Holds(
      Metric(v1::RULE_METRIC_DAYS_SINCE_LAST_CONTACT, v1::COMPARISON_EQ, 366),
      s))
      << "no contact: since registration";
  EXPECT_TRUE(Holds(
      Metric(v1::RULE_METRIC_DAYS_SINCE_REGISTERED, v1::COMPARISON_EQ, 366),
      s));
  s.Buy(200, 1).Buy(20, 1).Buy(500, 1);
  *s.profile().mutable_last_contact_at() = At(kToday - 7);
  EXPECT_TRUE(
      Holds(Metric(v1::RULE_METRIC_PURCHASE_COUNT, v1::COMPARISON_EQ, 3), s));
  EXPECT_TRUE(Holds(
      Metric(v1::RULE_METRIC_PURCHASE_COUNT, v1::COMPARISON_EQ, 1, 6), s));
  EXPECT_TRUE(Holds(Metric(v1::RULE_METRIC_DAYS_SINCE_LAST_TRANSACTION,
                           v1::COMPARISON_EQ, 20),
                    s));
  EXPECT_TRUE(Holds(
      Metric(v1::RULE_METRIC_DAYS_SINCE_LAST_CONTACT, v1::COMPARISON_EQ, 7),
      s));
}

TEST(ClauseHoldsTest, NoSatisfactionScoresNeverMatchesEvenNegated) {
  Subject s;
  v1::RuleClause low =
      Metric(v1::RULE_METRIC_SATISFACTION_AVERAGE, v1::COMPARISON_LT, 3);
  EXPECT_FALSE(Holds(low, s));
  low.set_negate(true);
  EXPECT_FALSE(Holds(low, s));
  s.profile().set_satisfaction_count(4);
  s.profile().set_satisfaction_sum(10);  // 2.5
  EXPECT_FALSE(Holds(low, s)) << "negated: 2.5 < 3 holds, so false";
  low.set_negate(false);
  EXPECT_TRUE(Holds(low, s));
  EXPECT_TRUE(Holds(
      Metric(v1::RULE_METRIC_SATISFACTION_AVERAGE, v1::COMPARISON_EQ, 2.5), s));
}

TEST(ClauseHoldsTest, RfmClauseUsesTheRulesScaleAndMonths) {
  Subject s;
  s.Buy(0, 0);
  EXPECT_TRUE(Holds(Metric(v1::RULE_METRIC_RFM_SCORE, v1::COMPARISON_EQ, 8), s))
      << "months 0: the default 12";
  v1::RfmScale scale;
  for (double m : {0.0, 1.0, 2.0, 3.0}) scale.add_monetary(m);
  EXPECT_TRUE(
      Holds(Metric(v1::RULE_METRIC_RFM_SCORE, v1::COMPARISON_EQ, 9), s, scale));
}

TEST(ClauseHoldsTest, AttributesMatchAnyValueAndNegate) {
  Subject s;
  v1::CustomerProfile& p = s.profile();
  p.mutable_profile()->set_industry("steel");
  p.mutable_profile()->set_region("华东");
  p.mutable_profile()->mutable_address()->set_city("杭州");
  p.set_owner_id("u-1");
  p.mutable_classification()->set_nature(v1::CUSTOMER_NATURE_GOVERNMENT);
  p.mutable_classification()->add_tags("key");
  p.mutable_classification()->add_tags("vip");
  using A = v1::RuleAttribute;
  const std::vector<std::pair<A, std::string>> cases = {
      {v1::RULE_ATTRIBUTE_INDUSTRY, "steel"},
      {v1::RULE_ATTRIBUTE_REGION, "华东"},
      {v1::RULE_ATTRIBUTE_CITY, "杭州"},
      {v1::RULE_ATTRIBUTE_OWNER, "u-1"},
      {v1::RULE_ATTRIBUTE_NATURE, "CUSTOMER_NATURE_GOVERNMENT"},
      {v1::RULE_ATTRIBUTE_KIND, "CUSTOMER_KIND_ORGANIZATION"},
      {v1::RULE_ATTRIBUTE_TAG, "vip"},
  };
  for (const auto& [attribute, value] : cases) {
    SCOPED_TRACE(v1::RuleAttribute_Name(attribute));
    EXPECT_TRUE(Holds(Attribute(attribute, {"other", value}), s));
    EXPECT_FALSE(Holds(Attribute(attribute, {"other"}), s));
    EXPECT_FALSE(Holds(Attribute(attribute, {value}, /*negate=*/true), s));
    EXPECT_TRUE(Holds(Attribute(attribute, {"other"}, /*negate=*/true), s));
  }
  EXPECT_FALSE(Holds(Attribute(v1::RULE_ATTRIBUTE_NATURE, {"GOVERNMENT"}), s))
      << "enum names in full";
  p.mutable_classification()->clear_tags();
  EXPECT_FALSE(Holds(Attribute(v1::RULE_ATTRIBUTE_TAG, {"vip"}), s));
}

v1::RuleState Rule(const std::string& id, int priority, v1::Grade grade,
                   uint64_t version = 1) {
  v1::RuleState state;
  state.set_version(version);
  state.mutable_rule()->set_rule_id(id);
  state.mutable_rule()->set_priority(priority);
  state.mutable_rule()->set_grade(grade);
  return state;
}

TEST(DecideClassificationTest, HigherPriorityWinsThenSmallerRuleId) {
  Subject s;
  std::vector<v1::CustomerClassified> out = DecideClassification(
      {Rule("b-rule", 5, v1::GRADE_B), Rule("z-rule", 10, v1::GRADE_A, 3),
       Rule("c-rule", 1, v1::GRADE_C)},
      s.get());
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].grade(), v1::GRADE_A);
  EXPECT_EQ(out[0].by_rule(), "z-rule");
  EXPECT_EQ(out[0].rule_version(), 3u);

  out = DecideClassification(
      {Rule("m-rule", 7, v1::GRADE_B), Rule("d-rule", 7, v1::GRADE_D),
       Rule("x-rule", 7, v1::GRADE_C)},
      s.get());
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].grade(), v1::GRADE_D);
  EXPECT_EQ(out[0].by_rule(), "d-rule");
}

TEST(DecideClassificationTest, RemovedDisabledAndNonMatchingRulesDoNotDecide) {
  Subject s;
  v1::RuleState removed = Rule("a-removed", 99, v1::GRADE_K);
  removed.set_removed(true);
  v1::RuleState disabled = Rule("a-disabled", 98, v1::GRADE_K);
  disabled.mutable_rule()->set_disabled(true);
  v1::RuleState unmatched = Rule("a-unmatched", 97, v1::GRADE_K);
  *unmatched.mutable_rule()->add_all_of() =
      Metric(v1::RULE_METRIC_PURCHASE_COUNT, v1::COMPARISON_GE, 1);
  const auto out = DecideClassification(
      {removed, disabled, unmatched, Rule("low", 0, v1::GRADE_D)}, s.get());
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].by_rule(), "low");
  EXPECT_EQ(out[0].grade(), v1::GRADE_D);
}

TEST(DecideClassificationTest, ManualStaysRuleValueKeptOrClearedByItsRule) {
  Subject s;
  v1::Classification& c = *s.profile().mutable_classification();
  c.set_grade(v1::GRADE_C);
  c.mutable_grade_source()->set_manual(true);
  EXPECT_THAT(DecideClassification({Rule("r", 1, v1::GRADE_A)}, s.get()),
              IsEmpty());
  // Set by the winning rule already: nothing to do.
  c.set_grade(v1::GRADE_A);
  c.mutable_grade_source()->set_manual(false);
  c.mutable_grade_source()->set_by_rule("r");
  c.mutable_grade_source()->set_rule_version(1);
  EXPECT_THAT(DecideClassification({Rule("r", 1, v1::GRADE_A)}, s.get()),
              IsEmpty());
  // No rule matches: cleared, recorded as done by the rule that set it.
  c.mutable_grade_source()->set_rule_version(4);
  auto out = DecideClassification({}, s.get());
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].by_rule(), "r");
  EXPECT_EQ(out[0].rule_version(), 4u);
  EXPECT_THAT(out[0].cleared(),
              ElementsAre(v1::CLASSIFICATION_DIMENSION_GRADE));
  EXPECT_EQ(out[0].grade(), v1::GRADE_UNSPECIFIED);
  // Released (no source): a matching rule takes it over even if equal.
  c.clear_grade_source();
  out = DecideClassification({Rule("r", 1, v1::GRADE_A, 5)}, s.get());
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].grade(), v1::GRADE_A);
  EXPECT_EQ(out[0].rule_version(), 5u);
  EXPECT_THAT(DecideClassification({}, s.get()), IsEmpty())
      << "a value no rule set is never cleared";
}

v1::RuleState TagRule(const std::string& id, const std::string& tag) {
  v1::RuleState state;
  state.set_version(2);
  state.mutable_rule()->set_rule_id(id);
  state.mutable_rule()->set_tag(tag);
  *state.mutable_rule()->add_all_of() =
      Metric(v1::RULE_METRIC_PURCHASE_COUNT, v1::COMPARISON_GE, 1);
  return state;
}

TEST(DecideClassificationTest, TagRulesAddAndRemoveOnlyTheirOwnTags) {
  Subject s;
  v1::Classification& c = *s.profile().mutable_classification();
  c.add_tags("manual");
  (*c.mutable_tag_sources())["manual"].set_manual(true);
  const std::vector<v1::RuleState> rules = {TagRule("buyer", "buyer"),
                                            TagRule("manual-rule", "manual")};
  EXPECT_THAT(DecideClassification(rules, s.get()), IsEmpty());
  s.Buy(1, 1);
  auto out = DecideClassification(rules, s.get());
  ASSERT_EQ(out.size(), 1u) << "the manual tag is there already";
  EXPECT_EQ(out[0].by_rule(), "buyer");
  EXPECT_THAT(out[0].tags_added(), ElementsAre("buyer"));

  c.add_tags("buyer");
  (*c.mutable_tag_sources())["buyer"].set_by_rule("buyer");
  s.get().transactions.clear();
  out = DecideClassification(rules, s.get());
  ASSERT_EQ(out.size(), 1u);
  EXPECT_THAT(out[0].tags_removed(), ElementsAre("buyer"));
  EXPECT_THAT(out[0].tags_added(), IsEmpty());
}

TEST(DecideClassificationTest, RemovedTagRuleRemovesTheTagItAdded) {
  Subject s;
  v1::Classification& c = *s.profile().mutable_classification();
  c.add_tags("buyer");
  (*c.mutable_tag_sources())["buyer"].set_by_rule("buyer");
  (*c.mutable_tag_sources())["buyer"].set_rule_version(2);
  s.Buy(1, 1);
  v1::RuleState removed = TagRule("buyer", "buyer");
  removed.set_removed(true);
  auto out = DecideClassification({removed}, s.get());
  ASSERT_EQ(out.size(), 1u) << "like a grade, the tag goes with its rule";
  EXPECT_EQ(out[0].by_rule(), "buyer");
  EXPECT_THAT(out[0].tags_removed(), ElementsAre("buyer"));
}

TEST(DecideClassificationTest, OneEventPerDecidingRuleAndChurnReason) {
  Subject s;
  v1::RuleState churn;
  churn.set_version(1);
  churn.mutable_rule()->set_rule_id("lost");
  churn.mutable_rule()->set_description("gone quiet");
  churn.mutable_rule()->set_lifecycle_stage(v1::LIFECYCLE_STAGE_CHURNED);
  v1::RuleState tier;
  tier.set_version(1);
  tier.mutable_rule()->set_rule_id("basic");
  tier.mutable_rule()->set_value_tier(v1::VALUE_TIER_LOW);
  const auto out = DecideClassification(
      {churn, tier, Rule("graded", 0, v1::GRADE_D)}, s.get());
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0].by_rule(), "basic");
  EXPECT_EQ(out[0].value_tier(), v1::VALUE_TIER_LOW);
  EXPECT_EQ(out[1].by_rule(), "graded");
  EXPECT_EQ(out[2].by_rule(), "lost");
  EXPECT_EQ(out[2].lifecycle_stage(), v1::LIFECYCLE_STAGE_CHURNED);
  EXPECT_EQ(out[2].churn_reason(), "rule lost: gone quiet");
}

TEST(DefaultRulesTest, IdsPrioritiesAndOutcomes) {
  std::vector<std::string> ids;
  std::map<std::string, v1::ClassificationRule> by_id;
  for (const v1::ClassificationRule& r : DefaultRules()) {
    ids.push_back(r.rule_id());
    by_id[r.rule_id()] = r;
  }
  EXPECT_THAT(ids,
              ElementsAre("rfm-strategic", "rfm-high", "rfm-medium", "rfm-low",
                          "grade-a-12m", "dormant-180d", "active-180d"));
  EXPECT_EQ(by_id["rfm-strategic"].value_tier(), v1::VALUE_TIER_STRATEGIC);
  EXPECT_EQ(by_id["rfm-strategic"].all_of(0).value(), 13);
  EXPECT_EQ(by_id["rfm-high"].all_of(0).value(), 10);
  EXPECT_EQ(by_id["rfm-medium"].all_of(0).value(), 7);
  EXPECT_EQ(by_id["rfm-low"].value_tier(), v1::VALUE_TIER_LOW);
  EXPECT_EQ(by_id["grade-a-12m"].grade(), v1::GRADE_A);
  EXPECT_EQ(by_id["grade-a-12m"].all_of(0).value(), 1000000);
  EXPECT_EQ(by_id["dormant-180d"].priority(), 20);
  EXPECT_EQ(by_id["active-180d"].priority(), 10);
}

TEST(DefaultRulesTest, DecideABigRecentBuyerAndADormantOne) {
  std::vector<v1::RuleState> rules;
  for (const v1::ClassificationRule& r : DefaultRules()) {
    v1::RuleState& state = rules.emplace_back();
    *state.mutable_rule() = r;
    state.set_version(1);
  }
  Subject big;
  for (int i = 0; i < 8; ++i) big.Buy(10 + i, 150000);
  auto out = DecideClassification(rules, big.get());
  std::map<std::string, v1::CustomerClassified> by_rule;
  for (auto& e : out) by_rule[e.by_rule()] = e;
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(by_rule["rfm-strategic"].value_tier(), v1::VALUE_TIER_STRATEGIC);
  EXPECT_EQ(by_rule["grade-a-12m"].grade(), v1::GRADE_A);
  EXPECT_EQ(by_rule["active-180d"].lifecycle_stage(),
            v1::LIFECYCLE_STAGE_ACTIVE);

  Subject dormant;
  dormant.Buy(180, 5000);  // R 3, F 2, M 1: 6
  out = DecideClassification(rules, dormant.get());
  by_rule.clear();
  for (auto& e : out) by_rule[e.by_rule()] = e;
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(by_rule["rfm-low"].value_tier(), v1::VALUE_TIER_LOW);
  EXPECT_EQ(by_rule["dormant-180d"].lifecycle_stage(),
            v1::LIFECYCLE_STAGE_DORMANT);
}

}  // namespace
}  // namespace ledger::projections
