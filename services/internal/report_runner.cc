#include "services/internal/report_runner.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace ledger::services::internal {

ReportRunner::ReportRunner(int threads, size_t max_waiting)
    : max_waiting_(max_waiting) {
  for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { Work(); });
}

ReportRunner::~ReportRunner() { Stop(); }

absl::Status ReportRunner::Submit(absl::AnyInvocable<void() &&> task) {
  absl::MutexLock lock(&mu_);
  if (stopped_) {
    return absl::UnavailableError("the server is shutting down");
  }
  if (queue_.size() >= max_waiting_) {
    return absl::ResourceExhaustedError(
        absl::StrCat("all ", threads_.size(), " report threads are busy and ",
                     queue_.size(), " reports wait; retry later"));
  }
  queue_.push_back(std::move(task));
  return absl::OkStatus();
}

void ReportRunner::Stop() {
  absl::MutexLock join_lock(&join_mu_);
  {
    absl::MutexLock lock(&mu_);
    if (stopped_) return;
    stopped_ = true;
    stopping_.store(true, std::memory_order_release);
  }
  for (std::thread& thread : threads_) thread.join();
}

bool ReportRunner::HasWork() const { return stopped_ || !queue_.empty(); }

void ReportRunner::Work() {
  for (;;) {
    absl::AnyInvocable<void() &&> task;
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(this, &ReportRunner::HasWork));
      if (queue_.empty()) return;  // stopped, nothing left to run
      task = std::move(queue_.front());
      queue_.pop_front();
    }
    std::move(task)();
  }
}

}  // namespace ledger::services::internal
