#include "tools/ledger-bench/stats.h"

#include <algorithm>
#include <cinttypes>
#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <string>
#include <utility>

namespace ledger::bench {

namespace {

// Nearest-rank percentile of sorted microsecond samples, in milliseconds.
double PercentileMs(const std::vector<uint32_t>& sorted, double p) {
  if (sorted.empty()) return 0;
  const double rank = std::ceil(p * static_cast<double>(sorted.size()));
  size_t index = rank < 1 ? 0 : static_cast<size_t>(rank) - 1;
  index = std::min(index, sorted.size() - 1);
  return sorted[index] / 1000.0;
}

std::string Printf(const char* format, ...)
    __attribute__((format(printf, 1, 2)));

std::string Printf(const char* format, ...) {
  char buf[512];
  va_list args;
  va_start(args, format);
  std::vsnprintf(buf, sizeof(buf), format, args);
  va_end(args);
  return buf;
}

}  // namespace

RunResult MergeRun(std::vector<ThreadStats>& threads, double seconds,
                   const ServerCounters& before, const ServerCounters& after) {
  RunResult run;
  run.seconds = seconds;
  std::vector<uint32_t> all;
  size_t total = 0;
  for (const ThreadStats& t : threads) total += t.latencies_us.size();
  all.reserve(total);
  for (ThreadStats& t : threads) {
    all.insert(all.end(), t.latencies_us.begin(), t.latencies_us.end());
    run.ok_requests += t.ok_requests;
    run.events += t.events;
    for (const auto& [code, count] : t.errors) {
      run.errors[code] += count;
      run.error_count += count;
    }
    if (run.first_error.empty()) run.first_error = t.first_error;
  }
  std::sort(all.begin(), all.end());
  run.p50_ms = PercentileMs(all, 0.50);
  run.p90_ms = PercentileMs(all, 0.90);
  run.p99_ms = PercentileMs(all, 0.99);
  run.p999_ms = PercentileMs(all, 0.999);
  run.max_ms = all.empty() ? 0 : all.back() / 1000.0;
  if (!all.empty()) {
    double sum = 0;
    for (uint32_t v : all) sum += v;
    run.mean_ms = sum / static_cast<double>(all.size()) / 1000.0;
  }
  if (before.valid && after.valid) {
    run.has_commit_stats = true;
    run.sync_writes = after.sync_writes;
    run.commit_groups = after.commit_groups - before.commit_groups;
    run.committed_appends = after.committed_appends - before.committed_appends;
    run.committed_events = after.committed_events - before.committed_events;
  }
  return run;
}

double Median(std::vector<double> values) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const size_t n = values.size();
  return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

std::string FormatRunText(const RunResult& run) {
  std::string out;
  out += Printf("  window      %.2f s, %" PRIu64 " ok requests, %" PRIu64
                " events\n",
                run.seconds, run.ok_requests, run.events);
  out += Printf("  throughput  %.1f requests/s, %.1f events/s\n",
                run.requests_per_sec(), run.events_per_sec());
  out += Printf(
      "  latency ms  p50 %.3f  p90 %.3f  p99 %.3f  p99.9 %.3f  "
      "max %.3f  (mean %.3f)\n",
      run.p50_ms, run.p90_ms, run.p99_ms, run.p999_ms, run.max_ms, run.mean_ms);
  if (run.has_commit_stats) {
    out += Printf("  commits     %" PRIu64
                  " groups, %.2f appends/group, "
                  "%.2f events/group (server sync=%s)\n",
                  run.commit_groups, run.appends_per_group(),
                  run.events_per_group(), run.sync_writes ? "on" : "OFF");
  }
  if (run.error_count == 0) {
    out += "  errors      none\n";
  } else {
    out += Printf("  ERRORS      %" PRIu64 " failed calls:", run.error_count);
    for (const auto& [code, count] : run.errors) {
      out += Printf(" %s=%" PRIu64, code.c_str(), count);
    }
    out += "\n  first error " + run.first_error + "\n";
  }
  return out;
}

std::string FormatRunJson(const RunResult& run) {
  std::string out = "{";
  out += Printf("\"seconds\":%.3f,\"ok_requests\":%" PRIu64
                ",\"events\":%" PRIu64 ",",
                run.seconds, run.ok_requests, run.events);
  out += Printf("\"requests_per_sec\":%.1f,\"events_per_sec\":%.1f,",
                run.requests_per_sec(), run.events_per_sec());
  out += Printf(
      "\"latency_ms\":{\"p50\":%.3f,\"p90\":%.3f,\"p99\":%.3f,"
      "\"p99_9\":%.3f,\"max\":%.3f,\"mean\":%.3f},",
      run.p50_ms, run.p90_ms, run.p99_ms, run.p999_ms, run.max_ms, run.mean_ms);
  if (run.has_commit_stats) {
    out += Printf("\"commit\":{\"sync_writes\":%s,\"groups\":%" PRIu64
                  ",\"appends\":%" PRIu64 ",\"events\":%" PRIu64
                  ",\"appends_per_group\":%.2f,\"events_per_group\":%.2f},",
                  run.sync_writes ? "true" : "false", run.commit_groups,
                  run.committed_appends, run.committed_events,
                  run.appends_per_group(), run.events_per_group());
  }
  out += Printf("\"error_count\":%" PRIu64 ",\"errors\":{", run.error_count);
  bool first = true;
  for (const auto& [code, count] : run.errors) {
    if (!first) out += ",";
    first = false;
    out += JsonString(code) + Printf(":%" PRIu64, count);
  }
  out += "}";
  if (!run.first_error.empty()) {
    out += ",\"first_error\":" + JsonString(run.first_error);
  }
  out += "}";
  return out;
}

std::string JsonString(const std::string& text) {
  std::string out = "\"";
  for (unsigned char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20) {
          out += Printf("\\u%04x", c);
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += "\"";
  return out;
}

}  // namespace ledger::bench
