// The report threads: bounded waiting, refusal after Stop, and queued
// reports still run (seeing stopping()) so that every call gets an answer.

#include "services/internal/report_runner.h"

#include <atomic>
#include <thread>

#include "absl/synchronization/notification.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace ledger::services::internal {
namespace {

using ::ledger::testing::IsOk;
using ::ledger::testing::StatusIs;
using ::testing::HasSubstr;

TEST(ReportRunnerTest, RefusesBeyondTheWaitingLimitAndRunsEveryQueuedTask) {
  ReportRunner runner(/*threads=*/1, /*max_waiting=*/2);
  absl::Notification started;
  absl::Notification release;
  std::atomic<int> ran{0};
  std::atomic<int> saw_stopping{0};
  auto blocking = [&] {
    started.Notify();
    release.WaitForNotification();
    ++ran;
  };
  auto queued = [&] {
    ++ran;
    if (runner.stopping()) ++saw_stopping;
  };
  ASSERT_THAT(runner.Submit(blocking), IsOk());
  started.WaitForNotification();  // the only thread is busy now
  EXPECT_THAT(runner.Submit(queued), IsOk());
  EXPECT_THAT(runner.Submit(queued), IsOk());
  EXPECT_THAT(
      runner.Submit([&] { ++ran; }),
      StatusIs(absl::StatusCode::kResourceExhausted,
               HasSubstr("1 report threads are busy and 2 reports wait")));

  std::thread stopper([&] { runner.Stop(); });
  // Stop waits for the running task; the queued ones then run, stopping.
  while (!runner.stopping()) std::this_thread::yield();
  EXPECT_THAT(runner.Submit([&] { ++ran; }),
              StatusIs(absl::StatusCode::kUnavailable));
  release.Notify();
  stopper.join();
  EXPECT_EQ(ran, 3);
  EXPECT_EQ(saw_stopping, 2);
  runner.Stop();  // idempotent
}

}  // namespace
}  // namespace ledger::services::internal
