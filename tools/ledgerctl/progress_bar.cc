#include "tools/ledgerctl/progress_bar.h"

#include <unistd.h>

#include <cstdio>

namespace ledger::ctl {

ProgressBar::ProgressBar(bool enabled, uint64_t total, std::string unit)
    : enabled_(enabled),
      total_(total),
      unit_(std::move(unit)),
      start_(std::chrono::steady_clock::now()),
      last_draw_(start_) {}

ProgressBar::~ProgressBar() { Finish(); }

bool ProgressBar::Wanted(bool json) {
  return !json && isatty(STDERR_FILENO) != 0;
}

void ProgressBar::Update(uint64_t done) {
  done_ = done;
  if (!enabled_) return;
  const auto now = std::chrono::steady_clock::now();
  if (now - last_draw_ < std::chrono::milliseconds(100)) return;
  last_draw_ = now;
  Draw();
}

void ProgressBar::Finish() {
  if (finished_) return;
  finished_ = true;
  if (!enabled_) return;
  Draw();
  std::fprintf(stderr, "\n");
}

void ProgressBar::Draw() {
  constexpr int kWidth = 40;
  const uint64_t shown = done_ < total_ ? done_ : total_;
  const int filled =
      total_ == 0 ? kWidth : static_cast<int>(kWidth * shown / total_);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_)
          .count();
  const double rate = seconds > 0 ? static_cast<double>(done_) / seconds : 0;
  std::fprintf(stderr, "\r[%s%s] %llu/%llu %s, %.0f/s ",
               std::string(filled, '#').c_str(),
               std::string(kWidth - filled, '.').c_str(),
               static_cast<unsigned long long>(done_),
               static_cast<unsigned long long>(total_), unit_.c_str(), rate);
}

}  // namespace ledger::ctl
