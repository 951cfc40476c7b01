#ifndef LEDGER_SERVICES_MASTER_KEY_FILE_H_
#define LEDGER_SERVICES_MASTER_KEY_FILE_H_

// The master key file: the keys that wrap every customer's data key.
//
// Format: one key per line, "<key id> <64 hex digits>" (256 bits); blank
// lines and lines starting with # are ignored; key ids are 1-32 of
// A-Z a-z 0-9 _ - . and unique. The LAST key is the current one: new
// customer keys are wrapped with it, and Admin.RotateMasterKey re-wraps the
// others with it. The file must not be accessible by group or others
// (mode 0600 or stricter).

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "spdlog/logger.h"

namespace ledger::services {

struct MasterKey {
  std::string id;
  std::string bytes;  // 32
};

// Reads the master key file at `path`. When it does not exist and
// `create_if_missing`, makes one with a single random key (mode 0600,
// parent directories created) and logs a warning that the key sits beside
// the data. FAILED_PRECONDITION naming the file: group/world accessible
// (with its mode), unreadable, malformed (with the line), or empty.
[[nodiscard]] absl::StatusOr<std::vector<MasterKey>> LoadMasterKeyFile(
    const std::string& path, bool create_if_missing, spdlog::logger& logger);

}  // namespace ledger::services

#endif  // LEDGER_SERVICES_MASTER_KEY_FILE_H_
