// Sends the rows of an import to the server: one append per row, several
// in flight, with the retry and fallback rules of `ledgerctl import`.
#ifndef LEDGER_TOOLS_LEDGERCTL_IMPORT_RUNNER_H_
#define LEDGER_TOOLS_LEDGERCTL_IMPORT_RUNNER_H_

#include <string>
#include <vector>

#include "grpcpp/support/status.h"
#include "ledger/v1/ledger.pb.h"
#include "tools/ledgerctl/commands.h"
#include "tools/ledgerctl/customer_columns.h"

namespace ledger::ctl {

// What became of one row.
enum class Outcome {
  kNotProcessed,
  kRegistered,
  kUpdated,
  kUnchanged,
  kRejected
};

struct RowJob {
  ImportRow row;
  std::string request_id;
  Outcome outcome = Outcome::kNotProcessed;
  int column = -1;      // of a problem the server found
  std::string problem;  // empty: none from the server
};

// "import:" + lowercase hex SHA-256 of customer_id, '\0', the profile's
// deterministic serialization, '\0', the kind's name, '\0', owner_id: the
// same row content always gets the same request_id, so a re-run is an
// idempotent retry.
std::string RequestIdOf(const ImportRow& row);

// Processes every job without local problems from `threads` threads (one
// call in flight each, every call under global.timeout_seconds):
// CustomerRegistered with expected version no_stream and the job's
// request_id; when the customer exists (ABORTED), GetProfile and, unless the
// mapped fields (map.mask_paths) already hold the row's values, a
// ProfileUpdated of those that differ with request_id + ":update". A duplicate
// answer or ALREADY_EXISTS (the same content imported with other metadata) is
// kUnchanged. UNAVAILABLE and DEADLINE_EXCEEDED are retried with the same
// request_id; errors that are not about the row (server gone, …) stop the
// run and are returned, the rows not done stay kNotProcessed. With
// `dry_run` every append is validate_only. Draws a progress bar on stderr
// when `progress`.
grpc::Status SendRows(const GlobalOptions& global, const ColumnMap& map,
                      const ledger::v1::AppendMetadata& metadata, bool dry_run,
                      int threads, bool progress, std::vector<RowJob>* jobs);

}  // namespace ledger::ctl

#endif  // LEDGER_TOOLS_LEDGERCTL_IMPORT_RUNNER_H_
