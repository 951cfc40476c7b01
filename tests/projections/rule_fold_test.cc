// Unit tests of FoldRuleEvent (projections/classification_rules.h): rule
// versions, expected versions and removal in the rules family.

#include <map>
#include <string>
#include <utility>

#include "google/protobuf/util/time_util.h"
#include "gtest/gtest.h"
#include "projections/classification_rules.h"
#include "projections/customer_keys.h"

namespace ledger::projections {
namespace {

namespace v1 = ::ledger::v1;
using google::protobuf::util::TimeUtil;

// A state family map standing in for RocksDB.
class MemoryState final : public storage::StateWriter {
 public:
  absl::Status Get(int family, absl::string_view key,
                   std::string* value) override {
    auto it = data_.find({family, std::string(key)});
    if (it == data_.end()) return absl::NotFoundError("absent");
    *value = it->second;
    return absl::OkStatus();
  }
  void Put(int family, absl::string_view key,
           absl::string_view value) override {
    data_[{family, std::string(key)}] = std::string(value);
  }
  void Delete(int family, absl::string_view key) override {
    data_.erase({family, std::string(key)});
  }
  v1::RuleState Rule(const std::string& id) {
    v1::RuleState s;
    EXPECT_TRUE(s.ParseFromString(data_[{kRulesFamily, RuleKey(id)}]));
    return s;
  }

 private:
  std::map<std::pair<int, std::string>, std::string> data_;
};

v1::Event RuleEvent(uint64_t position, const v1::EventPayload& payload) {
  v1::Event e;
  e.set_customer_id(kRulesStream);
  e.set_position(position);
  *e.mutable_payload() = payload;
  e.mutable_metadata()->set_actor("alice");
  e.mutable_metadata()->set_reason("why");
  *e.mutable_metadata()->mutable_recorded_at() =
      TimeUtil::SecondsToTimestamp(1750000000 + static_cast<int64_t>(position));
  return e;
}

TEST(FoldRuleEventTest, VersionsExpectedVersionAndRemoval) {
  MemoryState state;
  v1::EventPayload save;
  save.mutable_classification_rule_saved()->mutable_rule()->set_rule_id("r");
  save.mutable_classification_rule_saved()->mutable_rule()->set_grade(
      v1::GRADE_A);
  ASSERT_TRUE(FoldRuleEvent(RuleEvent(5, save), state).ok());
  EXPECT_EQ(state.Rule("r").version(), 1u);
  EXPECT_EQ(state.Rule("r").position(), 5u);
  EXPECT_EQ(state.Rule("r").saved_by(), "alice");
  save.mutable_classification_rule_saved()->set_expected_version(0);
  EXPECT_EQ(FoldRuleEvent(RuleEvent(6, save), state).code(),
            absl::StatusCode::kAborted);
  save.mutable_classification_rule_saved()->set_expected_version(1);
  ASSERT_TRUE(FoldRuleEvent(RuleEvent(7, save), state).ok());
  EXPECT_EQ(state.Rule("r").version(), 2u);

  v1::EventPayload remove;
  remove.mutable_classification_rule_removed()->set_rule_id("r");
  ASSERT_TRUE(FoldRuleEvent(RuleEvent(8, remove), state).ok());
  EXPECT_TRUE(state.Rule("r").removed());
  EXPECT_EQ(state.Rule("r").version(), 2u);
  EXPECT_EQ(FoldRuleEvent(RuleEvent(9, remove), state).code(),
            absl::StatusCode::kNotFound);
  remove.mutable_classification_rule_removed()->set_rule_id("unknown");
  EXPECT_EQ(FoldRuleEvent(RuleEvent(9, remove), state).code(),
            absl::StatusCode::kNotFound);
  v1::EventPayload other;
  other.mutable_customer_archived();
  EXPECT_EQ(FoldRuleEvent(RuleEvent(9, other), state).code(),
            absl::StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace ledger::projections
