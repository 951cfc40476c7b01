// ledgerctl import and export: customer files to and from CSV
// (spreadsheets), through the public API only (Append, SearchCustomers,
// GetProfile).
#ifndef LEDGER_TOOLS_LEDGERCTL_IMPORT_COMMANDS_H_
#define LEDGER_TOOLS_LEDGERCTL_IMPORT_COMMANDS_H_

#include <string>

#include "tools/ledgerctl/commands.h"

namespace ledger::ctl {

struct ImportOptions {
  std::string file;               // CSV; "-" is stdin
  std::string mapping;            // optional mapping file
  std::string encoding = "auto";  // auto | utf-8 | gb18030
  std::string actor;
  std::string reason;                 // default "import <file name>"
  std::string kind = "organization";  // when there is no kind column
  std::string owner;                  // when there is no owner column
  bool dry_run = false;
  int concurrency = 16;
};

struct ExportOptions {
  std::string format = "csv";  // csv | jsonl
  std::string output = "-";    // file, or "-" for stdout
  bool include_archived = false;
};

// Imports one customer per data row (header = row 1). A new customer gets a
// CustomerRegistered (expected version no_stream), an existing one a
// ProfileUpdated of the mapped fields when they differ; each append has a
// request_id derived from the row's content ("import:<sha256>"), so running
// the same file again appends nothing. With dry_run every append is sent
// with validate_only: the report is the same, nothing is written. Prints
// "row N, column H: problem" per rejected row and a summary (or one JSON
// object with --json); a progress bar goes to stderr on a terminal.
// Returns kExitOk, kExitPartial when rows were rejected, kExitUsage for an
// unreadable file or bad flags, kExitRpcError when the server stopped
// answering (rows after that are counted as not processed).
int RunImport(const GlobalOptions& global, const ImportOptions& options);

// Writes every customer (SearchCustomers, all pages): CSV with a UTF-8 BOM
// and CRLF whose header import maps back, or protobuf JSON lines of the
// CustomerProfile. Prints "exported N customers" to stderr.
int RunExport(const GlobalOptions& global, const ExportOptions& options);

}  // namespace ledger::ctl

#endif  // LEDGER_TOOLS_LEDGERCTL_IMPORT_COMMANDS_H_
