#ifndef LEDGER_TESTS_SERVICES_CLASSIFICATION_RULES_FIXTURE_H_
#define LEDGER_TESTS_SERVICES_CLASSIFICATION_RULES_FIXTURE_H_

// The fixture of the ClassificationRules tests: a stub of the service, rule
// builders and one-line calls.

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/civil_time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ledger/v1/rules.grpc.pb.h"
#include "tests/services/customer_query_fixture.h"
#include "tests/testing/status_matchers.h"

namespace ledger::testing {

inline constexpr char kRulesStream[] = "$classification-rules";
inline constexpr char kSweepActor[] = "customer-ledgerd:rule-sweep";

// Grade `grade` when the CNY amount over the last `months` is >= `amount`.
inline v1::ClassificationRule AmountRule(const std::string& id, double amount,
                                         v1::Grade grade = v1::GRADE_A,
                                         uint32_t months = 12) {
  v1::ClassificationRule r;
  r.set_rule_id(id);
  r.set_grade(grade);
  v1::RuleClause* c = r.add_all_of();
  c->set_metric(v1::RULE_METRIC_AMOUNT);
  c->set_comparison(v1::COMPARISON_GE);
  c->set_value(amount);
  c->set_months(months);
  return r;
}

inline v1::ClassificationRule TagRule(const std::string& id,
                                      const std::string& tag, double amount) {
  v1::ClassificationRule r = AmountRule(id, amount);
  r.clear_grade();
  r.set_tag(tag);
  return r;
}

class ClassificationRulesTest : public CustomerQueryTest {
 protected:
  void SetUp() override {
    CustomerQueryTest::SetUp();
    rules_ = v1::ClassificationRules::NewStub(channel());
  }
  void RestartServer() {
    CustomerQueryTest::RestartServer();
    rules_ = v1::ClassificationRules::NewStub(channel());
  }

  grpc::Status Save(const v1::ClassificationRule& rule,
                    v1::SaveRuleResponse* out = nullptr,
                    std::optional<uint64_t> expected = std::nullopt,
                    const std::string& actor = "alice") {
    v1::SaveRuleRequest r;
    *r.mutable_rule() = rule;
    r.mutable_metadata()->set_actor(actor);
    r.mutable_metadata()->set_reason("policy");
    if (expected) r.set_expected_rule_version(*expected);
    v1::SaveRuleResponse ignored;
    return rules_->SaveRule(Context().get(), r, out ? out : &ignored);
  }
  v1::RuleState SaveOk(const v1::ClassificationRule& rule,
                       const std::string& actor = "alice") {
    v1::SaveRuleResponse out;
    EXPECT_THAT(Save(rule, &out, std::nullopt, actor), GrpcOk());
    return out.rule();
  }
  // A call expected to fail with nothing appended.
  template <typename Call>
  grpc::Status Refused(Call call) {
    const v1::GetInfoResponse before = Info();
    const grpc::Status status = call();
    EXPECT_FALSE(status.ok());
    EXPECT_EQ(Info().head_position(), before.head_position());
    EXPECT_EQ(Info().head_hash(), before.head_hash());
    return status;
  }
  grpc::Status Remove(const std::string& id,
                      v1::RemoveRuleResponse* out = nullptr) {
    v1::RemoveRuleRequest r;
    r.set_rule_id(id);
    r.mutable_metadata()->set_actor("bob");
    v1::RemoveRuleResponse ignored;
    return rules_->RemoveRule(Context().get(), r, out ? out : &ignored);
  }
  v1::ListRulesResponse List(bool include_removed = false,
                             bool include_history = false) {
    v1::ListRulesRequest r;
    r.set_include_removed(include_removed);
    r.set_include_history(include_history);
    v1::ListRulesResponse out;
    EXPECT_THAT(rules_->ListRules(Context().get(), r, &out), GrpcOk());
    return out;
  }
  grpc::Status Evaluate(const v1::EvaluateRulesRequest& r,
                        v1::EvaluateRulesResponse* out) {
    return rules_->EvaluateRules(Context(absl::Seconds(30)).get(), r, out);
  }
  v1::EvaluateRulesResponse EvaluateOn(absl::CivilDay today,
                                       std::vector<std::string> ids = {},
                                       bool dry_run = false) {
    v1::EvaluateRulesRequest r;
    *r.mutable_today() = ToDate(today);
    for (auto& id : ids) r.add_customer_ids(id);
    r.set_dry_run(dry_run);
    v1::EvaluateRulesResponse out;
    EXPECT_THAT(Evaluate(r, &out), GrpcOk());
    return out;
  }
  v1::AppendResponse Txn(const std::string& id, absl::CivilDay day,
                         int64_t units) {
    v1::EventPayload p;
    auto* t = p.mutable_transaction_recorded();
    t->set_transaction_id("T-" + std::to_string(++txns_));
    *t->mutable_date() = ToDate(day);
    t->mutable_amount()->set_currency_code("CNY");
    t->mutable_amount()->set_units(units);
    return AppendEvent(id, p);
  }
  v1::Classification ClassOf(const std::string& id) {
    return Profile(id).classification();
  }
  v1::ClassificationChange LastChange(const std::string& id) {
    v1::GetClassificationRequest r;
    r.set_customer_id(id);
    v1::GetClassificationResponse out;
    EXPECT_THAT(Classification(r, &out), GrpcOk());
    if (out.history().empty()) return {};
    return *out.history().rbegin();
  }

  std::unique_ptr<v1::ClassificationRules::Stub> rules_;
  int txns_ = 0;
};

}  // namespace ledger::testing

#endif  // LEDGER_TESTS_SERVICES_CLASSIFICATION_RULES_FIXTURE_H_
