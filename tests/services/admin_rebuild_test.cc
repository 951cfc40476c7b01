// Admin/RebuildProjections while the server keeps serving: appends go on,
// every query answer is internally consistent, and nothing is lost.

#include <atomic>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "ledger/v1/admin.grpc.pb.h"
#include "ledger/v1/customer.grpc.pb.h"
#include "projections/customer_projector.h"
#include "tests/testing/requests.h"
#include "tests/testing/server_fixture.h"
#include "tests/testing/status_matchers.h"

namespace ledger::testing {
namespace {

namespace v1 = ::ledger::v1;
using google::protobuf::util::MessageDifferencer;

class AdminRebuildTest : public ServerFixture {};

TEST_F(AdminRebuildTest, RebuildWhileServingKeepsAnswersConsistent) {
  constexpr int kCustomers = 40;
  for (int i = 0; i < kCustomers; ++i) {
    v1::AppendResponse out;
    ASSERT_THAT(stub().Append(Context().get(),
                              RegisterRequest(absl::StrCat("r-", i)), &out),
                GrpcOk());
    for (int k = 0; k < 20; ++k) {
      ASSERT_THAT(stub().Append(Context().get(),
                                ContactRequest(absl::StrCat("r-", i)), &out),
                  GrpcOk());
    }
  }
  auto admin = v1::Admin::NewStub(channel());
  auto query = v1::CustomerQuery::NewStub(channel());
  std::atomic<bool> stop{false};
  std::atomic<int> appended{0};
  std::atomic<int> checked{0};
  std::thread writer([&] {
    for (int n = 0; !stop.load(); ++n) {
      v1::AppendResponse out;
      grpc::Status s = stub().Append(
          Context().get(), ContactRequest(absl::StrCat("r-", n % kCustomers)),
          &out);
      EXPECT_THAT(s, GrpcOk());
      if (!s.ok()) return;
      ++appended;
    }
  });
  // A live answer must equal the time-travel fold at the position it claims.
  std::thread reader([&] {
    for (int n = 0; !stop.load(); ++n) {
      v1::GetProfileRequest live;
      live.set_customer_id(absl::StrCat("r-", n % kCustomers));
      v1::GetProfileResponse now;
      grpc::Status s = query->GetProfile(Context().get(), live, &now);
      EXPECT_THAT(s, GrpcOk());
      if (!s.ok()) return;
      v1::GetProfileRequest past = live;
      past.set_as_of_position(now.as_of_position());
      v1::GetProfileResponse then;
      ASSERT_THAT(query->GetProfile(Context().get(), past, &then), GrpcOk());
      EXPECT_TRUE(MessageDifferencer::Equals(now.profile(), then.profile()))
          << now.profile().DebugString() << "\nvs\n"
          << then.profile().DebugString();
      ++checked;
    }
  });
  v1::RebuildProjectionsResponse rebuilt;
  grpc::Status status =
      admin->RebuildProjections(Context(absl::Seconds(60)).get(),
                                v1::RebuildProjectionsRequest(), &rebuilt);
  // (A later rebuild is allowed again: see the end.)
  stop = true;
  writer.join();
  reader.join();
  ASSERT_THAT(status, GrpcOk());
  EXPECT_GT(rebuilt.head_position(), 0u);
  EXPECT_FALSE(rebuilt.version().empty());
  EXPECT_GT(checked.load(), 0);
  // Every contact, including those appended during the rebuild, is counted.
  uint64_t contacts = 0;
  for (int i = 0; i < kCustomers; ++i) {
    v1::GetProfileRequest r;
    r.set_customer_id(absl::StrCat("r-", i));
    v1::GetProfileResponse out;
    ASSERT_THAT(query->GetProfile(Context().get(), r, &out), GrpcOk());
    contacts += out.profile().contact_count();
  }
  EXPECT_EQ(contacts, static_cast<uint64_t>(kCustomers * 20 + appended.load()));
  ASSERT_THAT(
      admin->RebuildProjections(Context(absl::Seconds(60)).get(),
                                v1::RebuildProjectionsRequest(), &rebuilt),
      GrpcOk());
}

TEST_F(AdminRebuildTest, CancelStopsARunningRebuildAndKeepsTheProjections) {
  // 100,000 events: the rebuild outlasts many cancel calls.
  constexpr int kCustomers = 100;
  for (int i = 0; i < kCustomers; ++i) {
    const std::string id = absl::StrCat("big-", i);
    v1::AppendRequest request = RegisterRequest(id);
    const v1::AppendRequest contact = ContactRequest(id);
    for (int k = 0; k < 999; ++k) *request.add_events() = contact.events(0);
    v1::AppendResponse out;
    ASSERT_THAT(stub().Append(Context().get(), request, &out), GrpcOk());
  }
  auto admin = v1::Admin::NewStub(channel());
  auto query = v1::CustomerQuery::NewStub(channel());
  v1::CancelRebuildProjectionsResponse idle;
  ASSERT_THAT(
      admin->CancelRebuildProjections(
          Context().get(), v1::CancelRebuildProjectionsRequest(), &idle),
      GrpcOk());
  EXPECT_FALSE(idle.was_running());

  grpc::Status rebuild_status;
  std::thread rebuild([&] {
    v1::RebuildProjectionsResponse out;
    rebuild_status =
        admin->RebuildProjections(Context(absl::Seconds(60)).get(),
                                  v1::RebuildProjectionsRequest(), &out);
  });
  // GetInfo shows the rebuild while it runs.
  bool seen_running = false;
  for (int i = 0; i < 5000 && !seen_running; ++i) {
    v1::GetInfoResponse info;
    EXPECT_THAT(stub().GetInfo(Context().get(), v1::GetInfoRequest(), &info),
                GrpcOk());
    seen_running = info.rebuild_running();
    if (seen_running) {
      EXPECT_LE(info.rebuild_position(), info.rebuild_target());
      EXPECT_EQ(info.rebuild_target(), 100000u);
    } else {
      absl::SleepFor(absl::Milliseconds(1));
    }
  }
  EXPECT_TRUE(seen_running);
  bool cancelled = false;
  for (int i = 0; i < 5000 && !cancelled; ++i) {
    v1::CancelRebuildProjectionsResponse out;
    EXPECT_THAT(
        admin->CancelRebuildProjections(
            Context().get(), v1::CancelRebuildProjectionsRequest(), &out),
        GrpcOk());
    cancelled = out.was_running();
    if (!cancelled) absl::SleepFor(absl::Milliseconds(1));
  }
  rebuild.join();
  ASSERT_TRUE(cancelled) << "the rebuild ended before it could be cancelled";
  EXPECT_THAT(rebuild_status, GrpcStatusIs(grpc::StatusCode::CANCELLED,
                                           ::testing::HasSubstr("cancelled")));
  v1::GetInfoResponse info;
  ASSERT_THAT(stub().GetInfo(Context().get(), v1::GetInfoRequest(), &info),
              GrpcOk());
  EXPECT_FALSE(info.rebuild_running());
  EXPECT_EQ(info.projection_version(), projections::kCustomerProjectionVersion);
  EXPECT_EQ(info.projection_position(), 100000u);
  // The projections in force are untouched, and a new rebuild may run.
  v1::GetProfileRequest r;
  r.set_customer_id("big-7");
  v1::GetProfileResponse profile;
  ASSERT_THAT(query->GetProfile(Context().get(), r, &profile), GrpcOk());
  EXPECT_EQ(profile.profile().contact_count(), 999u);
  v1::RebuildProjectionsResponse rebuilt;
  ASSERT_THAT(
      admin->RebuildProjections(Context(absl::Seconds(60)).get(),
                                v1::RebuildProjectionsRequest(), &rebuilt),
      GrpcOk());
  ASSERT_THAT(query->GetProfile(Context().get(), r, &profile), GrpcOk());
  EXPECT_EQ(profile.profile().contact_count(), 999u);
}

}  // namespace
}  // namespace ledger::testing
