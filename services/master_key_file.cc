#include "services/master_key_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "projections/aead.h"

namespace ledger::services {

namespace {

absl::Status Bad(const std::string& path, absl::string_view why) {
  return absl::FailedPreconditionError(
      absl::StrCat("master key file ", path, ": ", why));
}

bool ValidId(absl::string_view id) {
  if (id.empty() || id.size() > 32) return false;
  for (char c : id) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '_' &&
        c != '-' && c != '.') {
      return false;
    }
  }
  return true;
}

absl::Status Create(const std::string& path, spdlog::logger& logger) {
  std::error_code ec;
  const std::filesystem::path parent =
      std::filesystem::path(path).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  absl::StatusOr<std::string> key = projections::RandomBytes(32);
  if (!key.ok()) return key.status();
  const std::string text = absl::StrCat(
      "# customer-ledger master keys: <key id> <64 hex digits>; the last one "
      "is current.\n",
      "master-1 ", absl::BytesToHexString(*key), "\n");
  const int fd =
      ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    return Bad(path, absl::StrCat("cannot create: ", std::strerror(errno)));
  }
  const bool written = ::write(fd, text.data(), text.size()) ==
                           static_cast<ssize_t>(text.size()) &&
                       ::fsync(fd) == 0;
  ::close(fd);
  if (!written) return Bad(path, "cannot write the new key");
  logger.warn(
      "created a new master key in {} (mode 0600). It sits beside the data: "
      "for production, move it elsewhere (another disk, a secrets mount) and "
      "start with --master-key-file; whoever has both can read every "
      "customer's personal data, and without it nobody can",
      path);
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::vector<MasterKey>> LoadMasterKeyFile(
    const std::string& path, bool create_if_missing, spdlog::logger& logger) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    if (errno != ENOENT || !create_if_missing) {
      return Bad(path, std::strerror(errno));
    }
    if (absl::Status created = Create(path, logger); !created.ok()) {
      return created;
    }
    if (::stat(path.c_str(), &st) != 0) return Bad(path, std::strerror(errno));
  }
  if ((st.st_mode & 077) != 0) {
    return Bad(path, absl::StrFormat(
                         "mode is %04o: it must not be accessible by group or "
                         "others (chmod 600 %s)",
                         st.st_mode & 07777, path));
  }
  std::ifstream in(path);
  if (!in) return Bad(path, "cannot be read");
  std::vector<MasterKey> keys;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    absl::string_view text = absl::StripAsciiWhitespace(line);
    if (text.empty() || text[0] == '#') continue;
    std::vector<absl::string_view> parts =
        absl::StrSplit(text, absl::ByAnyChar(" \t"), absl::SkipEmpty());
    bool hex = parts.size() == 2 && parts[1].size() == 64;
    for (size_t i = 0; hex && i < parts[1].size(); ++i) {
      hex = absl::ascii_isxdigit(static_cast<unsigned char>(parts[1][i]));
    }
    if (!hex || !ValidId(parts[0])) {
      return Bad(path, absl::StrCat("line ", number,
                                    " is not \"<key id> <64 hex digits>\" "
                                    "(ids: 1-32 of A-Z a-z 0-9 _ - .)"));
    }
    for (const MasterKey& k : keys) {
      if (k.id == parts[0]) {
        return Bad(path, absl::StrCat("line ", number, ": key id ", parts[0],
                                      " is listed twice"));
      }
    }
    keys.push_back({std::string(parts[0]), absl::HexStringToBytes(parts[1])});
  }
  if (keys.empty()) return Bad(path, "holds no key");
  return keys;
}

}  // namespace ledger::services
