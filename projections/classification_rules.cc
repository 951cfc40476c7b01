#include "projections/classification_rules.h"

#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "google/protobuf/util/time_util.h"
#include "projections/customer_keys.h"

namespace ledger::projections {

namespace {

namespace v1 = ::ledger::v1;

constexpr char kDefaultCurrency[] = "CNY";
constexpr uint32_t kDefaultRfmMonths = 12;

absl::CivilDay DayOf(const google::protobuf::Timestamp& ts) {
  return absl::ToCivilDay(absl::FromUnixSeconds(ts.seconds()),
                          absl::UTCTimeZone());
}

double AmountOf(const v1::Money& m) {
  return static_cast<double>(m.units()) + m.nanos() / 1e9;
}

// The first day inside a window of the last `months` (0: all time): the
// same day `months` months back, or that month's last day when it is
// shorter (31 March, one month: 28 February).
absl::CivilDay WindowStart(absl::CivilDay today, uint32_t months) {
  if (months == 0) return absl::CivilDay(1, 1, 1);
  const absl::CivilMonth month =
      absl::CivilMonth(today) - static_cast<int64_t>(months);
  const absl::CivilDay last = absl::CivilDay(month + 1) - 1;
  return today.day() > last.day()
             ? last
             : absl::CivilDay(month.year(), month.month(), today.day());
}

struct Window {
  double amount = 0;
  uint64_t count = 0;
};

Window InWindow(const RuleSubject& s, uint32_t months,
                const std::string& currency) {
  Window w;
  const absl::CivilDay start = WindowStart(s.today, months);
  for (const TransactionFact& t : s.transactions) {
    if (t.day < start || t.day > s.today) continue;
    ++w.count;
    if (t.amount.currency_code() == currency) w.amount += AmountOf(t.amount);
  }
  return w;
}

int64_t DaysSince(absl::CivilDay today, absl::CivilDay then) {
  return std::max<int64_t>(0, today - then);
}

absl::CivilDay RegisteredDay(const v1::CustomerProfile& p) {
  return p.has_created_at() ? DayOf(p.created_at()) : absl::CivilDay();
}

int64_t DaysSinceLastTransaction(const RuleSubject& s) {
  std::optional<absl::CivilDay> last;
  for (const TransactionFact& t : s.transactions) {
    if (!last || t.day > *last) last = t.day;
  }
  return DaysSince(s.today, last ? *last : RegisteredDay(*s.profile));
}

std::optional<double> MetricValue(const v1::RuleClause& c,
                                  const v1::RfmScale& scale,
                                  const RuleSubject& s) {
  const v1::CustomerProfile& p = *s.profile;
  const std::string currency =
      c.currency().empty() ? kDefaultCurrency : c.currency();
  switch (c.metric()) {
    case v1::RULE_METRIC_AMOUNT:
      return InWindow(s, c.months(), currency).amount;
    case v1::RULE_METRIC_PURCHASE_COUNT:
      return static_cast<double>(InWindow(s, c.months(), currency).count);
    case v1::RULE_METRIC_DAYS_SINCE_LAST_TRANSACTION:
      return static_cast<double>(DaysSinceLastTransaction(s));
    case v1::RULE_METRIC_DAYS_SINCE_LAST_CONTACT:
      return static_cast<double>(DaysSince(
          s.today, p.has_last_contact_at() ? DayOf(p.last_contact_at())
                                           : RegisteredDay(p)));
    case v1::RULE_METRIC_DAYS_SINCE_REGISTERED:
      return static_cast<double>(DaysSince(s.today, RegisteredDay(p)));
    case v1::RULE_METRIC_SATISFACTION_AVERAGE:
      if (p.satisfaction_count() == 0) return std::nullopt;
      return static_cast<double>(p.satisfaction_sum()) /
             static_cast<double>(p.satisfaction_count());
    case v1::RULE_METRIC_RFM_SCORE:
      return static_cast<double>(RfmScore(scale, c.months(), s));
    default:
      return std::nullopt;
  }
}

std::vector<std::string> AttributeValues(v1::RuleAttribute a,
                                         const v1::CustomerProfile& p) {
  switch (a) {
    case v1::RULE_ATTRIBUTE_INDUSTRY:
      return {p.profile().industry()};
    case v1::RULE_ATTRIBUTE_REGION:
      return {p.profile().region()};
    case v1::RULE_ATTRIBUTE_NATURE:
      return {v1::CustomerNature_Name(p.classification().nature())};
    case v1::RULE_ATTRIBUTE_KIND:
      return {v1::CustomerKind_Name(p.kind())};
    case v1::RULE_ATTRIBUTE_OWNER:
      return {p.owner_id()};
    case v1::RULE_ATTRIBUTE_TAG:
      return {p.classification().tags().begin(),
              p.classification().tags().end()};
    case v1::RULE_ATTRIBUTE_CITY:
      return {p.profile().address().city()};
    default:
      return {};
  }
}

bool Compare(double figure, v1::Comparison op, double value) {
  switch (op) {
    case v1::COMPARISON_LT:
      return figure < value;
    case v1::COMPARISON_LE:
      return figure <= value;
    case v1::COMPARISON_EQ:
      return figure == value;
    case v1::COMPARISON_GE:
      return figure >= value;
    case v1::COMPARISON_GT:
      return figure > value;
    default:
      return false;
  }
}

bool RuleMatches(const v1::ClassificationRule& rule, const RuleSubject& s) {
  for (const v1::RuleClause& clause : rule.all_of()) {
    if (!ClauseHolds(clause, rule.rfm(), s)) return false;
  }
  return true;
}

// Score 1..5 of `figure` against four ascending thresholds.
int ScoreAtLeast(double figure, const std::vector<double>& thresholds) {
  int score = 1;
  for (double t : thresholds) {
    if (figure >= t) ++score;
  }
  return std::min(score, 5);
}

bool Precedes(const v1::RuleState& a, const v1::RuleState& b) {
  return std::make_tuple(-a.rule().priority(), a.rule().rule_id()) <
         std::make_tuple(-b.rule().priority(), b.rule().rule_id());
}

// The events, one per deciding rule.
class Changes {
 public:
  v1::CustomerClassified* For(const std::string& rule_id, uint64_t version) {
    v1::CustomerClassified& e = by_rule_[{rule_id, version}];
    e.set_by_rule(rule_id);
    e.set_rule_version(version);
    return &e;
  }
  std::vector<v1::CustomerClassified> Take() {
    std::vector<v1::CustomerClassified> out;
    for (auto& [key, e] : by_rule_) out.push_back(std::move(e));
    return out;
  }

 private:
  std::map<std::pair<std::string, uint64_t>, v1::CustomerClassified> by_rule_;
};

// One single-valued dimension: `current` with `source`, and what the best
// matching rule says (0 when none matches).
template <typename Set>
void DecideDimension(int current, const v1::ValueSource& source,
                     const v1::RuleState* winner, int wanted,
                     v1::ClassificationDimension dimension, Set set,
                     Changes* changes) {
  if (source.manual()) return;
  if (winner != nullptr) {
    if (current != wanted || source.by_rule().empty()) {
      set(changes->For(winner->rule().rule_id(), winner->version()), wanted);
    }
    return;
  }
  if (current != 0 && !source.by_rule().empty()) {
    changes->For(source.by_rule(), source.rule_version())
        ->add_cleared(dimension);
  }
}

}  // namespace

bool ClauseHolds(const v1::RuleClause& clause, const v1::RfmScale& scale,
                 const RuleSubject& subject) {
  bool holds = false;
  if (clause.metric() != v1::RULE_METRIC_UNSPECIFIED) {
    const std::optional<double> figure = MetricValue(clause, scale, subject);
    if (!figure) return false;  // no figure: never matches, even negated
    holds = Compare(*figure, clause.comparison(), clause.value());
  } else {
    for (const std::string& value :
         AttributeValues(clause.attribute(), *subject.profile)) {
      holds = holds || std::find(clause.any_of().begin(), clause.any_of().end(),
                                 value) != clause.any_of().end();
    }
  }
  return clause.negate() ? !holds : holds;
}

int RfmScore(const v1::RfmScale& scale, uint32_t months,
             const RuleSubject& subject) {
  auto or_default = [](const auto& list, std::vector<double> fallback) {
    if (list.size() != 4) return fallback;
    return std::vector<double>(list.begin(), list.end());
  };
  const std::vector<double> recency =
      or_default(scale.recency_days(), {30, 90, 180, 365});
  const std::vector<double> frequency =
      or_default(scale.frequency(), {1, 2, 4, 8});
  const std::vector<double> monetary =
      or_default(scale.monetary(), {10000, 50000, 200000, 1000000});
  const std::string currency =
      scale.currency().empty() ? kDefaultCurrency : scale.currency();
  const Window w =
      InWindow(subject, months == 0 ? kDefaultRfmMonths : months, currency);
  int r = 1;
  if (!subject.transactions.empty()) {
    const double days = static_cast<double>(DaysSinceLastTransaction(subject));
    r = 5;
    for (double t : recency) {
      if (days > t) --r;
    }
    r = std::max(r, 1);
  }
  return r + ScoreAtLeast(static_cast<double>(w.count), frequency) +
         ScoreAtLeast(w.amount, monetary);
}

std::vector<v1::CustomerClassified> DecideClassification(
    const std::vector<v1::RuleState>& rules, const RuleSubject& subject) {
  const v1::Classification& c = subject.profile->classification();
  const v1::RuleState* grade = nullptr;
  const v1::RuleState* tier = nullptr;
  const v1::RuleState* stage = nullptr;
  std::map<std::string, const v1::RuleState*> tags;  // every tag of a rule
  auto better = [](const v1::RuleState* best, const v1::RuleState& r) {
    return best == nullptr || Precedes(r, *best) ? &r : best;
  };
  for (const v1::RuleState& state : rules) {
    const v1::ClassificationRule& r = state.rule();
    if (state.removed() || r.disabled()) continue;
    if (!r.tag().empty()) tags.emplace(r.tag(), nullptr);
    if (!RuleMatches(r, subject)) continue;
    if (r.grade() != 0) grade = better(grade, state);
    if (r.value_tier() != 0) tier = better(tier, state);
    if (r.lifecycle_stage() != 0) stage = better(stage, state);
    if (!r.tag().empty()) tags[r.tag()] = better(tags[r.tag()], state);
  }

  // Tags rules added stay under the rules' watch even when the rule that
  // added them is gone: no rule matching means removal.
  for (const auto& [tag, source] : c.tag_sources()) {
    if (!source.manual() && !source.by_rule().empty()) {
      tags.emplace(tag, nullptr);
    }
  }

  Changes changes;
  DecideDimension(
      c.grade(), c.grade_source(), grade, grade ? grade->rule().grade() : 0,
      v1::CLASSIFICATION_DIMENSION_GRADE,
      [](v1::CustomerClassified* e, int v) {
        e->set_grade(static_cast<v1::Grade>(v));
      },
      &changes);
  DecideDimension(
      c.value_tier(), c.value_tier_source(), tier,
      tier ? tier->rule().value_tier() : 0,
      v1::CLASSIFICATION_DIMENSION_VALUE_TIER,
      [](v1::CustomerClassified* e, int v) {
        e->set_value_tier(static_cast<v1::ValueTier>(v));
      },
      &changes);
  DecideDimension(
      c.lifecycle_stage(), c.lifecycle_stage_source(), stage,
      stage ? stage->rule().lifecycle_stage() : 0,
      v1::CLASSIFICATION_DIMENSION_LIFECYCLE_STAGE,
      [stage](v1::CustomerClassified* e, int v) {
        e->set_lifecycle_stage(static_cast<v1::LifecycleStage>(v));
        if (v == v1::LIFECYCLE_STAGE_CHURNED) {
          e->set_churn_reason(absl::StrCat("rule ", stage->rule().rule_id(),
                                           ": ", stage->rule().description()));
        }
      },
      &changes);

  for (const auto& [tag, winner] : tags) {
    const bool has =
        std::find(c.tags().begin(), c.tags().end(), tag) != c.tags().end();
    auto it = c.tag_sources().find(tag);
    const v1::ValueSource source =
        it == c.tag_sources().end() ? v1::ValueSource() : it->second;
    if (source.manual()) continue;
    if (winner != nullptr && !has) {
      changes.For(winner->rule().rule_id(), winner->version())
          ->add_tags_added(tag);
    } else if (winner == nullptr && has && !source.by_rule().empty()) {
      changes.For(source.by_rule(), source.rule_version())
          ->add_tags_removed(tag);
    }
  }
  return changes.Take();
}

absl::Status FoldRuleEvent(const v1::Event& event,
                           storage::StateWriter& state) {
  const v1::EventPayload& payload = event.payload();
  const std::string& rule_id =
      payload.has_classification_rule_saved()
          ? payload.classification_rule_saved().rule().rule_id()
          : payload.classification_rule_removed().rule_id();
  if (!payload.has_classification_rule_saved() &&
      !payload.has_classification_rule_removed()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the rules stream takes only rule events, not ", event.event_type()));
  }
  v1::RuleState current;
  std::string bytes;
  absl::Status read = state.Get(kRulesFamily, RuleKey(rule_id), &bytes);
  if (read.ok()) {
    if (!current.ParseFromString(bytes)) {
      return absl::DataLossError(absl::StrCat("the stored state of rule ",
                                              rule_id, " does not parse"));
    }
  } else if (!absl::IsNotFound(read)) {
    return read;
  }
  v1::RuleState next;
  if (payload.has_classification_rule_saved()) {
    const auto& e = payload.classification_rule_saved();
    const uint64_t now = current.version();
    if (e.has_expected_version() && e.expected_version() != now) {
      return absl::AbortedError(absl::StrCat(
          "rule ", rule_id, " is at version ", now, ", not the expected ",
          e.expected_version(), "; reload it and save again"));
    }
    *next.mutable_rule() = e.rule();
    next.set_version(current.version() + 1);
  } else {
    if (!read.ok() || current.removed()) {
      return absl::NotFoundError(
          absl::StrCat("rule_id: no rule \"", rule_id, "\"",
                       read.ok() ? " (removed already)" : ""));
    }
    next = current;
    next.set_removed(true);
  }
  next.set_position(event.position());
  *next.mutable_saved_at() = event.metadata().recorded_at();
  next.set_saved_by(event.metadata().actor());
  next.set_reason(event.metadata().reason());
  next.SerializeToString(&bytes);
  state.Put(kRulesFamily, RuleKey(rule_id), bytes);
  if (payload.has_classification_rule_saved()) {
    state.Put(kRulesFamily, RuleHistoryKey(rule_id, next.version()), bytes);
  }
  return absl::OkStatus();
}

std::vector<v1::ClassificationRule> DefaultRules() {
  std::vector<v1::ClassificationRule> rules;
  auto metric = [](v1::ClassificationRule* r, v1::RuleMetric m,
                   v1::Comparison op, double value, uint32_t months) {
    v1::RuleClause* c = r->add_all_of();
    c->set_metric(m);
    c->set_comparison(op);
    c->set_value(value);
    c->set_months(months);
  };
  struct Tier {
    const char* id;
    int min_score;
    v1::ValueTier tier;
    int priority;
  };
  for (const Tier& t : {Tier{"rfm-strategic", 13, v1::VALUE_TIER_STRATEGIC, 40},
                        Tier{"rfm-high", 10, v1::VALUE_TIER_HIGH, 30},
                        Tier{"rfm-medium", 7, v1::VALUE_TIER_MEDIUM, 20}}) {
    v1::ClassificationRule& r = rules.emplace_back();
    r.set_rule_id(t.id);
    r.set_description(absl::StrCat("RFM score (12 months) >= ", t.min_score));
    r.set_priority(t.priority);
    metric(&r, v1::RULE_METRIC_RFM_SCORE, v1::COMPARISON_GE, t.min_score, 12);
    r.set_value_tier(t.tier);
  }
  v1::ClassificationRule& low = rules.emplace_back();
  low.set_rule_id("rfm-low");
  low.set_description("bought at least once, RFM score below 7");
  low.set_priority(10);
  metric(&low, v1::RULE_METRIC_PURCHASE_COUNT, v1::COMPARISON_GE, 1, 0);
  low.set_value_tier(v1::VALUE_TIER_LOW);

  v1::ClassificationRule& a = rules.emplace_back();
  a.set_rule_id("grade-a-12m");
  a.set_description("transactions of 1,000,000 CNY or more in 12 months");
  a.set_priority(10);
  metric(&a, v1::RULE_METRIC_AMOUNT, v1::COMPARISON_GE, 1000000, 12);
  a.set_grade(v1::GRADE_A);

  v1::ClassificationRule& dormant = rules.emplace_back();
  dormant.set_rule_id("dormant-180d");
  dormant.set_description("no transaction for 180 days");
  dormant.set_priority(20);
  metric(&dormant, v1::RULE_METRIC_PURCHASE_COUNT, v1::COMPARISON_GE, 1, 0);
  metric(&dormant, v1::RULE_METRIC_DAYS_SINCE_LAST_TRANSACTION,
         v1::COMPARISON_GE, 180, 0);
  dormant.set_lifecycle_stage(v1::LIFECYCLE_STAGE_DORMANT);

  v1::ClassificationRule& active = rules.emplace_back();
  active.set_rule_id("active-180d");
  active.set_description("a transaction within the last 180 days");
  active.set_priority(10);
  metric(&active, v1::RULE_METRIC_PURCHASE_COUNT, v1::COMPARISON_GE, 1, 0);
  metric(&active, v1::RULE_METRIC_DAYS_SINCE_LAST_TRANSACTION,
         v1::COMPARISON_LT, 180, 0);
  active.set_lifecycle_stage(v1::LIFECYCLE_STAGE_ACTIVE);
  return rules;
}

}  // namespace ledger::projections
