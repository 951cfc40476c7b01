#include "services/internal/rule_validation.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "projections/field_checks.h"
#include "services/internal/validation_util.h"
#include "storage/status_macros.h"

namespace ledger::services::internal {

namespace {

namespace v1 = ::ledger::v1;

constexpr int kMaxClauses = 16;
constexpr int kMaxValues = 100;
constexpr uint32_t kMaxMonths = 120;

// The values an enum-valued attribute can take, by name.
absl::Status CheckEnumNames(const std::string& field,
                            const v1::RuleClause& clause,
                            const google::protobuf::EnumDescriptor* e) {
  for (int i = 0; i < clause.any_of_size(); ++i) {
    if (e->FindValueByName(clause.any_of(i)) == nullptr) {
      std::vector<std::string> names;
      for (int j = 1; j < e->value_count(); ++j) {
        names.push_back(e->value(j)->name());
      }
      return Invalid(
          absl::StrCat(field, ".any_of[", i, "]"),
          absl::StrCat("\"", clause.any_of(i), "\" is not a ", e->name(),
                       "; use one of ", absl::StrJoin(names, ", ")));
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateClause(const std::string& f, const v1::RuleClause& c) {
  const bool metric = c.metric() != v1::RULE_METRIC_UNSPECIFIED;
  const bool attribute = c.attribute() != v1::RULE_ATTRIBUTE_UNSPECIFIED;
  if (metric == attribute) {
    return Invalid(f, "set exactly one of metric and attribute");
  }
  if (metric) {
    LEDGER_RETURN_IF_ERROR(
        CheckEnum(Sub(f, "metric"), c.metric(), v1::RuleMetric_IsValid));
    LEDGER_RETURN_IF_ERROR(CheckRequiredEnum(
        Sub(f, "comparison"), c.comparison(), v1::Comparison_IsValid));
    if (!c.any_of().empty()) {
      return Invalid(Sub(f, "any_of"), "is for attribute clauses only");
    }
    if (!(c.value() >= 0) || c.value() > 1e15) {
      return Invalid(Sub(f, "value"),
                     absl::StrCat(c.value(),
                                  " is not a figure between 0 and "
                                  "10^15"));
    }
    if (c.months() > kMaxMonths) {
      return Invalid(Sub(f, "months"),
                     absl::StrCat(c.months(), " is more than ten years"));
    }
    if (!c.currency().empty()) {
      return projections::CheckCurrency(Sub(f, "currency"), c.currency());
    }
    return absl::OkStatus();
  }
  LEDGER_RETURN_IF_ERROR(
      CheckEnum(Sub(f, "attribute"), c.attribute(), v1::RuleAttribute_IsValid));
  if (c.any_of().empty()) {
    return Invalid(Sub(f, "any_of"),
                   "is empty; list the values the attribute may have");
  }
  if (c.any_of_size() > kMaxValues) {
    return Invalid(
        Sub(f, "any_of"),
        absl::StrCat(c.any_of_size(), " values; at most ", kMaxValues));
  }
  for (int i = 0; i < c.any_of_size(); ++i) {
    LEDGER_RETURN_IF_ERROR(
        CheckText(absl::StrCat(f, ".any_of[", i, "]"), c.any_of(i), 256));
  }
  if (c.attribute() == v1::RULE_ATTRIBUTE_NATURE) {
    return CheckEnumNames(f, c, v1::CustomerNature_descriptor());
  }
  if (c.attribute() == v1::RULE_ATTRIBUTE_KIND) {
    return CheckEnumNames(f, c, v1::CustomerKind_descriptor());
  }
  return absl::OkStatus();
}

template <typename List>
absl::Status CheckAscending(const std::string& f, const List& list) {
  if (list.empty()) return absl::OkStatus();
  if (list.size() != 4) {
    return Invalid(f, absl::StrCat("has ", list.size(),
                                   " thresholds; give four (ascending) or "
                                   "none for the defaults"));
  }
  for (int i = 1; i < list.size(); ++i) {
    if (!(list.Get(i) > list.Get(i - 1))) {
      return Invalid(absl::StrCat(f, "[", i, "]"),
                     absl::StrCat(list.Get(i),
                                  " is not above the previous "
                                  "threshold ",
                                  list.Get(i - 1)));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ValidateRuleId(absl::string_view field, absl::string_view id) {
  bool ok = !id.empty() && id.size() <= 64;
  for (char c : id) {
    ok = ok && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
                c == '-');
  }
  if (!ok) {
    return Invalid(field, absl::StrCat("\"", id,
                                       "\" is not a rule id: use 1-64 "
                                       "characters from a-z 0-9 _ -"));
  }
  return absl::OkStatus();
}

absl::Status ValidateRule(absl::string_view field,
                          const v1::ClassificationRule& rule) {
  const std::string f(field);
  LEDGER_RETURN_IF_ERROR(ValidateRuleId(Sub(f, "rule_id"), rule.rule_id()));
  LEDGER_RETURN_IF_ERROR(
      CheckText(Sub(f, "description"), rule.description(), 1024));
  LEDGER_RETURN_IF_ERROR(
      CheckEnum(Sub(f, "grade"), rule.grade(), v1::Grade_IsValid));
  LEDGER_RETURN_IF_ERROR(CheckEnum(Sub(f, "value_tier"), rule.value_tier(),
                                   v1::ValueTier_IsValid));
  LEDGER_RETURN_IF_ERROR(CheckEnum(Sub(f, "lifecycle_stage"),
                                   rule.lifecycle_stage(),
                                   v1::LifecycleStage_IsValid));
  LEDGER_RETURN_IF_ERROR(CheckText(Sub(f, "tag"), rule.tag(), 64));
  const int outcomes = (rule.grade() != 0) + (rule.value_tier() != 0) +
                       (rule.lifecycle_stage() != 0) + !rule.tag().empty();
  if (outcomes != 1) {
    return Invalid(f, absl::StrCat("has ", outcomes,
                                   " outcomes; set exactly one of grade, "
                                   "value_tier, lifecycle_stage and tag"));
  }
  if (rule.all_of_size() > kMaxClauses) {
    return Invalid(
        Sub(f, "all_of"),
        absl::StrCat(rule.all_of_size(), " clauses; at most ", kMaxClauses));
  }
  for (int i = 0; i < rule.all_of_size(); ++i) {
    LEDGER_RETURN_IF_ERROR(
        ValidateClause(absl::StrCat(f, ".all_of[", i, "]"), rule.all_of(i)));
  }
  const v1::RfmScale& rfm = rule.rfm();
  LEDGER_RETURN_IF_ERROR(
      CheckAscending(Sub(f, "rfm.recency_days"), rfm.recency_days()));
  LEDGER_RETURN_IF_ERROR(
      CheckAscending(Sub(f, "rfm.frequency"), rfm.frequency()));
  LEDGER_RETURN_IF_ERROR(
      CheckAscending(Sub(f, "rfm.monetary"), rfm.monetary()));
  if (!rfm.currency().empty()) {
    return projections::CheckCurrency(Sub(f, "rfm.currency"), rfm.currency());
  }
  return absl::OkStatus();
}

}  // namespace ledger::services::internal
