// SearchCustomers: filters, archived customers, totals and paging.

#include "tests/services/customer_query_fixture.h"

namespace ledger::testing {
namespace {

using google::protobuf::util::MessageDifferencer;
using google::protobuf::util::TimeUtil;
using ::testing::HasSubstr;
using ::testing::UnorderedElementsAreArray;

TEST_F(CustomerQueryTest, SearchAndsFiltersAndMatchesNamePrefixes) {
  Register("c-1", "ACME Steel", "u-1");
  Register("c-2", "acme bank", "u-2");
  Register("c-3", "北京钢铁", "u-1");
  Register("c-4", "北京银行", "u-1");
  Register("c-5", "上海北京", "u-1");
  Classify("c-1", v1::GRADE_A, "vip");
  Classify("c-3", v1::GRADE_A);
  Classify("c-4", v1::GRADE_B, "vip");
  Register("c-6", "Acme Archived", "u-1");
  Classify("c-6", v1::GRADE_A);
  Archive("c-6");

  auto ids = [&](const v1::CustomerFilter& f, uint64_t* total = nullptr) {
    v1::SearchCustomersRequest r;
    *r.mutable_filter() = f;
    v1::SearchCustomersResponse out;
    EXPECT_THAT(Search(r, &out), GrpcOk());
    if (total != nullptr) *total = out.total_count();
    std::vector<std::string> v;
    for (const auto& c : out.customers()) v.push_back(c.customer_id());
    return v;
  };
  v1::CustomerFilter f;
  f.set_owner_id("u-1");
  f.set_grade(v1::GRADE_A);
  EXPECT_THAT(ids(f), UnorderedElementsAreArray({"c-1", "c-3"}));
  f.set_tag("vip");
  EXPECT_THAT(ids(f), UnorderedElementsAreArray({"c-1"}));
  f.set_include_archived(true);
  f.clear_tag();
  EXPECT_THAT(ids(f), UnorderedElementsAreArray({"c-1", "c-3", "c-6"}));

  v1::CustomerFilter name;
  name.set_name_prefix("aCmE");
  EXPECT_THAT(ids(name), UnorderedElementsAreArray({"c-1", "c-2"}));
  name.set_name_prefix("北京");
  EXPECT_THAT(ids(name), UnorderedElementsAreArray({"c-3", "c-4"}));
  name.set_owner_id("u-1");
  name.set_grade(v1::GRADE_B);
  EXPECT_THAT(ids(name), UnorderedElementsAreArray({"c-4"}));
  v1::CustomerFilter archived_name;
  archived_name.set_name_prefix("acme");
  archived_name.set_include_archived(true);
  uint64_t total = 0;
  EXPECT_THAT(ids(archived_name, &total),
              UnorderedElementsAreArray({"c-1", "c-2", "c-6"}));
  EXPECT_EQ(total, 3u);

  // No filter: every customer, archived ones only when asked for.
  v1::CustomerFilter none;
  EXPECT_THAT(ids(none, &total),
              UnorderedElementsAreArray({"c-1", "c-2", "c-3", "c-4", "c-5"}));
  EXPECT_EQ(total, 5u);
  none.set_include_archived(true);
  EXPECT_THAT(ids(none, &total), ::testing::SizeIs(6));
  EXPECT_EQ(total, 6u);

  v1::SearchCustomersRequest r;
  r.mutable_filter()->set_owner_id("u-1");
  r.set_page_size(2);
  v1::SearchCustomersResponse out;
  ASSERT_THAT(Search(r, &out), GrpcOk());
  EXPECT_EQ(out.customers_size(), 2);
  EXPECT_EQ(out.total_count(), 4u);  // c-1, c-3, c-4, c-5 (c-6 archived)
  EXPECT_FALSE(out.next_page_token().empty());
  int pages = 0;
  EXPECT_THAT(SearchAll(r, &pages),
              UnorderedElementsAreArray({"c-1", "c-3", "c-4", "c-5"}));
  EXPECT_EQ(pages, 2);

  // Two equality filters (an index intersection) paged one at a time.
  v1::SearchCustomersRequest both;
  both.mutable_filter()->set_owner_id("u-1");
  both.mutable_filter()->set_grade(v1::GRADE_A);
  both.mutable_filter()->set_include_archived(true);
  both.set_page_size(1);
  v1::SearchCustomersResponse first;
  ASSERT_THAT(Search(both, &first), GrpcOk());
  EXPECT_EQ(first.total_count(), 3u);
  pages = 0;
  EXPECT_THAT(SearchAll(both, &pages),
              UnorderedElementsAreArray({"c-1", "c-3", "c-6"}));
  EXPECT_EQ(pages, 3);
}

TEST_F(CustomerQueryTest, SearchPagesEachMatchExactlyOnceWhileAppending) {
  std::set<std::string> expected;
  for (int i = 0; i < 40; ++i) {
    const std::string id = absl::StrCat("p-", 100 + i);
    Register(id, absl::StrCat("Pager ", i), "pager");
    expected.insert(id);
  }
  std::atomic<bool> stop{false};
  std::atomic<int> writes{0};
  std::thread writer([&] {
    for (int i = 0; !stop.load(); ++i) {
      Contact(absl::StrCat("p-", 100 + i % 40), v1::CONTACT_CHANNEL_PHONE,
              DaysAgo(i % 30));
      ++writes;
      // Sorts between the matches, but has another owner and name.
      Register(absl::StrCat("p-", 100 + i % 40, "-x", i), "Other", "nobody");
      ++writes;
    }
  });
  for (const char* mode : {"owner", "name", "owner+name"}) {
    SCOPED_TRACE(mode);
    v1::SearchCustomersRequest r;
    if (std::string(mode) != "name") r.mutable_filter()->set_owner_id("pager");
    if (std::string(mode) != "owner") {
      r.mutable_filter()->set_name_prefix("pAGER");
    }
    r.set_page_size(3);
    std::vector<std::string> seen;
    int pages = 0;
    for (; pages < 100; ++pages) {
      // Let at least one append commit between consecutive pages.
      const int writes_before = writes.load();
      const absl::Time deadline = absl::Now() + absl::Seconds(10);
      while (writes.load() == writes_before && absl::Now() < deadline) {
        absl::SleepFor(absl::Milliseconds(1));
      }
      // EXPECT + break, never ASSERT: the writer thread must be joined.
      EXPECT_GT(writes.load(), writes_before) << "the writer is stuck";
      v1::SearchCustomersResponse out;
      const grpc::Status status = Search(r, &out);
      EXPECT_THAT(status, GrpcOk());
      if (!status.ok()) break;
      for (const auto& c : out.customers()) seen.push_back(c.customer_id());
      if (out.next_page_token().empty()) break;
      r.set_page_token(out.next_page_token());
    }
    EXPECT_EQ(pages + 1, 14);
    EXPECT_EQ(seen.size(), expected.size()) << "duplicates or misses";
    EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()), expected);
  }
  stop = true;
  writer.join();
}

}  // namespace
}  // namespace ledger::testing
