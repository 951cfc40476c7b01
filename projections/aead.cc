#include "projections/aead.h"

#include <cstring>
#include <memory>

#include "absl/strings/str_cat.h"
#include "openssl/evp.h"
#include "openssl/rand.h"

namespace ledger::projections {

namespace {

struct CtxFree {
  void operator()(EVP_CIPHER_CTX* ctx) const { EVP_CIPHER_CTX_free(ctx); }
};
using Ctx = std::unique_ptr<EVP_CIPHER_CTX, CtxFree>;

const unsigned char* U(absl::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

// Fetched once: OpenSSL 3 otherwise looks the algorithm up (under a lock)
// on every call, which costs more than sealing a small payload.
const EVP_CIPHER* Gcm() {
  static const EVP_CIPHER* cipher =
      EVP_CIPHER_fetch(nullptr, "AES-256-GCM", nullptr);
  return cipher;
}
// One cipher context per thread and direction, set to AES-256-GCM once:
// later calls only load the key and nonce, instead of allocating and
// freeing a context (and OpenSSL's provider context) for every field a
// fold opens. The context remembers the key it was last given: a
// customer's events come in runs under one key, and loading only the
// nonce skips the AES key schedule and GHASH setup. (The context holds
// that key schedule either way.)
struct ThreadCipher {
  Ctx ctx;
  std::string key;  // empty: no key loaded
};

// Null if OpenSSL cannot make a context.
ThreadCipher* ThreadCtx(bool encrypt) {
  thread_local ThreadCipher cipher[2];
  ThreadCipher& mine = cipher[encrypt ? 1 : 0];
  if (mine.ctx == nullptr) {
    Ctx fresh(EVP_CIPHER_CTX_new());
    if (fresh == nullptr ||
        EVP_CipherInit_ex(fresh.get(), Gcm(), nullptr, nullptr, nullptr,
                          encrypt ? 1 : 0) != 1) {
      return nullptr;
    }
    mine.ctx = std::move(fresh);
  }
  return &mine;
}

// Loads `key` (unless it is loaded already) and `nonce` into `cipher`.
bool Start(ThreadCipher* cipher, absl::string_view key,
           absl::string_view nonce) {
  const bool same_key = cipher->key == key;
  if (EVP_CipherInit_ex(cipher->ctx.get(), nullptr, nullptr,
                        same_key ? nullptr : U(key), U(nonce), -1) != 1) {
    cipher->key.clear();  // a failed start leaves no trusted key behind
    return false;
  }
  if (!same_key) cipher->key.assign(key.data(), key.size());
  return true;
}

const EVP_MD* Sha256Md() {
  static const EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  return md;
}

struct MdCtxFree {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};

absl::Status CheckSizes(absl::string_view key, absl::string_view nonce) {
  if (key.size() != kAeadKeyBytes || nonce.size() != kAeadNonceBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("AES-256-GCM needs a 32-byte key and a 12-byte nonce, "
                     "not ",
                     key.size(), " and ", nonce.size(), " bytes"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::string> AeadSeal(absl::string_view key,
                                     absl::string_view nonce,
                                     absl::string_view plaintext,
                                     absl::string_view aad) {
  if (absl::Status s = CheckSizes(key, nonce); !s.ok()) return s;
  ThreadCipher* cipher = ThreadCtx(/*encrypt=*/true);
  if (cipher == nullptr || !Start(cipher, key, nonce)) {
    return absl::InternalError("AES-256-GCM encryption failed");
  }
  EVP_CIPHER_CTX* ctx = cipher->ctx.get();
  std::string out(plaintext.size() + kAeadTagBytes, '\0');
  auto* o = reinterpret_cast<unsigned char*>(out.data());
  int len = 0;
  int total = 0;
  if ((!aad.empty() && EVP_EncryptUpdate(ctx, nullptr, &len, U(aad),
                                         static_cast<int>(aad.size())) != 1) ||
      EVP_EncryptUpdate(ctx, o, &len, U(plaintext),
                        static_cast<int>(plaintext.size())) != 1) {
    cipher->key.clear();
    return absl::InternalError("AES-256-GCM encryption failed");
  }
  total = len;
  if (EVP_EncryptFinal_ex(ctx, o + total, &len) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG,
                          static_cast<int>(kAeadTagBytes),
                          o + total + len) != 1) {
    cipher->key.clear();
    return absl::InternalError("AES-256-GCM encryption failed");
  }
  out.resize(static_cast<size_t>(total + len) + kAeadTagBytes);
  return out;
}

absl::StatusOr<std::string> AeadOpen(absl::string_view key,
                                     absl::string_view nonce,
                                     absl::string_view ciphertext_and_tag,
                                     absl::string_view aad) {
  if (absl::Status s = CheckSizes(key, nonce); !s.ok()) return s;
  if (ciphertext_and_tag.size() < kAeadTagBytes) {
    return absl::DataLossError("sealed bytes shorter than the GCM tag");
  }
  const size_t size = ciphertext_and_tag.size() - kAeadTagBytes;
  ThreadCipher* cipher = ThreadCtx(/*encrypt=*/false);
  if (cipher == nullptr || !Start(cipher, key, nonce)) {
    return absl::InternalError("AES-256-GCM decryption failed");
  }
  EVP_CIPHER_CTX* ctx = cipher->ctx.get();
  std::string out(size, '\0');
  auto* o = reinterpret_cast<unsigned char*>(out.data());
  unsigned char tag[kAeadTagBytes];
  std::memcpy(tag, ciphertext_and_tag.data() + size, kAeadTagBytes);
  int len = 0;
  if ((!aad.empty() && EVP_DecryptUpdate(ctx, nullptr, &len, U(aad),
                                         static_cast<int>(aad.size())) != 1) ||
      EVP_DecryptUpdate(ctx, o, &len, U(ciphertext_and_tag),
                        static_cast<int>(size)) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG,
                          static_cast<int>(kAeadTagBytes), tag) != 1) {
    cipher->key.clear();
    return absl::InternalError("AES-256-GCM decryption failed");
  }
  const int total = len;
  if (EVP_DecryptFinal_ex(ctx, o + total, &len) != 1) {
    return absl::DataLossError(
        "sealed bytes do not verify (wrong key or altered data)");
  }
  out.resize(static_cast<size_t>(total + len));
  return out;
}

std::string HmacSha256(absl::string_view key, absl::string_view data) {
  // RFC 2104 over a prefetched SHA-256 (block size 64).
  unsigned char block[64] = {};
  unsigned int len = 0;
  // One digest context per thread, reset by every EVP_DigestInit_ex: an
  // append seals each event with two HMACs.
  thread_local std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  if (key.size() > sizeof(block)) {
    EVP_DigestInit_ex(ctx.get(), Sha256Md(), nullptr);
    EVP_DigestUpdate(ctx.get(), key.data(), key.size());
    EVP_DigestFinal_ex(ctx.get(), block, &len);
  } else {
    std::memcpy(block, key.data(), key.size());
  }
  unsigned char pad[64];
  for (size_t i = 0; i < sizeof(pad); ++i) pad[i] = block[i] ^ 0x36;
  unsigned char inner[EVP_MAX_MD_SIZE];
  EVP_DigestInit_ex(ctx.get(), Sha256Md(), nullptr);
  EVP_DigestUpdate(ctx.get(), pad, sizeof(pad));
  EVP_DigestUpdate(ctx.get(), data.data(), data.size());
  EVP_DigestFinal_ex(ctx.get(), inner, &len);
  for (size_t i = 0; i < sizeof(pad); ++i) pad[i] = block[i] ^ 0x5c;
  unsigned char mac[EVP_MAX_MD_SIZE];
  EVP_DigestInit_ex(ctx.get(), Sha256Md(), nullptr);
  EVP_DigestUpdate(ctx.get(), pad, sizeof(pad));
  EVP_DigestUpdate(ctx.get(), inner, len);
  EVP_DigestFinal_ex(ctx.get(), mac, &len);
  return std::string(reinterpret_cast<char*>(mac), len);
}

absl::StatusOr<std::string> RandomBytes(size_t n) {
  std::string out(n, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(out.data()),
                 static_cast<int>(n)) != 1) {
    return absl::InternalError("the random number generator failed");
  }
  return out;
}

}  // namespace ledger::projections
