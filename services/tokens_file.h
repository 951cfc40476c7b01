#ifndef LEDGER_SERVICES_TOKENS_FILE_H_
#define LEDGER_SERVICES_TOKENS_FILE_H_

// The server's reader of the tokens file (README, "Authentication"). One
// entry per line, `key=value` fields separated by spaces, `#` comment lines:
//
//   token_id=lt_3f9c0a1b2c4d principal=li role=sales owner_id=sales-li
//       personal_data=true created_at=2026-11-25T08:00:00Z
//       salt=<32 hex> sha256=<64 hex>            (one line in the file)
//   cert_subject=billing-svc principal=billing role=service write=true
//
// A token is "<token_id>.<secret>"; the entry stores only
// SHA-256(salt || secret). ledgerctl writes these files with its own code
// (tools/ledgerctl/token_file.cc); this is the parser the server trusts.

#include <map>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "services/principal.h"

namespace ledger::services {

// Who an entry authenticates, and what it grants.
struct TokenGrant {
  std::string principal;
  Role role = Role::kAuditor;
  std::string owner_id;  // kSales: defaults to the principal
  bool personal_data = false;
  bool may_write = false;  // kService only
  std::string created_at;
  std::string revoked_at;  // non-empty: the entry no longer authenticates
  int line = 0;            // where it is in the file
};

struct TokenEntry {
  TokenGrant grant;
  std::string salt;    // raw bytes
  std::string sha256;  // raw 32 bytes: SHA-256(salt || secret)
};

struct TokensFile {
  std::map<std::string, TokenEntry, std::less<>> tokens;  // by token_id
  // By the client certificate's subject common name.
  std::map<std::string, TokenGrant, std::less<>> certs;
};

// Parses the text of a tokens file. INVALID_ARGUMENT naming `path` and the
// line for anything malformed: unknown key, missing principal or role, bad
// hex, a grant the role cannot have, a duplicate id.
[[nodiscard]] absl::StatusOr<TokensFile> ParseTokensFile(
    absl::string_view text, absl::string_view path);

// Reads and parses `path`. FAILED_PRECONDITION when the file is readable or
// writable by group or others (as ssh refuses such key files) or cannot be
// read; otherwise as ParseTokensFile.
[[nodiscard]] absl::StatusOr<TokensFile> LoadTokensFile(
    const std::string& path);

}  // namespace ledger::services

#endif  // LEDGER_SERVICES_TOKENS_FILE_H_
