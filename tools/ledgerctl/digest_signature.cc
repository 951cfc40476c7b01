#include "tools/ledgerctl/digest_signature.h"

#include <openssl/evp.h>
#include <openssl/pem.h>

#include <fstream>
#include <memory>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/util/json_util.h"
#include "tools/ledgerctl/merkle_verifier.h"

namespace ledger::ctl {

namespace {

namespace v1 = ::ledger::v1;

constexpr size_t kKeySize = 32;
constexpr size_t kSignatureSize = 64;

void PutU64(std::string* out, uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8) {
    out->push_back(static_cast<char>((v >> shift) & 0xff));
  }
}

bool IsHex(absl::string_view s) {
  for (char c : s) {
    if (!absl::ascii_isxdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::NotFoundError(absl::StrCat("cannot read ", path));
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

absl::StatusOr<std::string> PemPublicKey(const std::string& pem,
                                         const std::string& path) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(
      BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), BIO_free);
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(
      bio ? PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr) : nullptr,
      EVP_PKEY_free);
  if (key == nullptr || EVP_PKEY_get_base_id(key.get()) != EVP_PKEY_ED25519) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, " is not a PEM Ed25519 public key"));
  }
  std::string raw(kKeySize, '\0');
  size_t len = raw.size();
  if (EVP_PKEY_get_raw_public_key(
          key.get(), reinterpret_cast<unsigned char*>(raw.data()), &len) != 1 ||
      len != kKeySize) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": cannot extract the raw Ed25519 key"));
  }
  return raw;
}

}  // namespace

std::string DigestSignedBytes(const v1::SignedDigest& digest) {
  std::string out("customer-ledger/digest/v1");
  out.push_back('\0');
  PutU64(&out, digest.tree_size());
  out.append(digest.root_hash());
  out.append(digest.head_hash());
  const int64_t micros = digest.signed_at().seconds() * 1000000 +
                         digest.signed_at().nanos() / 1000;
  PutU64(&out, static_cast<uint64_t>(micros));
  return out;
}

std::string KeyId(absl::string_view public_key) {
  return absl::BytesToHexString(Sha256(public_key)).substr(0, 16);
}

absl::Status VerifyDigest(const v1::SignedDigest& digest,
                          absl::string_view pinned_key) {
  const std::string size =
      absl::StrCat(" (tree size ", digest.tree_size(), ")");
  if (digest.root_hash().size() != kHashSize ||
      digest.head_hash().size() != kHashSize) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the digest's root_hash and head_hash must be 32 bytes; they are ",
        digest.root_hash().size(), " and ", digest.head_hash().size(), size));
  }
  if (digest.public_key().size() != kKeySize) {
    return absl::InvalidArgumentError(
        absl::StrCat("the digest's public_key is ", digest.public_key().size(),
                     " bytes, not a 32-byte Ed25519 key", size));
  }
  if (digest.signature().size() != kSignatureSize) {
    return absl::InvalidArgumentError(
        absl::StrCat("the digest's signature is ", digest.signature().size(),
                     " bytes, not a 64-byte Ed25519 signature", size));
  }
  if (digest.tree_size() == 0 && digest.root_hash() != EmptyRoot()) {
    return absl::DataLossError(
        "the digest of the empty tree has a root other than SHA-256(\"\")");
  }
  const std::string key_id = KeyId(digest.public_key());
  if (digest.key_id() != key_id) {
    return absl::DataLossError(
        absl::StrCat("the digest names key ", digest.key_id(),
                     " but its public key has id ", key_id));
  }
  if (!pinned_key.empty() && digest.public_key() != pinned_key) {
    return absl::DataLossError(
        absl::StrCat("the digest", size, " is signed with key ", key_id,
                     ", not with the pinned key ", KeyId(pinned_key)));
  }
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(
      EVP_PKEY_new_raw_public_key(
          EVP_PKEY_ED25519, nullptr,
          reinterpret_cast<const unsigned char*>(digest.public_key().data()),
          digest.public_key().size()),
      EVP_PKEY_free);
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(),
                                                              EVP_MD_CTX_free);
  if (key == nullptr || ctx == nullptr ||
      EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, key.get()) !=
          1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the digest's public key ", key_id, " is not a usable Ed25519 key"));
  }
  const std::string message = DigestSignedBytes(digest);
  if (EVP_DigestVerify(
          ctx.get(),
          reinterpret_cast<const unsigned char*>(digest.signature().data()),
          digest.signature().size(),
          reinterpret_cast<const unsigned char*>(message.data()),
          message.size()) != 1) {
    return absl::DataLossError(
        absl::StrCat("the Ed25519 signature of the digest", size,
                     " does not verify with key ", key_id));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> LoadPublicKey(const std::string& spec) {
  if (spec.size() == 2 * kKeySize && IsHex(spec)) {
    return absl::HexStringToBytes(spec);
  }
  absl::StatusOr<std::string> content = ReadFile(spec);
  if (!content.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--public-key \"", spec,
                     "\" is neither 64 hex digits nor a readable file"));
  }
  if (absl::StrContains(*content, "-----BEGIN PUBLIC KEY-----")) {
    return PemPublicKey(*content, spec);
  }
  const absl::string_view trimmed = absl::StripAsciiWhitespace(*content);
  if (trimmed.size() == 2 * kKeySize && IsHex(trimmed)) {
    return absl::HexStringToBytes(trimmed);
  }
  if (absl::StartsWith(trimmed, "{")) {
    absl::StatusOr<v1::SignedDigest> digest = LoadSavedDigest(spec);
    if (digest.ok() && digest->public_key().size() == kKeySize) {
      return digest->public_key();
    }
  }
  if (content->size() == kKeySize) return *content;
  return absl::InvalidArgumentError(absl::StrCat(
      spec,
      " holds no Ed25519 public key (expected 64 hex digits, a PEM public "
      "key, 32 raw bytes or a saved digest)"));
}

absl::StatusOr<v1::SignedDigest> LoadSavedDigest(const std::string& path) {
  absl::StatusOr<std::string> content = ReadFile(path);
  if (!content.ok()) return content.status();
  v1::SignedDigest digest;
  const auto status =
      google::protobuf::util::JsonStringToMessage(*content, &digest);
  if (!status.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, " is not a saved digest (SignedDigest JSON): ",
                     std::string(status.message())));
  }
  return digest;
}

absl::Status SaveDigest(const v1::SignedDigest& digest,
                        const std::string& path) {
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  options.preserve_proto_field_names = false;
  std::string json;
  const auto status =
      google::protobuf::util::MessageToJsonString(digest, &json, options);
  if (!status.ok()) {
    return absl::InternalError(std::string(status.message()));
  }
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << json;
  out.flush();
  if (!out) return absl::InternalError(absl::StrCat("cannot write ", path));
  return absl::OkStatus();
}

}  // namespace ledger::ctl
