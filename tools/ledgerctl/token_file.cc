#include "tools/ledgerctl/token_file.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fstream>
#include <set>
#include <sstream>

namespace ledger::ctl {

namespace {

std::string Hex(const unsigned char* bytes, size_t n) {
  static const char kDigits[] = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < n; ++i) {
    out.push_back(kDigits[bytes[i] >> 4]);
    out.push_back(kDigits[bytes[i] & 15]);
  }
  return out;
}

// Base64url without padding (RFC 4648 section 5).
std::string Base64Url(const unsigned char* bytes, size_t n) {
  std::string out(4 * ((n + 2) / 3) + 1, '\0');
  const int len = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                  bytes, static_cast<int>(n));
  out.resize(len);
  while (!out.empty() && out.back() == '=') out.pop_back();
  for (char& c : out) {
    if (c == '+') c = '-';
    if (c == '/') c = '_';
  }
  return out;
}

std::string NowRfc3339() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

bool NameOk(const std::string& s) {
  if (s.empty() || s.size() > 64) return false;
  for (char c : s) {
    if (!std::isalnum(static_cast<unsigned char>(c)) &&
        std::strchr("_-.@:+", c) == nullptr) {
      return false;
    }
  }
  return true;
}

// The key=value fields of a non-comment line.
std::map<std::string, std::string> Fields(const std::string& line) {
  std::map<std::string, std::string> fields;
  std::istringstream in(line);
  std::string item;
  while (in >> item) {
    const size_t eq = item.find('=');
    if (eq == std::string::npos) continue;
    fields[item.substr(0, eq)] = item.substr(eq + 1);
  }
  return fields;
}

bool PrivateMode(const std::string& path, std::string* error) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0) return true;  // created below, 0600
  if ((st.st_mode & 077) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof(mode), "%04o", st.st_mode & 07777);
    *error = path + " is accessible by group or others (mode " + mode +
             "); the server refuses such a file: run chmod 600 " + path;
    return false;
  }
  return true;
}

bool ReadLines(const std::string& path, std::vector<std::string>* lines,
               std::string* error) {
  std::ifstream in(path);
  if (!in.is_open()) {
    *error = "cannot read " + path + ": " + std::strerror(errno);
    return false;
  }
  std::string line;
  while (std::getline(in, line)) lines->push_back(line);
  return true;
}

bool IsEntry(const std::string& line) {
  const size_t start = line.find_first_not_of(" \t\r");
  return start != std::string::npos && line[start] != '#';
}

}  // namespace

bool CreateToken(const std::string& path, const TokenSpec& spec,
                 CreatedToken* created, std::string* error) {
  static const std::set<std::string> kRoles = {"admin", "manager", "sales",
                                               "service", "auditor"};
  if (!NameOk(spec.principal)) {
    *error = "--principal \"" + spec.principal +
             "\": 1-64 of A-Z a-z 0-9 _ - . @ : +";
    return false;
  }
  if (kRoles.count(spec.role) == 0) {
    *error = "--role \"" + spec.role +
             "\": one of admin, manager, sales, service, auditor";
    return false;
  }
  if (!spec.owner_id.empty() && spec.role != "sales") {
    *error = "--owner-id is only for role sales";
    return false;
  }
  if (!spec.owner_id.empty() && !NameOk(spec.owner_id)) {
    *error =
        "--owner-id \"" + spec.owner_id + "\": 1-64 of A-Z a-z 0-9 _ - . @ : +";
    return false;
  }
  if (spec.write && spec.role != "service") {
    *error =
        "--write is only for role service (other roles write or not "
        "by their role)";
    return false;
  }
  if (!PrivateMode(path, error)) return false;

  unsigned char id[6], secret[32], salt[16];
  if (RAND_bytes(id, sizeof(id)) != 1 ||
      RAND_bytes(secret, sizeof(secret)) != 1 ||
      RAND_bytes(salt, sizeof(salt)) != 1) {
    *error = "the random generator failed";
    return false;
  }
  const std::string secret_text = Base64Url(secret, sizeof(secret));
  std::string input(reinterpret_cast<const char*>(salt), sizeof(salt));
  input += secret_text;
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(input.data()), input.size(),
         digest);

  created->token_id = "lt_" + Hex(id, sizeof(id));
  created->token = created->token_id + "." + secret_text;
  created->created_at = NowRfc3339();
  created->owner_id =
      spec.role == "sales"
          ? (spec.owner_id.empty() ? spec.principal : spec.owner_id)
          : "";
  created->personal_data =
      spec.personal_data.empty()
          ? (spec.role == "admin" || spec.role == "manager" ||
             spec.role == "sales")
          : spec.personal_data == "true";
  std::string& line = created->line;
  line = "token_id=" + created->token_id + " principal=" + spec.principal +
         " role=" + spec.role;
  if (!created->owner_id.empty()) line += " owner_id=" + created->owner_id;
  line += std::string(" personal_data=") +
          (created->personal_data ? "true" : "false");
  if (spec.role == "service") {
    line += std::string(" write=") + (spec.write ? "true" : "false");
  }
  line += " created_at=" + created->created_at +
          " salt=" + Hex(salt, sizeof(salt)) +
          " sha256=" + Hex(digest, sizeof(digest));

  const int fd =
      open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) {
    *error = "cannot open " + path + ": " + std::strerror(errno);
    return false;
  }
  struct stat st;
  std::string text;
  if (fstat(fd, &st) == 0 && st.st_size == 0) {
    text =
        "# customer-ledger tokens file: one entry per line (README, "
        "\"Authentication\").\n# Only salted hashes; keep mode 0600.\n";
  } else if (fstat(fd, &st) == 0 && st.st_size > 0) {
    // Start on a line of our own if someone left the last one open.
    std::ifstream in(path, std::ios::binary);
    in.seekg(-1, std::ios::end);
    char last = '\n';
    if (in.get(last) && last != '\n') text = "\n";
  }
  text += line + "\n";
  const bool ok = write(fd, text.data(), text.size()) ==
                      static_cast<ssize_t>(text.size()) &&
                  fsync(fd) == 0;
  const int saved = errno;
  close(fd);
  if (!ok) {
    *error = "cannot write " + path + ": " + std::strerror(saved);
    return false;
  }
  return true;
}

bool ListEntries(const std::string& path, std::vector<ListedEntry>* entries,
                 std::string* error) {
  std::vector<std::string> lines;
  if (!ReadLines(path, &lines, error)) return false;
  for (size_t i = 0; i < lines.size(); ++i) {
    if (!IsEntry(lines[i])) continue;
    entries->push_back({static_cast<int>(i + 1), Fields(lines[i])});
  }
  return true;
}

bool RevokeToken(const std::string& path, const std::string& token_id,
                 std::string* revoked_at, bool* already, std::string* error) {
  if (!PrivateMode(path, error)) return false;
  std::vector<std::string> lines;
  if (!ReadLines(path, &lines, error)) return false;
  bool found = false;
  *already = false;
  for (std::string& line : lines) {
    if (!IsEntry(line)) continue;
    std::map<std::string, std::string> fields = Fields(line);
    if (fields["token_id"] != token_id) continue;
    found = true;
    if (!fields["revoked_at"].empty()) {
      *already = true;
      *revoked_at = fields["revoked_at"];
      return true;
    }
    *revoked_at = NowRfc3339();
    while (!line.empty() && (line.back() == ' ' || line.back() == '\r')) {
      line.pop_back();
    }
    line += " revoked_at=" + *revoked_at;
  }
  if (!found) {
    *error = "no token " + token_id + " in " + path +
             " (ledgerctl token list shows the ids)";
    return false;
  }
  // Write a new file and rename it over the old one: the server never sees
  // half a file.
  const std::string temp = path + ".tmp";
  const int fd =
      open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    *error = "cannot create " + temp + ": " + std::strerror(errno);
    return false;
  }
  std::string text;
  for (const std::string& line : lines) text += line + "\n";
  const bool ok = write(fd, text.data(), text.size()) ==
                      static_cast<ssize_t>(text.size()) &&
                  fsync(fd) == 0;
  const int saved = errno;
  close(fd);
  if (!ok || rename(temp.c_str(), path.c_str()) != 0) {
    *error =
        "cannot rewrite " + path + ": " + std::strerror(ok ? errno : saved);
    unlink(temp.c_str());
    return false;
  }
  return true;
}

}  // namespace ledger::ctl
