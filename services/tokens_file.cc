#include "services/tokens_file.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"

namespace ledger::services {

namespace {

bool NameChars(absl::string_view s, absl::string_view extra) {
  if (s.empty() || s.size() > 64) return false;
  for (char c : s) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) &&
        extra.find(c) == absl::string_view::npos) {
      return false;
    }
  }
  return true;
}

// %XX escapes (for values with spaces, '=', '#' or '%').
bool PercentDecode(absl::string_view in, std::string* out) {
  out->clear();
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out->push_back(in[i]);
      continue;
    }
    if (i + 2 >= in.size()) return false;
    const std::string hex(in.substr(i + 1, 2));
    if (!absl::ascii_isxdigit(hex[0]) || !absl::ascii_isxdigit(hex[1])) {
      return false;
    }
    out->push_back(static_cast<char>(std::stoi(hex, nullptr, 16)));
    i += 2;
  }
  return true;
}

bool HexBytes(absl::string_view hex, size_t min_bytes, size_t max_bytes,
              std::string* out) {
  if (hex.size() % 2 != 0 || hex.size() < 2 * min_bytes ||
      hex.size() > 2 * max_bytes) {
    return false;
  }
  for (char c : hex) {
    if (!absl::ascii_isxdigit(static_cast<unsigned char>(c))) return false;
  }
  *out = absl::HexStringToBytes(hex);
  return true;
}

bool ParseBool(absl::string_view text, bool* value) {
  if (text == "true") {
    *value = true;
  } else if (text == "false") {
    *value = false;
  } else {
    return false;
  }
  return true;
}

// One non-comment line; `error` gets what is wrong.
bool ParseLine(absl::string_view line, std::string* token_id,
               std::string* cert_subject, TokenEntry* entry,
               std::string* error) {
  std::map<std::string, std::string> fields;
  for (absl::string_view item :
       absl::StrSplit(line, absl::ByAnyChar(" \t"), absl::SkipEmpty())) {
    const size_t eq = item.find('=');
    if (eq == absl::string_view::npos || eq == 0) {
      *error = absl::StrCat("\"", item, "\" is not key=value");
      return false;
    }
    const std::string key(item.substr(0, eq));
    std::string value;
    if (!PercentDecode(item.substr(eq + 1), &value)) {
      *error =
          absl::StrCat(key, ": bad %-escape in \"", item.substr(eq + 1), "\"");
      return false;
    }
    if (!fields.emplace(key, value).second) {
      *error = absl::StrCat(key, " is given twice");
      return false;
    }
  }
  auto take = [&](const char* key, std::string* value) {
    auto it = fields.find(key);
    if (it == fields.end()) return false;
    *value = std::move(it->second);
    fields.erase(it);
    return true;
  };
  const bool is_token = take("token_id", token_id);
  const bool is_cert = take("cert_subject", cert_subject);
  if (is_token == is_cert) {
    *error = "an entry has exactly one of token_id= or cert_subject=";
    return false;
  }
  if (is_token && !NameChars(*token_id, "_-")) {
    *error = absl::StrCat("token_id: \"", *token_id,
                          "\" is not 1-64 of A-Z a-z 0-9 _ -");
    return false;
  }
  if (is_cert && (cert_subject->empty() || cert_subject->size() > 256)) {
    *error = "cert_subject: must be 1-256 characters (the certificate's CN)";
    return false;
  }
  TokenGrant& grant = entry->grant;
  if (!take("principal", &grant.principal) ||
      !NameChars(grant.principal, "_-.@:+")) {
    *error = absl::StrCat(
        "principal: required, 1-64 of A-Z a-z 0-9 _ - . @ : + (got \"",
        grant.principal, "\")");
    return false;
  }
  std::string text;
  if (!take("role", &text) || !ParseRole(text, &grant.role)) {
    *error = absl::StrCat(
        "role: required, one of admin, manager, sales, "
        "service, auditor (got \"",
        text, "\")");
    return false;
  }
  const std::string role(RoleName(grant.role));
  if (take("owner_id", &grant.owner_id)) {
    if (grant.role != Role::kSales) {
      *error = absl::StrCat("owner_id: only for role sales, not ", role);
      return false;
    }
    if (!NameChars(grant.owner_id, "_-.@:+")) {
      *error = absl::StrCat("owner_id: \"", grant.owner_id,
                            "\" is not 1-64 of A-Z a-z 0-9 _ - . @ : +");
      return false;
    }
  } else if (grant.role == Role::kSales) {
    grant.owner_id = grant.principal;
  }
  grant.personal_data = grant.role == Role::kAdmin ||
                        grant.role == Role::kManager ||
                        grant.role == Role::kSales;
  if (take("personal_data", &text) && !ParseBool(text, &grant.personal_data)) {
    *error = absl::StrCat("personal_data: \"", text, "\" is not true/false");
    return false;
  }
  if (take("write", &text)) {
    if (!ParseBool(text, &grant.may_write)) {
      *error = absl::StrCat("write: \"", text, "\" is not true/false");
      return false;
    }
    if (grant.may_write && grant.role != Role::kService) {
      *error = absl::StrCat("write: only role service has a write grant (role ",
                            role, " writes or not by its role)");
      return false;
    }
  }
  take("created_at", &grant.created_at);
  take("revoked_at", &grant.revoked_at);
  std::string hex;
  if (is_token) {
    if (!take("salt", &hex) || !HexBytes(hex, 8, 64, &entry->salt)) {
      *error = "salt: required for a token, 16-128 hex digits";
      return false;
    }
    if (!take("sha256", &hex) || !HexBytes(hex, 32, 32, &entry->sha256)) {
      *error = "sha256: required for a token, 64 hex digits";
      return false;
    }
  }
  if (!fields.empty()) {
    *error = absl::StrCat(
        "unknown key ", fields.begin()->first,
        is_cert ? " (a cert_subject entry takes principal, role, owner_id, "
                  "personal_data, write, created_at, revoked_at)"
                : " (a token entry takes principal, role, owner_id, "
                  "personal_data, write, created_at, revoked_at, salt, "
                  "sha256)");
    return false;
  }
  return true;
}

}  // namespace

absl::StatusOr<TokensFile> ParseTokensFile(absl::string_view text,
                                           absl::string_view path) {
  TokensFile file;
  int number = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++number;
    line = absl::StripAsciiWhitespace(line);
    if (line.empty() || line[0] == '#') continue;
    std::string token_id, cert_subject, error;
    TokenEntry entry;
    entry.grant.line = number;
    if (!ParseLine(line, &token_id, &cert_subject, &entry, &error)) {
      return absl::InvalidArgumentError(
          absl::StrCat("tokens file ", path, " line ", number, ": ", error));
    }
    if (!token_id.empty()) {
      auto [it, added] = file.tokens.emplace(token_id, std::move(entry));
      if (!added) {
        return absl::InvalidArgumentError(absl::StrCat(
            "tokens file ", path, " line ", number, ": token_id ", token_id,
            " is already used on line ", it->second.grant.line));
      }
    } else {
      auto [it, added] =
          file.certs.emplace(cert_subject, std::move(entry.grant));
      if (!added) {
        return absl::InvalidArgumentError(absl::StrCat(
            "tokens file ", path, " line ", number, ": cert_subject \"",
            cert_subject, "\" is already mapped on line ", it->second.line));
      }
    }
  }
  return file;
}

absl::StatusOr<TokensFile> LoadTokensFile(const std::string& path) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0) {
    return absl::FailedPreconditionError(absl::StrCat(
        "cannot read tokens file ", path, ": ", std::strerror(errno),
        " (create it with: ledgerctl token create --tokens-file ", path,
        " --principal NAME --role admin)"));
  }
  if (!S_ISREG(st.st_mode)) {
    return absl::FailedPreconditionError(
        absl::StrCat("tokens file ", path, " is not a regular file"));
  }
  if ((st.st_mode & 077) != 0) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "tokens file %s is accessible by group or others (mode %04o); it "
        "holds credentials, so the server refuses it: run chmod 600 %s",
        path, st.st_mode & 07777, path));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in.is_open()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "cannot read tokens file ", path, ": ", std::strerror(errno)));
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  return ParseTokensFile(buffer.str(), path);
}

}  // namespace ledger::services
