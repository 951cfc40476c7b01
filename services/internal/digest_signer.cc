#include "services/internal/digest_signer.h"

#include <fcntl.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "services/internal/big_endian.h"
#include "spdlog/spdlog.h"
#include "storage/hash_chain.h"

namespace ledger::services::internal {

namespace {

constexpr char kSignedBytesTag[] = "customer-ledger/digest/v1";

// The last OpenSSL error, for messages.
std::string OpenSslError() {
  const unsigned long code = ERR_get_error();
  if (code == 0) return "unknown OpenSSL error";
  char buffer[256];
  ERR_error_string_n(code, buffer, sizeof(buffer));
  ERR_clear_error();
  return buffer;
}

struct FileCloser {
  void operator()(FILE* f) const { std::fclose(f); }
};
using File = std::unique_ptr<FILE, FileCloser>;
struct KeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using Key = std::unique_ptr<EVP_PKEY, KeyFree>;

absl::StatusOr<Key> Generate(const std::string& path, spdlog::logger& logger) {
  Key key(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
  if (key == nullptr) {
    return absl::InternalError(
        absl::StrCat("generating an Ed25519 key: ", OpenSslError()));
  }
  const std::filesystem::path parent =
      std::filesystem::path(path).parent_path();
  if (!parent.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(parent, ec);
    if (ec) {
      return absl::FailedPreconditionError(
          absl::StrCat("cannot create the directory of the signing key file ",
                       path, ": ", ec.message()));
    }
  }
  // O_EXCL: never overwrite a key that appeared meanwhile.
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
                        S_IRUSR | S_IWUSR);
  if (fd < 0) {
    return absl::FailedPreconditionError(absl::StrCat(
        "cannot create the signing key file ", path, ": ", strerror(errno)));
  }
  File file(fdopen(fd, "w"));
  if (file == nullptr) {
    ::close(fd);
    return absl::InternalError(absl::StrCat("fdopen ", path));
  }
  if (PEM_write_PrivateKey(file.get(), key.get(), nullptr, nullptr, 0, nullptr,
                           nullptr) != 1 ||
      std::fflush(file.get()) != 0 || ::fsync(fd) != 0) {
    const std::string why = OpenSslError();
    file.reset();
    std::remove(path.c_str());
    return absl::UnavailableError(
        absl::StrCat("writing the signing key file ", path, ": ", why));
  }
  logger.warn(
      "generated a new Ed25519 signing key in {} (mode 0600); tree heads are "
      "signed with it: back it up, and give auditors its public key",
      path);
  return key;
}

absl::StatusOr<Key> Load(const std::string& path, const struct stat& st) {
  if (!S_ISREG(st.st_mode)) {
    return absl::FailedPreconditionError(
        absl::StrCat("signing key file ", path, " is not a regular file"));
  }
  if ((st.st_mode & 077) != 0) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "signing key file %s has mode %04o: group or others may access it; "
        "the private key must be readable by its owner only (chmod 600 %s)",
        path, st.st_mode & 07777, path));
  }
  File file(std::fopen(path.c_str(), "r"));
  if (file == nullptr) {
    return absl::FailedPreconditionError(absl::StrCat(
        "cannot read the signing key file ", path, ": ", strerror(errno)));
  }
  Key key(PEM_read_PrivateKey(file.get(), nullptr, nullptr, nullptr));
  if (key == nullptr) {
    return absl::FailedPreconditionError(
        absl::StrCat("signing key file ", path,
                     " holds no PEM private key: ", OpenSslError()));
  }
  if (EVP_PKEY_is_a(key.get(), "ED25519") != 1) {
    return absl::FailedPreconditionError(absl::StrCat(
        "signing key file ", path, " holds a ",
        EVP_PKEY_get0_type_name(key.get()),
        " key; it must be Ed25519 (openssl genpkey -algorithm ed25519)"));
  }
  return key;
}

}  // namespace

absl::StatusOr<std::unique_ptr<DigestSigner>> DigestSigner::LoadOrCreate(
    const std::string& path, spdlog::logger& logger) {
  if (path.empty()) {
    return absl::InvalidArgumentError("the signing key file path is empty");
  }
  struct stat st;
  absl::StatusOr<Key> key;
  if (::stat(path.c_str(), &st) == 0) {
    key = Load(path, st);
  } else if (errno == ENOENT) {
    key = Generate(path, logger);
  } else {
    return absl::FailedPreconditionError(absl::StrCat(
        "cannot stat the signing key file ", path, ": ", strerror(errno)));
  }
  if (!key.ok()) return key.status();
  std::unique_ptr<DigestSigner> signer(new DigestSigner(key->release()));
  unsigned char raw[32];
  size_t raw_len = sizeof(raw);
  if (EVP_PKEY_get_raw_public_key(signer->key_, raw, &raw_len) != 1 ||
      raw_len != sizeof(raw)) {
    return absl::InternalError(
        absl::StrCat("reading the Ed25519 public key: ", OpenSslError()));
  }
  signer->public_key_.assign(reinterpret_cast<const char*>(raw), raw_len);
  storage::Sha256 sha;
  signer->key_id_ =
      storage::HexDigest(sha.Digest(signer->public_key_)).substr(0, 16);
  logger.info("tree heads are signed with Ed25519 key {} from {}",
              signer->key_id_, path);
  return signer;
}

DigestSigner::DigestSigner(EVP_PKEY* key) : key_(key) {}

DigestSigner::~DigestSigner() { EVP_PKEY_free(key_); }

std::string DigestSigner::SignedBytes(uint64_t tree_size,
                                      const storage::Hash256& root_hash,
                                      const storage::Hash256& head_hash,
                                      int64_t signed_at_micros) {
  std::string out(kSignedBytesTag, sizeof(kSignedBytesTag));  // with its NUL
  PutBigEndian64(&out, tree_size);
  out.append(reinterpret_cast<const char*>(root_hash.data()), root_hash.size());
  out.append(reinterpret_cast<const char*>(head_hash.data()), head_hash.size());
  PutBigEndian64(&out, static_cast<uint64_t>(signed_at_micros));
  return out;
}

absl::StatusOr<std::string> DigestSigner::Sign(
    absl::string_view message) const {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(),
                                                              &EVP_MD_CTX_free);
  unsigned char signature[64];
  size_t length = sizeof(signature);
  if (ctx == nullptr ||
      EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key_) != 1 ||
      EVP_DigestSign(ctx.get(), signature, &length,
                     reinterpret_cast<const unsigned char*>(message.data()),
                     message.size()) != 1 ||
      length != sizeof(signature)) {
    return absl::InternalError(
        absl::StrCat("signing a tree head: ", OpenSslError()));
  }
  return std::string(reinterpret_cast<const char*>(signature), length);
}

}  // namespace ledger::services::internal
