#include "services/access_log.h"

#include <memory>
#include <string>

#include "gmock/gmock.h"
#include "google/protobuf/util/time_util.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace ledger::services {
namespace {

namespace v1 = ::ledger::v1;
using google::protobuf::util::TimeUtil;
using ::ledger::testing::IsOk;
using ::ledger::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

v1::AccessRecord Read(const std::string& principal, const std::string& customer,
                      int64_t at_seconds) {
  v1::AccessRecord record;
  record.set_principal(principal);
  record.set_role("sales");
  record.set_customer_id(customer);
  record.set_rpc("/ledger.v1.CustomerQuery/GetProfile");
  record.add_fields("profile.phones");
  record.set_purpose("follow-up call");
  *record.mutable_at() = TimeUtil::SecondsToTimestamp(at_seconds);
  return record;
}

class AccessLogTest : public ::testing::Test {
 protected:
  void Open(absl::Duration flush = absl::Milliseconds(5),
            size_t max_buffered = 1000) {
    log_.reset();
    AccessLogOptions options;
    options.path = dir_.Sub("access-log");
    options.flush_interval = flush;
    options.max_buffered = max_buffered;
    auto log = AccessLog::Open(options);
    ASSERT_THAT(log.status(), IsOk());
    log_ = *std::move(log);
  }

  std::vector<std::string> Customers(const v1::ListAccessResponse& r) {
    std::vector<std::string> out;
    for (const auto& record : r.records()) out.push_back(record.customer_id());
    return out;
  }

  ::ledger::testing::TempDir dir_;
  std::unique_ptr<AccessLog> log_;
};

TEST_F(AccessLogTest, ListsRecordsByCustomerAndByPrincipal) {
  Open();
  ASSERT_THAT(log_->Record(Read("alice", "c-1", 100)), IsOk());
  ASSERT_THAT(log_->Record(Read("bob", "c-1", 101)), IsOk());
  ASSERT_THAT(log_->Record(Read("alice", "c-2", 102)), IsOk());
  ASSERT_THAT(log_->Flush(), IsOk());

  v1::ListAccessRequest by_customer;
  by_customer.set_customer_id("c-1");
  auto customer = log_->List(by_customer, 100);
  ASSERT_THAT(customer.status(), IsOk());
  ASSERT_EQ(customer->records_size(), 2);
  EXPECT_EQ(customer->records(0).principal(), "alice");
  EXPECT_EQ(customer->records(1).principal(), "bob");
  EXPECT_EQ(customer->records(0).sequence(), 1u);
  EXPECT_EQ(customer->records(1).sequence(), 2u);
  EXPECT_THAT(customer->records(0).fields(), ElementsAre("profile.phones"));
  EXPECT_EQ(customer->records(0).purpose(), "follow-up call");

  v1::ListAccessRequest by_principal;
  by_principal.set_principal("alice");
  auto principal = log_->List(by_principal, 100);
  ASSERT_THAT(principal.status(), IsOk());
  EXPECT_THAT(Customers(*principal), ElementsAre("c-1", "c-2"));
}

TEST_F(AccessLogTest, TimeRangeIsHalfOpenAndPagesCoverEachRecordOnce) {
  Open();
  for (int i = 0; i < 25; ++i) {
    ASSERT_THAT(log_->Record(Read("alice", "c-" + std::to_string(i), 1000 + i)),
                IsOk());
  }
  ASSERT_THAT(log_->Flush(), IsOk());
  v1::ListAccessRequest request;
  request.set_principal("alice");
  *request.mutable_from() = TimeUtil::SecondsToTimestamp(1005);
  *request.mutable_to() = TimeUtil::SecondsToTimestamp(1020);
  request.set_page_size(4);
  std::vector<std::string> seen;
  for (int pages = 0; pages < 10; ++pages) {
    auto page = log_->List(request, 100);
    ASSERT_THAT(page.status(), IsOk());
    EXPECT_LE(page->records_size(), 4);
    for (const auto& record : page->records())
      seen.push_back(record.customer_id());
    if (page->next_page_token().empty()) break;
    request.set_page_token(page->next_page_token());
  }
  ASSERT_EQ(seen.size(), 15u);
  for (int i = 0; i < 15; ++i) EXPECT_EQ(seen[i], "c-" + std::to_string(5 + i));
}

TEST_F(AccessLogTest, DeniedOnlyListsRefusedCalls) {
  Open();
  v1::AccessRecord denied = Read("mallory", "c-9", 50);
  denied.clear_fields();
  denied.set_denied(true);
  denied.set_status("PERMISSION_DENIED: sales may only read own customers");
  ASSERT_THAT(log_->Record(Read("mallory", "c-1", 49)), IsOk());
  ASSERT_THAT(log_->Record(denied), IsOk());
  ASSERT_THAT(log_->Flush(), IsOk());
  v1::ListAccessRequest request;
  request.set_principal("mallory");
  request.set_denied_only(true);
  auto page = log_->List(request, 100);
  ASSERT_THAT(page.status(), IsOk());
  ASSERT_EQ(page->records_size(), 1);
  EXPECT_TRUE(page->records(0).denied());
  EXPECT_THAT(page->records(0).status(), HasSubstr("PERMISSION_DENIED"));
}

TEST_F(AccessLogTest, RecordsAreHashChainedAndSurviveRestart) {
  Open();
  for (int i = 0; i < 5; ++i) {
    ASSERT_THAT(log_->Record(Read("alice", "c-1", 10 + i)), IsOk());
  }
  log_->Shutdown();  // writes what is queued
  Open();
  auto verified = log_->Verify();
  ASSERT_THAT(verified.status(), IsOk());
  EXPECT_EQ(*verified, 5u);
  v1::ListAccessRequest request;
  request.set_customer_id("c-1");
  auto page = log_->List(request, 100);
  ASSERT_THAT(page.status(), IsOk());
  ASSERT_EQ(page->records_size(), 5);
  EXPECT_EQ(page->records(0).prev_hash(), std::string(32, '\0'));
  for (int i = 1; i < 5; ++i) {
    EXPECT_EQ(page->records(i).prev_hash(), page->records(i - 1).hash());
    EXPECT_EQ(page->records(i).hash().size(), 32u);
  }
}

TEST_F(AccessLogTest, RefusesRecordsWhenTooManyWait) {
  Open(absl::Hours(1), 3);
  for (int i = 0; i < 3; ++i) {
    ASSERT_THAT(log_->Record(Read("alice", "c-1", i)), IsOk());
  }
  EXPECT_THAT(log_->Record(Read("alice", "c-1", 4)),
              StatusIs(absl::StatusCode::kUnavailable, HasSubstr("behind")));
  ASSERT_THAT(log_->Flush(), IsOk());  // a flush makes room again
  EXPECT_THAT(log_->Record(Read("alice", "c-1", 5)), IsOk());
}

TEST_F(AccessLogTest, ListNamesAMissingSubjectOrBadRange) {
  Open();
  v1::ListAccessRequest request;
  EXPECT_THAT(
      log_->List(request, 100).status(),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("subject")));
  request.set_customer_id("c-1");
  *request.mutable_from() = TimeUtil::SecondsToTimestamp(20);
  *request.mutable_to() = TimeUtil::SecondsToTimestamp(10);
  EXPECT_THAT(log_->List(request, 100).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("to")));
  request.clear_from();
  request.clear_to();
  request.set_page_token("not-a-token");
  EXPECT_THAT(log_->List(request, 100).status(),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace ledger::services
