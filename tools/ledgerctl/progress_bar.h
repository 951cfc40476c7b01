#ifndef LEDGER_TOOLS_LEDGERCTL_PROGRESS_BAR_H_
#define LEDGER_TOOLS_LEDGERCTL_PROGRESS_BAR_H_

#include <chrono>
#include <cstdint>
#include <string>

namespace ledger::ctl {

// A one-line progress bar on stderr ("[####....] 1200/5000 events,
// 8400/s"), redrawn at most ten times a second. Disabled (prints nothing)
// unless `enabled`; callers pass whether stderr is a terminal and output is
// for people. Not thread-safe.
class ProgressBar {
 public:
  ProgressBar(bool enabled, uint64_t total, std::string unit);
  ~ProgressBar();
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;

  void Update(uint64_t done);
  // Draws the final state and ends the line; called by the destructor too.
  void Finish();

  // Whether a progress bar belongs on stderr: a terminal and not --json.
  static bool Wanted(bool json);

 private:
  void Draw();

  const bool enabled_;
  const uint64_t total_;
  const std::string unit_;
  const std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_;
  uint64_t done_ = 0;
  bool finished_ = false;
};

}  // namespace ledger::ctl

#endif  // LEDGER_TOOLS_LEDGERCTL_PROGRESS_BAR_H_
