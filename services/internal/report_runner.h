#ifndef LEDGER_SERVICES_INTERNAL_REPORT_RUNNER_H_
#define LEDGER_SERVICES_INTERNAL_REPORT_RUNNER_H_

#include <atomic>
#include <cstddef>
#include <deque>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"

namespace ledger::services::internal {

// A few threads of its own for the reports, so that a report that reads a
// million keys never holds one of gRPC's callback threads, and so that the
// reports running at once are bounded (the rest wait in a bounded queue).
//
// Thread-safe.
class ReportRunner {
 public:
  ReportRunner(int threads, size_t max_waiting);
  // Stop()s.
  ~ReportRunner();

  ReportRunner(const ReportRunner&) = delete;
  ReportRunner& operator=(const ReportRunner&) = delete;

  // Queues `task`. RESOURCE_EXHAUSTED when `max_waiting` tasks wait
  // already, UNAVAILABLE after Stop(); the task is then dropped unrun.
  [[nodiscard]] absl::Status Submit(absl::AnyInvocable<void() &&> task);

  // Refuses new tasks, lets the threads run the queued ones (stopping() is
  // true for them, so they can end early) and joins the threads.
  // Idempotent.
  void Stop();

  bool stopping() const { return stopping_.load(std::memory_order_acquire); }

 private:
  void Work();
  bool HasWork() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const size_t max_waiting_;
  std::atomic<bool> stopping_{false};
  mutable absl::Mutex mu_;
  std::deque<absl::AnyInvocable<void() &&>> queue_ ABSL_GUARDED_BY(mu_);
  bool stopped_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_;  // joined by the first Stop()
  absl::Mutex join_mu_;               // serialises Stop()
};

}  // namespace ledger::services::internal

#endif  // LEDGER_SERVICES_INTERNAL_REPORT_RUNNER_H_
