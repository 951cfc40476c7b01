// FieldPath (paths into the customer file, their values as canonical JSON)
// and the actor index keys.

#include "projections/field_path.h"

#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ledger/v1/customer.pb.h"
#include "storage/event_record.h"
#include "tests/testing/status_matchers.h"

namespace ledger::projections {
namespace {

namespace v1 = ::ledger::v1;
using ::ledger::testing::IsOk;
using ::testing::HasSubstr;

std::string Value(const std::string& path, const v1::CustomerProfile& p) {
  absl::StatusOr<FieldPath> parsed = FieldPath::Parse(path);
  EXPECT_TRUE(parsed.ok()) << parsed.status();
  if (!parsed.ok()) return "<bad path>";
  return parsed->Render(parsed->Extract(p));
}

v1::CustomerProfile Sample() {
  v1::CustomerProfile p;
  p.set_customer_id("C-1");
  p.set_owner_id("sales-li");
  p.mutable_profile()->set_name("杭州示例");
  p.mutable_profile()->add_phones("13800138000");
  p.mutable_profile()->add_phones("021-88886666");
  p.mutable_profile()->mutable_address()->set_city("杭州");
  p.mutable_classification()->set_grade(v1::GRADE_A);
  p.set_contact_count(3);
  return p;
}

TEST(FieldPathTest, RendersOneFieldAsCanonicalJson) {
  const v1::CustomerProfile p = Sample();
  EXPECT_EQ(Value("profile.phones", p), R"(["13800138000","021-88886666"])");
  EXPECT_EQ(Value("profile.address.city", p), R"("杭州")");
  EXPECT_EQ(Value("profile.address", p), R"({"city":"杭州"})");
  EXPECT_EQ(Value("classification.grade", p), R"("GRADE_A")");
  EXPECT_EQ(Value("owner_id", p), R"("sales-li")");
  EXPECT_EQ(Value("ownerId", p), R"("sales-li")");
  EXPECT_EQ(Value("contact_count", p), R"("3")");  // uint64 as a string
}

TEST(FieldPathTest, UnsetAndEmptyValuesRenderEmpty) {
  v1::CustomerProfile p = Sample();
  EXPECT_EQ(Value("profile.emails", p), "");
  EXPECT_EQ(Value("profile.address.street", p), "");
  EXPECT_EQ(Value("profile.birthday", p), "");
  EXPECT_EQ(Value("key_people", p), "");
  EXPECT_EQ(Value("archived", p), "");
  p.mutable_profile()->mutable_bank_account();  // set, but empty
  EXPECT_EQ(Value("profile.bank_account", p), "");
  EXPECT_EQ(Value("profile.bank_account.bank_name", v1::CustomerProfile()), "");
}

TEST(FieldPathTest, MapsRenderInKeyOrderWhateverTheInsertionOrder) {
  v1::CustomerProfile a;
  v1::CustomerProfile b;
  for (const char* card : {"K-9", "K-1", "K-5", "K-3"}) {
    (*a.mutable_active_cards())[card] = v1::MEMBER_TIER_GOLD;
  }
  for (const char* card : {"K-3", "K-5", "K-1", "K-9"}) {
    (*b.mutable_active_cards())[card] = v1::MEMBER_TIER_GOLD;
  }
  const std::string json = Value("active_cards", a);
  EXPECT_EQ(json, Value("active_cards", b));
  EXPECT_LT(json.find("K-1"), json.find("K-3"));
  EXPECT_LT(json.find("K-5"), json.find("K-9"));
}

TEST(FieldPathTest, HolderCarriesOnlyThePath) {
  absl::StatusOr<FieldPath> path = FieldPath::Parse("profile.address.city");
  ASSERT_THAT(path, IsOk());
  EXPECT_EQ(path->path(), "profile.address.city");
  ASSERT_EQ(path->fields().size(), 3u);
  const v1::CustomerProfile holder = path->Extract(Sample());
  v1::CustomerProfile want;
  want.mutable_profile()->mutable_address()->set_city("杭州");
  EXPECT_EQ(holder.SerializeAsString(), want.SerializeAsString());
}

TEST(FieldPathTest, KnowsWhetherTheValueIsPersonal) {
  auto personal = [](const std::string& path) {
    absl::StatusOr<FieldPath> parsed = FieldPath::Parse(path);
    EXPECT_THAT(parsed, IsOk());
    return parsed.ok() && parsed->personal();
  };
  EXPECT_TRUE(personal("profile.phones"));
  EXPECT_TRUE(personal("profile.address.street"));
  EXPECT_TRUE(personal("profile.address"));  // holds street and postcode
  EXPECT_TRUE(personal("profile"));
  EXPECT_TRUE(personal("key_people"));
  EXPECT_FALSE(personal("profile.address.city"));
  EXPECT_FALSE(personal("classification.grade"));
  EXPECT_FALSE(personal("owner_id"));
}

TEST(FieldPathTest, BadPathsNameTheSegmentAndTheValidNames) {
  struct Case {
    std::string path;
    std::vector<std::string> mentions;
  };
  const std::vector<Case> cases = {
      {"", {"field_path: is required", "profile", "classification"}},
      {"nope", {"\"nope\"", "CustomerProfile", "owner_id", "key_people"}},
      {"profile.phonez", {"\"phonez\"", "in \"profile\"", "phones"}},
      {"profile.", {"empty segment after \"profile\"", "phones"}},
      {"owner_id.x", {"\"owner_id\" is a string", "\"x\""}},
      {"classification.grade.x", {"ledger.v1.Grade", "\"x\""}},
      {"profile.phones.0", {"list of string", "\"profile.phones\""}},
      {"active_cards.K-1", {"map", "\"active_cards\""}},
      {"created_at.seconds", {"google.protobuf.Timestamp", "as a whole"}},
  };
  for (const Case& c : cases) {
    absl::StatusOr<FieldPath> parsed = FieldPath::Parse(c.path);
    ASSERT_FALSE(parsed.ok()) << c.path;
    EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
    for (const std::string& m : c.mentions) {
      EXPECT_THAT(std::string(parsed.status().message()), HasSubstr(m))
          << c.path;
    }
  }
}

}  // namespace
}  // namespace ledger::projections
