// ledgerctl's side of the tokens file (README, "Authentication"): creating,
// listing and revoking entries of a local file. The server has its own
// parser (services/tokens_file.cc); tools never link server code, and a
// test checks that what this writes the server accepts.
#ifndef LEDGER_TOOLS_LEDGERCTL_TOKEN_FILE_H_
#define LEDGER_TOOLS_LEDGERCTL_TOKEN_FILE_H_

#include <map>
#include <string>
#include <vector>

namespace ledger::ctl {

struct TokenSpec {
  std::string principal;
  std::string role;           // admin, manager, sales, service, auditor
  std::string owner_id;       // sales only; empty: the principal
  std::string personal_data;  // "true", "false" or "" (the role's default)
  bool write = false;         // service only
};

struct CreatedToken {
  std::string token_id;  // lt_<12 hex>
  std::string token;     // <token_id>.<43 characters base64url>: the secret
  std::string line;      // the entry as written (salted hash, no secret)
  std::string created_at;
  std::string owner_id;
  bool personal_data = false;
};

// One entry of a tokens file, as its key=value fields.
struct ListedEntry {
  int line = 0;
  std::map<std::string, std::string> fields;
};

// Checks `spec`, makes a new random token and appends its entry to `path`
// (created with mode 0600; an existing file must not be accessible by
// group or others). False with *error set on failure; nothing is written.
bool CreateToken(const std::string& path, const TokenSpec& spec,
                 CreatedToken* created, std::string* error);

// The entries of `path` (comments and blank lines skipped).
bool ListEntries(const std::string& path, std::vector<ListedEntry>* entries,
                 std::string* error);

// Marks token `token_id` revoked (revoked_at=<now>), rewriting the file
// atomically. *revoked_at is the time recorded (the earlier one if it was
// already revoked: *already is then true).
bool RevokeToken(const std::string& path, const std::string& token_id,
                 std::string* revoked_at, bool* already, std::string* error);

}  // namespace ledger::ctl

#endif  // LEDGER_TOOLS_LEDGERCTL_TOKEN_FILE_H_
