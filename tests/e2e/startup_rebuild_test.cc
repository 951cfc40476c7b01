// A stop signal during the start-up rebuild of the projections: the daemon
// stops within moments instead of finishing the rebuild, exits cleanly, and
// the projections it had stay in force.

#include <signal.h>
#include <sys/wait.h>

#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ledger/v1/customer.grpc.pb.h"
#include "ledger/v1/ledger.grpc.pb.h"
#include "tests/e2e/ledgerd_process.h"
#include "tests/testing/requests.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace ledger::testing {
namespace {

namespace v1 = ::ledger::v1;

std::unique_ptr<grpc::ClientContext> Context() {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(std::chrono::system_clock::now() +
                        std::chrono::seconds(30));
  return context;
}

// The customer's contact count as the server's projections say.
uint64_t ContactCount(const LedgerdProcess& server, const std::string& id) {
  auto query = v1::CustomerQuery::NewStub(server.NewChannel());
  v1::GetProfileRequest request;
  request.set_customer_id(id);
  v1::GetProfileResponse response;
  EXPECT_THAT(query->GetProfile(Context().get(), request, &response), GrpcOk());
  return response.profile().contact_count();
}

TEST(StartupRebuildTest, SigtermStopsTheRebuildAndKeepsTheProjections) {
  TempDir dir;
  constexpr int kCustomers = 200;  // 200,000 events: about a second's rebuild
  {
    LedgerdProcess loader(dir.Sub("data"), dir.Sub("logs"), {"--sync=false"});
    ASSERT_THAT(loader.Start(), IsOk());
    auto stub = v1::Ledger::NewStub(loader.NewChannel());
    for (int i = 0; i < kCustomers; ++i) {
      const std::string id = absl::StrCat("big-", i);
      v1::AppendRequest request = RegisterRequest(id);
      for (int k = 0; k < 999; ++k) AddContact(request, "called");
      v1::AppendResponse response;
      ASSERT_THAT(stub->Append(Context().get(), request, &response), GrpcOk());
    }
    EXPECT_EQ(ContactCount(loader, "big-7"), 999u);
    loader.Signal(SIGTERM);
    ASSERT_TRUE(loader.Wait(absl::Seconds(30)).has_value());
  }

  LedgerdProcess rebuilding(dir.Sub("data"), dir.Sub("logs"),
                            {"--rebuild-projections"});
  ASSERT_THAT(rebuilding.Launch(), IsOk());
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  while (!rebuilding.LogContains("rebuilding projections") &&
         absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(1));
  }
  ASSERT_TRUE(rebuilding.LogContains("rebuilding projections"))
      << rebuilding.LogTail();
  rebuilding.Signal(SIGTERM);
  const std::optional<int> status = rebuilding.Wait(absl::Seconds(10));
  ASSERT_TRUE(status.has_value()) << "still rebuilding 10 s after SIGTERM:\n"
                                  << rebuilding.LogTail();
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0)
      << rebuilding.LogTail();
  EXPECT_TRUE(rebuilding.LogContains("stopped during the start-up rebuild"))
      << rebuilding.LogTail();
  EXPECT_FALSE(rebuilding.LogContains("listening on")) << rebuilding.LogTail();

  // A normal start serves at once, from the projections built before.
  LedgerdProcess again(dir.Sub("data"), dir.Sub("logs"));
  ASSERT_THAT(again.Start(), IsOk());
  EXPECT_FALSE(again.LogContains("rebuild")) << again.LogTail();
  EXPECT_EQ(ContactCount(again, "big-7"), 999u);
}

}  // namespace
}  // namespace ledger::testing
