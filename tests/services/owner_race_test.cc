// A sales principal's append racing a manager's owner change: the owner
// the handler read may change before the append commits, so the log checks
// it again as it stages the append. Whatever the interleaving, no event of
// the sales principal may follow, in the customer's stream, the change that
// took the customer away from them.

#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/services/authorization_fixture.h"

namespace ledger::testing {
namespace {

namespace v1 = ::ledger::v1;

class OwnerRaceTest : public AuthorizationFixture {
 protected:
  // An admin registers `id` as one of sales-li's customers.
  void RegisterForLi(const std::string& id) {
    v1::AppendRequest registration = RegisterRequest(id);
    registration.mutable_metadata()->clear_actor();
    registration.mutable_events(0)
        ->mutable_payload()
        ->mutable_customer_registered()
        ->set_owner_id("sales-li");
    ASSERT_THAT(AppendAs(admin_, registration), GrpcOk());
  }

  // A manager's append that hands `id` over to sales-wang.
  static v1::AppendRequest HandoverToWang(const std::string& id) {
    v1::AppendRequest handover;
    handover.set_customer_id(id);
    handover.add_events()
        ->mutable_payload()
        ->mutable_owner_assigned()
        ->set_owner_id("sales-wang");
    return handover;
  }

  // Denials reported for sales-li's calls of `method` on customers whose
  // ids start with `prefix`.
  int DenialsOfLi(absl::string_view method, absl::string_view prefix) {
    int reported = 0;
    for (const Denial& d : denials()) {
      if (d.principal == "li" && d.method == method &&
          absl::StartsWith(d.customer_id, prefix)) {
        ++reported;
      }
    }
    return reported;
  }
};

TEST_F(OwnerRaceTest, NoSalesEventFollowsTheOwnerChangeThatTookTheCustomer) {
  constexpr int kRounds = 60;
  int sales_refused = 0;
  for (int round = 0; round < kRounds; ++round) {
    const std::string id = absl::StrCat("RACE-", round);
    ASSERT_NO_FATAL_FAILURE(RegisterForLi(id));

    const v1::AppendRequest handover = HandoverToWang(id);
    v1::AppendRequest contact;
    contact.set_customer_id(id);
    auto* logged =
        contact.add_events()->mutable_payload()->mutable_contact_logged();
    logged->set_channel(v1::CONTACT_CHANNEL_PHONE);
    logged->set_content("call");

    grpc::Status sales_status;
    grpc::Status manager_status;
    std::thread sales([&] { sales_status = AppendAs(sales_, contact); });
    std::thread manager([&] { manager_status = AppendAs(manager_, handover); });
    sales.join();
    manager.join();
    ASSERT_THAT(manager_status, GrpcOk());
    if (!sales_status.ok()) {
      EXPECT_EQ(sales_status.error_code(), grpc::StatusCode::PERMISSION_DENIED)
          << sales_status.error_message();
      ++sales_refused;
      continue;
    }
    // Committed: then before the handover.
    v1::ReadStreamRequest read;
    read.set_customer_id(id);
    v1::ReadStreamResponse events;
    ASSERT_THAT(stub().ReadStream(ContextAs(admin_).get(), read, &events),
                GrpcOk());
    int handover_at = -1;
    int contact_at = -1;
    for (int i = 0; i < events.events_size(); ++i) {
      const v1::EventPayload& p = events.events(i).payload();
      if (p.has_owner_assigned()) handover_at = i;
      if (p.has_contact_logged()) contact_at = i;
    }
    ASSERT_GE(handover_at, 0);
    ASSERT_GE(contact_at, 0);
    EXPECT_LT(contact_at, handover_at)
        << "round " << round << ": li's contact committed after " << id
        << " was handed to sales-wang";
  }
  // Every refusal was reported as a denial of li's append.
  EXPECT_EQ(DenialsOfLi("/ledger.v1.Ledger/Append", "RACE-"), sales_refused);
}

TEST_F(OwnerRaceTest, NoSalesMergeFollowsTheOwnerChangeThatTookTheSurvivor) {
  constexpr int kRounds = 60;
  int sales_refused = 0;
  for (int round = 0; round < kRounds; ++round) {
    const std::string survivor = absl::StrCat("MRACE-S", round);
    const std::string merged = absl::StrCat("MRACE-M", round);
    ASSERT_NO_FATAL_FAILURE(RegisterForLi(survivor));
    ASSERT_NO_FATAL_FAILURE(RegisterForLi(merged));
    const v1::AppendRequest handover = HandoverToWang(survivor);
    v1::MergeCustomersRequest merge;
    merge.set_survivor_id(survivor);
    merge.set_merged_id(merged);
    merge.mutable_metadata()->set_reason("same company");

    grpc::Status sales_status;
    v1::AppendResponse merged_at;
    grpc::Status manager_status;
    v1::AppendResponse handed_at;
    std::thread sales([&] {
      sales_status =
          stub().MergeCustomers(ContextAs(sales_).get(), merge, &merged_at);
    });
    std::thread manager([&] {
      manager_status =
          stub().Append(ContextAs(manager_).get(), handover, &handed_at);
    });
    sales.join();
    manager.join();
    ASSERT_THAT(manager_status, GrpcOk());
    if (!sales_status.ok()) {
      EXPECT_EQ(sales_status.error_code(), grpc::StatusCode::PERMISSION_DENIED)
          << sales_status.error_message();
      ++sales_refused;
      continue;
    }
    EXPECT_LT(merged_at.last_position(), handed_at.last_position())
        << "round " << round << ": li merged " << merged << " into " << survivor
        << " after it was handed to sales-wang";
  }
  EXPECT_EQ(DenialsOfLi("/ledger.v1.Ledger/MergeCustomers", "MRACE-"),
            sales_refused);
}

}  // namespace
}  // namespace ledger::testing
