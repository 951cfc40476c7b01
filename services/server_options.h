#ifndef LEDGER_SERVICES_SERVER_OPTIONS_H_
#define LEDGER_SERVICES_SERVER_OPTIONS_H_

#include <array>
#include <atomic>
#include <functional>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "services/principal.h"
#include "services/service_limits.h"

namespace spdlog {
class logger;
}  // namespace spdlog

namespace ledger::services {

// Everything customer-ledgerd is configured with (see its --help).
struct ServerOptions {
  std::string listen_address = "127.0.0.1:50051";  // port 0: pick one
  std::string data_dir = "./data";
  // The access log's own RocksDB; empty: <data_dir>/access-log.
  std::string access_log_dir;
  bool sync = true;  // fsync each commit group; false only for bulk loads
  // PEM Ed25519 private key that signs tree heads (ledger.v1.Integrity);
  // empty: <data_dir>/signing-key.pem. Generated (mode 0600) when absent;
  // the server refuses a file that group or others may access.
  std::string signing_key_file;
  // RocksDB block cache shared by the log and the projections.
  size_t block_cache_mb = 256;
  // Most WAL a restart after a crash replays (EventLogOptions).
  size_t max_wal_mb = 256;
  // Rebuild the projections from the log before serving, even when their
  // stored version matches the code's.
  bool rebuild_projections = false;
  // ListDueFollowUps: customers not contacted for longer are due a revisit.
  int revisit_interval_days = 365;
  // ListDueFollowUps: visit interval by grade (ledger.v1.Grade order:
  // ungraded, K, A, B, C, D); 0 = none, the revisit rule applies.
  std::array<int, 6> grade_visit_days = {0, 7, 14, 30, 90, 180};
  // Save the default classification rules when there are none yet.
  bool install_default_rules = false;
  // How often the scheduled rule sweep runs; zero: only on demand.
  absl::Duration rule_sweep_interval = absl::ZeroDuration();
  // Authentication (README, "Access control"): the tokens file (bearer
  // tokens and client-certificate subjects, each with a principal and a
  // role). Empty: no authentication, and only loopback addresses may be
  // listened on.
  std::string tokens_file;
  // TLS with gRPC's own credentials: the server's certificate chain and
  // private key (PEM). Both or neither.
  std::string tls_cert_file;
  std::string tls_key_file;
  // Mutual TLS: CA certificates (PEM) that client certificates are verified
  // against; a client certificate's common name is mapped to a principal by
  // the tokens file's cert_subject= entries (so this needs tokens_file).
  std::string tls_client_ca_file;
  // Refuse TLS connections without a valid client certificate.
  bool tls_require_client_cert = false;
  // Called for every denied call (UNAUTHENTICATED, PERMISSION_DENIED) with
  // the principal as far as known, the full method name, the customer
  // concerned ("" if none) and the status (Authorizer::DenialSink). May be
  // empty.
  std::function<void(const Principal&, absl::string_view method,
                     absl::string_view customer_id, const absl::Status&)>
      on_access_denied;
  // The master key file (services/master_key_file.h) wrapping the
  // customers' data keys; empty: <data_dir>/master.key, created on first
  // start. Refused when group/world accessible.
  std::string master_key_file;
  // Unwrapped customer keys kept in memory.
  size_t key_cache_size = 65536;
  ServiceLimits limits;
  absl::Duration shutdown_grace = absl::Seconds(10);
  // Loggers; null means spdlog's default logger.
  std::shared_ptr<spdlog::logger> logger;
  // When it becomes true (the daemon's signal thread sets it), a start-up
  // rebuild stops and Start returns CANCELLED. Not owned; may be null.
  const std::atomic<bool>* stop_requested = nullptr;
};

}  // namespace ledger::services

#endif  // LEDGER_SERVICES_SERVER_OPTIONS_H_
