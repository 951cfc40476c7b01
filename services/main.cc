// customer-ledgerd: the customer-ledger server.

#include <pthread.h>
#include <signal.h>

#include <array>
#include <atomic>
#include <cstdio>
#include <cstring>
#include <exception>
#include <memory>
#include <string>
#include <thread>

#include "CLI/CLI.hpp"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "services/ledger_server.h"
#include "spdlog/sinks/stdout_color_sinks.h"
#include "spdlog/spdlog.h"
#include "storage/event_log.h"
#include "storage/hash_chain.h"

namespace {

using ledger::services::LedgerServer;
using ledger::services::ServerOptions;

// "K=7,A=14,B=30,C=90,D=180" into days by ledger.v1.Grade; unlisted grades
// get 0. Returns "" or what is wrong (CLI11's validator convention).
std::string ParseVisitDays(const std::string& text, std::array<int, 6>* days) {
  static constexpr char kGrades[] = "?KABCD";
  days->fill(0);
  for (absl::string_view item : absl::StrSplit(text, ',', absl::SkipEmpty())) {
    item = absl::StripAsciiWhitespace(item);
    const size_t eq = item.find('=');
    const char* grade = item.size() > 2 && eq == 1
                            ? std::strchr(kGrades + 1, item[0])
                            : nullptr;
    int value = 0;
    if (grade == nullptr || !absl::SimpleAtoi(item.substr(2), &value) ||
        value < 0 || value > 3660) {
      return absl::StrCat("\"", item,
                          "\" is not GRADE=DAYS (grades K A B C D, days "
                          "0..3660)");
    }
    (*days)[grade - kGrades] = value;
  }
  return "";
}

// Checks the data directory's whole chain offline and reports.
int VerifyChain(const ServerOptions& options,
                const std::shared_ptr<spdlog::logger>& logger) {
  ledger::storage::EventLogOptions log_options;
  log_options.path = options.data_dir;
  log_options.logger = logger;
  auto log = ledger::storage::EventLog::Open(log_options);
  if (!log.ok()) {
    logger->error("cannot open {}: {}", options.data_dir,
                  log.status().ToString());
    return 1;
  }
  const uint64_t head = (*log)->last_position();
  logger->info("verifying {} events in {}", head, options.data_dir);
  auto report = (*log)->VerifyChain(1, 0, [&](uint64_t position) {
    logger->info("verified {}/{} events", position, head);
  });
  if (!report.ok()) {
    logger->error("chain verification FAILED: {}", report.status().ToString());
    return 2;
  }
  logger->info("chain OK: {} events, head hash {}", report->verified_events,
               ledger::storage::HexDigest(report->last_hash));
  auto tree = (*log)->VerifyMerkle([&](uint64_t position) {
    logger->info("verified the Merkle tree over {}/{} events", position, head);
  });
  if (!tree.ok()) {
    logger->error("Merkle tree verification FAILED: {}",
                  tree.status().ToString());
    return 2;
  }
  logger->info("Merkle tree OK: {} events, root {}", tree->tree_size,
               ledger::storage::HexDigest(tree->root_hash));
  return 0;
}

int Run(int argc, char** argv) {
  // Our lock order is fixed by design; Abseil's cycle detection would cost
  // every lock acquisition on the hot path.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  CLI::App app{
      "customer-ledgerd: event-sourced customer archive server (gRPC "
      "ledger.v1 on RocksDB)"};
  ServerOptions options;
  ledger::services::ServiceLimits& limits = options.limits;
  std::string log_level = "info";
  bool verify_chain = false;
  int64_t checkpoint_ms = absl::ToInt64Milliseconds(limits.checkpoint_interval);
  int64_t grace_ms = absl::ToInt64Milliseconds(options.shutdown_grace);

  app.set_config("--config", "",
                 "Read options from a TOML/INI file; keys are the long option "
                 "names without dashes (see deploy/customer-ledgerd.toml)");
  app.add_option(
         "--listen", options.listen_address,
         "Address to serve gRPC on (host:port; port 0 picks a free one)")
      ->capture_default_str();
  app.add_option("--data-dir", options.data_dir,
                 "RocksDB data directory; created if absent")
      ->capture_default_str();
  app.add_option("--access-log-dir", options.access_log_dir,
                 "RocksDB directory of the access log (who read whose "
                 "personal data); default <data-dir>/access-log");
  app.add_option("--sync", options.sync,
                 "fsync every commit group before acknowledging it. "
                 "--sync=false is for bulk loads ONLY: acknowledged appends "
                 "can then be lost on power failure")
      ->capture_default_str();
  app.add_option("--signing-key-file", options.signing_key_file,
                 "PEM Ed25519 private key that signs Merkle tree heads "
                 "(ledger.v1.Integrity); generated with mode 0600 when "
                 "absent; refused if group or others may read it "
                 "(default: <data-dir>/signing-key.pem)");
  app.add_option("--block-cache-mb", options.block_cache_mb,
                 "RocksDB block cache in MiB (uncompressed blocks of the log "
                 "and the projections); size it to the hot profiles")
      ->check(CLI::Range(8, 1 << 20))
      ->capture_default_str();
  app.add_option("--max-wal-mb", options.max_wal_mb,
                 "Most write-ahead log in MiB kept for a restart after a "
                 "crash to replay; past it the oldest is flushed to tables")
      ->check(CLI::Range(16, 1 << 20))
      ->capture_default_str();
  app.add_option("--max-event-bytes", limits.max_event_bytes,
                 "Largest serialized event payload (RESOURCE_EXHAUSTED above)")
      ->capture_default_str();
  app.add_option("--max-events-per-append", limits.max_events_per_append,
                 "Most events in one Append (RESOURCE_EXHAUSTED above)")
      ->capture_default_str();
  app.add_option("--max-append-bytes", limits.max_append_bytes,
                 "Most payload bytes in one Append (RESOURCE_EXHAUSTED above)")
      ->capture_default_str();
  app.add_option("--max-read-page", limits.max_read_page,
                 "Most events one ReadStream/ReadAll page returns")
      ->capture_default_str();
  app.add_option("--max-scan", limits.max_scan,
                 "Most log records one filtered read examines")
      ->capture_default_str();
  app.add_option("--checkpoint-interval-ms", checkpoint_ms,
                 "Subscribe sends a checkpoint when it has sent nothing for "
                 "this long")
      ->capture_default_str();
  app.add_option("--shutdown-grace-ms", grace_ms,
                 "On SIGTERM/SIGINT, how long in-flight calls may finish")
      ->capture_default_str();
  app.add_option("--log-level", log_level,
                 "trace, debug, info, warn or error (payloads are logged only "
                 "at debug and below)")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error"}))
      ->capture_default_str();
  app.add_flag("--rebuild-projections", options.rebuild_projections,
               "Rebuild the projections (profile, timeline, classification, "
               "indexes) from the log before serving");
  app.add_option("--revisit-interval-days", options.revisit_interval_days,
                 "ListDueFollowUps: customers not contacted for longer are "
                 "due a revisit (the customer-file rule: at least yearly)")
      ->capture_default_str();
  std::string visit_days = "K=7,A=14,B=30,C=90,D=180";
  app.add_option("--visit-interval-days", visit_days,
                 "ListDueFollowUps: days between visits by grade (a "
                 "customer's maintenance plan overrides it; grades not "
                 "listed, or 0, fall back to the revisit interval)")
      ->check([](const std::string& text) {
        std::array<int, 6> days{};
        return ParseVisitDays(text, &days);
      })
      ->capture_default_str();
  options.install_default_rules = true;
  app.add_option("--default-rules", options.install_default_rules,
                 "Save the default classification rules (RFM value tiers, "
                 "grade A by 12-month amount, dormant after 180 days) when "
                 "the data directory has no rules yet")
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeLast)
      ->capture_default_str();
  int64_t sweep_minutes = 60;
  app.add_option("--rule-sweep-interval-minutes", sweep_minutes,
                 "Apply the classification rules to every customer this "
                 "often (0: only on demand, ledgerctl rules evaluate)")
      ->check(CLI::Range(int64_t{0}, int64_t{7 * 24 * 60}))
      ->capture_default_str();
  app.add_option("--tokens-file", options.tokens_file,
                 "Authentication: the tokens file (bearer tokens and client "
                 "certificate subjects, each mapped to a principal and a "
                 "role; ledgerctl token create writes it). Must not be "
                 "accessible by group or others. Without it the server runs "
                 "WITHOUT authentication and listens on loopback only");
  app.add_option("--tls-cert", options.tls_cert_file,
                 "TLS: the server's certificate chain (PEM); needs --tls-key");
  app.add_option("--tls-key", options.tls_key_file,
                 "TLS: the server's private key (PEM)");
  app.add_option("--tls-client-ca", options.tls_client_ca_file,
                 "Mutual TLS: CA certificates (PEM) client certificates are "
                 "verified against; the tokens file's cert_subject= lines map "
                 "their common names to principals");
  app.add_flag("--tls-require-client-cert", options.tls_require_client_cert,
               "Mutual TLS: refuse connections without a valid client "
               "certificate");
  app.add_option("--master-key-file", options.master_key_file,
                 "File of master keys (\"<key id> <64 hex digits>\" lines, "
                 "the last is current) that wrap every customer's data key; "
                 "must be mode 0600. Default <data-dir>/master.key, created "
                 "on first start: move it off the data disk for production")
      ->capture_default_str();
  app.add_flag("--verify-chain", verify_chain,
               "Verify the data directory's hash chain and Merkle tree "
               "offline and exit "
               "(0 = intact, 2 = tampered)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  ParseVisitDays(visit_days, &options.grade_visit_days);  // checked above
  limits.checkpoint_interval = absl::Milliseconds(checkpoint_ms);
  options.shutdown_grace = absl::Milliseconds(grace_ms);
  options.rule_sweep_interval = absl::Minutes(sweep_minutes);

  auto logger = spdlog::stderr_color_mt("ledgerd");
  logger->set_level(spdlog::level::from_str(log_level));
  logger->flush_on(spdlog::level::info);
  spdlog::set_default_logger(logger);
  options.logger = logger;

  if (verify_chain) return VerifyChain(options, logger);

  // Block the stop signals in every thread (gRPC's and RocksDB's inherit
  // this mask) and take them synchronously below.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  // Signals are taken from the start, so that one arriving during a long
  // start-up rebuild stops it instead of waiting for its end.
  std::atomic<bool> stop_requested{false};
  std::atomic<bool> start_failed{false};
  absl::Notification stop;
  std::thread signals([&] {
    int signal_number = 0;
    sigwait(&stop_signals, &signal_number);
    if (start_failed) return;  // woken by the failure path below
    logger->info("received {}", signal_number == SIGINT ? "SIGINT" : "SIGTERM");
    stop_requested = true;
    stop.Notify();
  });
  options.stop_requested = &stop_requested;
  auto server = LedgerServer::Start(options);
  if (!server.ok()) {
    start_failed = true;
    if (!stop_requested) pthread_kill(signals.native_handle(), SIGTERM);
    signals.join();
    if (absl::IsCancelled(server.status()) && stop_requested) {
      logger->warn("stopped during the start-up rebuild: {}",
                   std::string(server.status().message()));
      return 0;
    }
    logger->error("cannot start: {}", server.status().ToString());
    return 1;
  }
  stop.WaitForNotification();
  signals.join();
  (*server)->Shutdown();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  // Our code returns Status; only spdlog/fmt/CLI11 may throw.
  try {
    return Run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "customer-ledgerd: fatal: %s\n", e.what());
    return 1;
  }
}
