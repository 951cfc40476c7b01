// Whole-process tests of `ledgerctl merge` and `ledgerctl rules …`: the real
// ledgerctl binary against a real customer-ledgerd child process started
// with its default classification rules.

#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "ledger/v1/customer.pb.h"
#include "ledger/v1/ledger.pb.h"
#include "ledger/v1/rules.pb.h"
#include "tests/e2e/ledgerctl_fixture.h"
#include "tests/e2e/ledgerd_process.h"

namespace ledger::testing {
namespace {

namespace v1 = ::ledger::v1;
using ::testing::HasSubstr;

class LedgerctlRulesTest : public LedgerctlFixture {
 protected:
  LedgerctlRulesTest() : LedgerctlFixture("rules-test") {}
  std::vector<std::string> ServerFlags() const override {
    return {"--default-rules=true", "--rule-sweep-interval-minutes=0"};
  }

  void Register(const std::string& id, const std::string& name,
                const std::string& extra_event = "") {
    std::vector<std::string> args = {
        "append", "-c", id, "-e",
        absl::StrCat("{\"customerRegistered\":{\"kind\":"
                     "\"CUSTOMER_KIND_ORGANIZATION\",\"profile\":{\"name\":\"",
                     name, "\"}}}")};
    if (!extra_event.empty()) {
      args.push_back("-e");
      args.push_back(extra_event);
    }
    const SubprocessResult r = Ctl(args);
    ASSERT_EQ(r.exit_code, 0) << r;
  }
};

TEST_F(LedgerctlRulesTest, DefaultRulesAreListedAndEvaluated) {
  const SubprocessResult list = Ctl({"--json", "rules", "list"});
  ASSERT_EQ(list.exit_code, 0) << list;
  const auto rules = ParseJson<v1::ListRulesResponse>(list.out);
  std::vector<std::string> ids;
  for (const v1::RuleState& r : rules.rules()) {
    ids.push_back(r.rule().rule_id());
    EXPECT_EQ(r.version(), 1u);
    EXPECT_EQ(r.saved_by(), "customer-ledgerd");
  }
  EXPECT_THAT(ids, ::testing::ElementsAre("active-180d", "dormant-180d",
                                          "grade-a-12m", "rfm-high", "rfm-low",
                                          "rfm-medium", "rfm-strategic"));

  Register("C-1", "大客户",
           "{\"transactionRecorded\":{\"transactionId\":\"T1\",\"date\":"
           "{\"year\":2026,\"month\":6,\"day\":1},\"amount\":{"
           "\"currencyCode\":\"CNY\",\"units\":\"1500000\"}}}");
  const SubprocessResult eval =
      Ctl({"rules", "evaluate", "--today", "2026-07-01"});
  ASSERT_EQ(eval.exit_code, 0) << eval;
  EXPECT_THAT(eval.out, HasSubstr("1 customers evaluated, 1 changed"));
  EXPECT_THAT(eval.out, HasSubstr("grade-a-12m v1"));

  const SubprocessResult classification =
      Ctl({"--json", "classification", "C-1"});
  ASSERT_EQ(classification.exit_code, 0) << classification;
  const auto c = ParseJson<v1::GetClassificationResponse>(classification.out);
  EXPECT_EQ(c.classification().grade(), v1::GRADE_A);
  EXPECT_EQ(c.classification().grade_source().by_rule(), "grade-a-12m");
  EXPECT_EQ(c.classification().lifecycle_stage(), v1::LIFECYCLE_STAGE_ACTIVE);

  // Nothing changed since: a second evaluation appends nothing.
  const SubprocessResult again =
      Ctl({"rules", "evaluate", "--today", "2026-07-01"});
  EXPECT_THAT(again.out, HasSubstr("1 customers evaluated, 0 changed"));

  // 200 days later the customer is dormant (a dry run first).
  const SubprocessResult dry =
      Ctl({"rules", "evaluate", "--today", "2026-12-18", "--dry-run"});
  EXPECT_THAT(dry.out, HasSubstr("dormant-180d"));
  EXPECT_THAT(dry.out, HasSubstr("(dry run)"));
}

TEST_F(LedgerctlRulesTest, SavedRuleGetsVersionsAndBadRuleNamesTheField) {
  const std::string path = dir_.Sub("rule.json");
  {
    std::ofstream out(path);
    out << R"({"ruleId": "vip", "priority": 5, "tag": "vip",
               "allOf": [{"metric": "RULE_METRIC_PURCHASE_COUNT",
                          "comparison": "COMPARISON_GE", "value": 1}]})";
  }
  SubprocessResult r = Ctl({"rules", "save", path, "--reason", "pilot"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, HasSubstr("saved rule vip version 1"));
  r = Ctl({"rules", "save", path, "--expected-version", "1"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, HasSubstr("version 2"));
  r = Ctl({"rules", "save", path, "--expected-version", "1"});
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_THAT(r.err, HasSubstr("ABORTED"));

  {
    std::ofstream out(path);
    out << R"({"ruleId": "Bad Id", "tag": "x"})";
  }
  r = Ctl({"rules", "save", path});
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_THAT(r.err, HasSubstr("INVALID_ARGUMENT"));
  EXPECT_THAT(r.err, HasSubstr("rule_id"));

  r = Ctl({"rules", "remove", "vip"});
  ASSERT_EQ(r.exit_code, 0) << r;
  r = Ctl({"rules", "remove", "vip"});
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_THAT(r.err, HasSubstr("NOT_FOUND"));

  // The rules' history is on the record, in its own stream.
  r = Ctl({"read-stream", "$classification-rules"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, HasSubstr("rule vip saved"));
  EXPECT_THAT(r.out, HasSubstr("rule vip removed"));
  EXPECT_THAT(r.out, HasSubstr("rules-test"));
}

TEST_F(LedgerctlRulesTest, MergeResolvesTheOldIdAndRefusesLaterAppends) {
  Register("A", "杭州示例科技");
  Register("B", "杭州示例科技有限公司",
           "{\"contactLogged\":{\"channel\":\"CONTACT_CHANNEL_PHONE\","
           "\"content\":\"hello\",\"participants\":[{\"name\":\"王\"}]}}");
  SubprocessResult r = Ctl({"merge", "A", "B", "--dry-run"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, HasSubstr("would merge B into A"));
  r = Ctl({"merge", "A", "B", "--reason", "duplicate"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, HasSubstr("merged B into A"));

  r = Ctl({"--json", "profile", "B"});
  ASSERT_EQ(r.exit_code, 0) << r;
  const auto profile = ParseJson<v1::GetProfileResponse>(r.out);
  EXPECT_EQ(profile.resolved_from(), "B");
  EXPECT_EQ(profile.profile().customer_id(), "A");
  EXPECT_EQ(profile.profile().contact_count(), 1u);
  r = Ctl({"profile", "B"});
  EXPECT_THAT(r.out, HasSubstr("B was merged into A"));

  r = Ctl({"timeline", "A"});
  EXPECT_THAT(r.out, HasSubstr("hello"));
  r = Ctl({"append", "-c", "B", "-e", "{\"customerArchived\":{}}"});
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_THAT(r.err, HasSubstr("FAILED_PRECONDITION"));
  EXPECT_THAT(r.err, HasSubstr("append to A"));
  r = Ctl({"merge", "A", "A"});
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_THAT(r.err, HasSubstr("INVALID_ARGUMENT"));
}

}  // namespace
}  // namespace ledger::testing
