// CustomerQuery/FindDuplicates over gRPC: the same normalised phone, e-mail
// or credit code, and similar names in one city, make candidate pairs;
// archived customers and other cities do not.

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/services/customer_query_fixture.h"
#include "tests/testing/status_matchers.h"

namespace ledger::testing {
namespace {

namespace v1 = ::ledger::v1;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::UnorderedElementsAre;
using Code = ::grpc::StatusCode;

class DuplicatesTest : public CustomerQueryTest {
 protected:
  void Add(const std::string& id, const std::string& name,
           const std::string& city, const std::string& phone = "",
           const std::string& email = "", const std::string& code = "") {
    v1::EventPayload p;
    auto* r = p.mutable_customer_registered();
    r->set_kind(v1::CUSTOMER_KIND_ORGANIZATION);
    r->mutable_profile()->set_name(name);
    r->mutable_profile()->mutable_address()->set_city(city);
    if (!phone.empty()) r->mutable_profile()->add_phones(phone);
    if (!email.empty()) r->mutable_profile()->add_emails(email);
    r->mutable_profile()->set_credit_code(code);
    AppendEvent(id, p);
  }

  // Every pair, following the pages, as "a|b" -> reasons.
  std::map<std::string, std::vector<std::string>> Pairs(
      v1::FindDuplicatesRequest r) {
    std::map<std::string, std::vector<std::string>> out;
    r.set_page_size(1);
    for (int pages = 0; pages < 50; ++pages) {
      v1::FindDuplicatesResponse resp;
      EXPECT_THAT(query_->FindDuplicates(Context().get(), r, &resp), GrpcOk());
      for (const auto& pair : resp.pairs()) {
        EXPECT_LT(pair.customer_id(), pair.other_customer_id());
        const std::string key =
            pair.customer_id() + "|" + pair.other_customer_id();
        EXPECT_EQ(out.count(key), 0u) << "listed twice: " << key;
        out[key] = {pair.reasons().begin(), pair.reasons().end()};
      }
      if (resp.next_page_token().empty()) break;
      r.set_page_token(resp.next_page_token());
    }
    return out;
  }
};

TEST_F(DuplicatesTest, SameKeysAndSimilarNamesInOneCityArePaired) {
  Add("c1", "杭州示例科技有限公司", "杭州", "138 0013 8000",
      "Sales@Example.com", "91350100M000100Y43");
  Add("c2", "杭州示例科技", "杭州市", "+86 13800138000");       // phone, name
  Add("c3", "Other Trading", "上海", "", "SALES@example.COM");  // e-mail
  Add("c4", "Unrelated Ltd", "上海", "", "", "91350100M000100Y43");  // code
  Add("c5", "杭州示例科技有限公司", "北京");  // same name, other city
  Add("c6", "杭州示例科技有限公司", "杭州");  // same name and city...
  Archive("c6");                              // ...but archived

  const auto all = Pairs({});
  ASSERT_EQ(all.size(), 3u) << ::testing::PrintToString(all);
  EXPECT_THAT(all.at("c1|c2"),
              UnorderedElementsAre("same phone 13800138000",
                                   HasSubstr("similar name (100%) in 杭州")));
  EXPECT_THAT(all.at("c1|c3"), ElementsAre("same e-mail sales@example.com"));
  EXPECT_THAT(all.at("c1|c4"),
              ElementsAre("same credit code 91350100M000100Y43"));
  EXPECT_EQ(all.count("c3|c4"), 0u);
  EXPECT_EQ(all.count("c1|c5"), 0u) << "another city";
  EXPECT_EQ(all.count("c1|c6"), 0u) << "archived";

  v1::FindDuplicatesRequest one;
  one.set_customer_id("c2");
  const auto of_c2 = Pairs(one);
  ASSERT_EQ(of_c2.size(), 1u);
  EXPECT_EQ(of_c2.begin()->first, "c1|c2");
}

TEST_F(DuplicatesTest, SimilarityThresholdDecidesAboutNames) {
  Add("a", "宁波港口物流", "宁波");
  Add("b", "宁波港口物资", "宁波");  // 5 of 6 characters: 83%
  EXPECT_TRUE(Pairs({}).empty()) << "below the default 85";
  v1::FindDuplicatesRequest r;
  r.set_min_name_similarity(80);
  const auto pairs = Pairs(r);
  ASSERT_EQ(pairs.size(), 1u);
  EXPECT_THAT(pairs.at("a|b"), ElementsAre("similar name (83%) in 宁波"));
}

TEST_F(DuplicatesTest, BadRequestsAreRefused) {
  v1::FindDuplicatesRequest r;
  v1::FindDuplicatesResponse resp;
  r.set_customer_id("nobody");
  EXPECT_THAT(query_->FindDuplicates(Context().get(), r, &resp),
              GrpcStatusIs(Code::NOT_FOUND, HasSubstr("nobody")));
  r.clear_customer_id();
  r.set_min_name_similarity(101);
  EXPECT_THAT(query_->FindDuplicates(Context().get(), r, &resp),
              GrpcStatusIs(Code::INVALID_ARGUMENT,
                           HasSubstr("min_name_similarity: 101")));
}

}  // namespace
}  // namespace ledger::testing
