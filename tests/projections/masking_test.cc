#include "projections/masking.h"

#include <set>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ledger/v1/customer.pb.h"

namespace ledger::projections {
namespace {

namespace v1 = ::ledger::v1;
using ::testing::Contains;
using ::testing::IsSupersetOf;
using ::testing::Not;

TEST(MaskingTest, MaskValueKeepsOnlyWhatIdentifiesNobody) {
  EXPECT_EQ(MaskValue("13812345678"), "138****5678");
  EXPECT_EQ(MaskValue("+86 138-1234-5678"), "+86 1**-****-5678");
  EXPECT_EQ(MaskValue("11010519491231002X"), "110***********002X");
  EXPECT_EQ(MaskValue("zhang.san@example.com"), "z***@example.com");
  EXPECT_EQ(MaskValue("张三"), "张*");
  EXPECT_EQ(MaskValue("欧阳娜娜"), "欧***");
  EXPECT_EQ(MaskValue("A"), "A*");
  EXPECT_EQ(MaskValue(""), "");
  EXPECT_EQ(MaskValue("erased"), "erased");
}

v1::CustomerProfile Profile() {
  v1::CustomerProfile profile;
  profile.set_customer_id("c-1");
  v1::ProfileFields* fields = profile.mutable_profile();
  fields->set_name("张三");
  fields->add_phones("13812345678");
  fields->add_emails("zhang.san@example.com");
  fields->set_industry("manufacturing");
  fields->mutable_address()->set_city("Shanghai");
  fields->mutable_address()->set_street("1 Nanjing Road");
  fields->mutable_birthday()->set_year(1980);
  fields->mutable_id_document()->set_number("11010519491231002X");
  v1::KeyPerson* person = profile.add_key_people();
  person->set_name("李四");
  person->set_title("CFO");
  return profile;
}

TEST(MaskingTest, MasksPersonalFieldsAndLeavesTheRest) {
  v1::CustomerProfile profile = Profile();
  EXPECT_GT(MaskPersonalFields(&profile), 0);
  const v1::ProfileFields& fields = profile.profile();
  EXPECT_EQ(fields.name(), "张*");
  EXPECT_EQ(fields.phones(0), "138****5678");
  EXPECT_EQ(fields.emails(0), "z***@example.com");
  EXPECT_EQ(fields.industry(), "manufacturing");
  EXPECT_EQ(fields.address().city(), "Shanghai");
  EXPECT_EQ(fields.address().street(), "1*************");
  EXPECT_FALSE(fields.has_birthday() && fields.birthday().year() != 0);
  EXPECT_EQ(fields.id_document().number(), "110***********002X");
  EXPECT_EQ(profile.key_people(0).name(), "李*");
  EXPECT_EQ(profile.key_people(0).title(), "CFO");
  EXPECT_EQ(profile.customer_id(), "c-1");
}

TEST(MaskingTest, CollectsThePathsOfSetPersonalFields) {
  std::set<std::string> paths;
  CollectPersonalFields(Profile(), &paths);
  EXPECT_THAT(paths,
              IsSupersetOf({"profile.name", "profile.phones", "profile.emails",
                            "profile.address.street", "profile.birthday",
                            "profile.id_document", "key_people.name"}));
  EXPECT_THAT(paths, Not(Contains("profile.industry")));
  EXPECT_THAT(paths, Not(Contains("profile.address.city")));

  v1::CustomerProfile erased;
  erased.mutable_profile()->set_name("erased");
  erased.mutable_profile()->set_industry("retail");
  EXPECT_FALSE(HasPersonalValues(erased));
}

}  // namespace
}  // namespace ledger::projections

namespace ledger::projections {
namespace {

TEST(MaskingTest, DuplicateReasonsQuotingAPhoneAreMasked) {
  ledger::v1::DuplicatePair pair;
  pair.set_customer_id("C-1");
  pair.set_other_customer_id("C-2");
  pair.add_reasons("same phone 13800138000");
  MaskPersonalFields(&pair);
  EXPECT_EQ(pair.customer_id(), "C-1");
  EXPECT_EQ(pair.reasons(0).find("13800138000"), std::string::npos)
      << pair.reasons(0);
  EXPECT_NE(pair.reasons(0).find("8000"), std::string::npos);
}

}  // namespace
}  // namespace ledger::projections
