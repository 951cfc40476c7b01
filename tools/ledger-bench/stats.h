#ifndef LEDGER_TOOLS_LEDGER_BENCH_STATS_H_
#define LEDGER_TOOLS_LEDGER_BENCH_STATS_H_

// Measurement results of ledger-bench: per-thread recorders, the merged
// result of one run, and its text/JSON rendering.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace ledger::bench {

// What one client thread observed in the timed window. Not thread-safe:
// each thread owns one.
struct ThreadStats {
  std::vector<uint32_t> latencies_us;  // successful calls only
  uint64_t ok_requests = 0;
  uint64_t events = 0;                     // events appended or read
  std::map<std::string, uint64_t> errors;  // status code name -> count
  std::string first_error;                 // example message, for the report
};

// Group-commit counters of the server (GetInfo) before and after a run.
struct ServerCounters {
  bool valid = false;
  bool sync_writes = false;
  uint64_t commit_groups = 0;
  uint64_t committed_appends = 0;
  uint64_t committed_events = 0;
};

// The merged result of one measured run.
struct RunResult {
  double seconds = 0;  // length of the timed window
  uint64_t ok_requests = 0;
  uint64_t events = 0;
  uint64_t error_count = 0;
  std::map<std::string, uint64_t> errors;
  std::string first_error;
  // Latency of successful calls, milliseconds.
  double p50_ms = 0, p90_ms = 0, p99_ms = 0, p999_ms = 0, max_ms = 0,
         mean_ms = 0;
  // Append workload only: server group-commit counters over the window.
  bool has_commit_stats = false;
  bool sync_writes = false;
  uint64_t commit_groups = 0;
  uint64_t committed_appends = 0;
  uint64_t committed_events = 0;

  double requests_per_sec() const {
    return seconds > 0 ? static_cast<double>(ok_requests) / seconds : 0;
  }
  double events_per_sec() const {
    return seconds > 0 ? static_cast<double>(events) / seconds : 0;
  }
  double appends_per_group() const {
    return commit_groups > 0 ? static_cast<double>(committed_appends) /
                                   static_cast<double>(commit_groups)
                             : 0;
  }
  double events_per_group() const {
    return commit_groups > 0 ? static_cast<double>(committed_events) /
                                   static_cast<double>(commit_groups)
                             : 0;
  }
};

// Merges the threads' stats of a window of `seconds` and, when both are
// valid, the server counter deltas.
RunResult MergeRun(std::vector<ThreadStats>& threads, double seconds,
                   const ServerCounters& before, const ServerCounters& after);

// The median of `values` (the mean of the middle two for an even count);
// 0 when empty.
double Median(std::vector<double> values);

// Human-readable report of one run, several lines, each ending in '\n'.
std::string FormatRunText(const RunResult& run);

// The run as a JSON object (no trailing newline).
std::string FormatRunJson(const RunResult& run);

// A JSON string literal for `text`, quotes included.
std::string JsonString(const std::string& text);

}  // namespace ledger::bench

#endif  // LEDGER_TOOLS_LEDGER_BENCH_STATS_H_
