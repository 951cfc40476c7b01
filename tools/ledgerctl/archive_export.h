// `ledgerctl export --from P --to Q FILE`: writes an offline-verifiable
// archive (proto/ledger/v1/archive.proto) of events P..Q.
#ifndef LEDGER_TOOLS_LEDGERCTL_ARCHIVE_EXPORT_H_
#define LEDGER_TOOLS_LEDGERCTL_ARCHIVE_EXPORT_H_

#include <cstdint>
#include <string>

#include "tools/ledgerctl/commands.h"

namespace ledger::ctl {

struct ArchiveExportOptions {
  uint64_t from = 1;
  uint64_t to = 0;           // 0: the head
  std::string output = "-";  // file, or "-" for stdout
  uint32_t page = 1000;
};

// Fetches the signed digest of tree size `to` with the inclusion proof of
// event `to`, then streams events from..to (raw payloads) into the archive,
// re-checking every link as it goes, and ends with the trailer. Refuses to
// finish an archive that would not verify (exit kExitVerifyFailed). A file
// is written under FILE.partial and renamed when complete.
int RunExportArchive(const GlobalOptions& global,
                     const ArchiveExportOptions& options);

}  // namespace ledger::ctl

#endif  // LEDGER_TOOLS_LEDGERCTL_ARCHIVE_EXPORT_H_
