#include "storage/hash_chain.h"

#include <openssl/evp.h>

#include <cstdio>
#include <cstdlib>

#include "storage/internal/coding.h"

namespace ledger::storage {

void AppendCanonicalBytes(const EventRecord& record, std::string* out) {
  using internal::PutFixed64BE;
  using internal::PutLengthPrefixed;
  out->push_back(static_cast<char>(kCanonicalFormatVersion));
  PutFixed64BE(out, record.position);
  PutLengthPrefixed(out, record.stream);
  PutFixed64BE(out, record.version);
  PutLengthPrefixed(out, record.type);
  out->append(reinterpret_cast<const char*>(record.payload_sha256.data()),
              record.payload_sha256.size());
  const EventMetadata& m = record.metadata;
  PutLengthPrefixed(out, m.actor);
  PutLengthPrefixed(out, m.reason);
  PutLengthPrefixed(out, m.request_id);
  PutLengthPrefixed(out, m.correlation_id);
  PutLengthPrefixed(out, m.causation_id);
  PutLengthPrefixed(out, m.service);
  PutLengthPrefixed(out, m.on_behalf_of);
  PutFixed64BE(out, static_cast<uint64_t>(m.occurred_at_micros));
  PutFixed64BE(out, static_cast<uint64_t>(m.recorded_at_micros));
}

struct Sha256::State {
  EVP_MD* md = nullptr;
  EVP_MD_CTX* ctx = nullptr;
};

namespace {

[[noreturn]] void OpenSslFailure(const char* what) {
  std::fprintf(stderr, "fatal: OpenSSL %s failed for SHA-256\n", what);
  std::abort();
}

}  // namespace

Sha256::Sha256() : state_(std::make_unique<State>()) {
  state_->md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  state_->ctx = EVP_MD_CTX_new();
  if (state_->md == nullptr || state_->ctx == nullptr) {
    OpenSslFailure("EVP_MD_fetch/EVP_MD_CTX_new");
  }
}

Sha256::~Sha256() {
  EVP_MD_CTX_free(state_->ctx);
  EVP_MD_free(state_->md);
}

Hash256 Sha256::Digest(absl::string_view data) {
  Hash256 out;
  unsigned int len = 0;
  if (EVP_DigestInit_ex2(state_->ctx, state_->md, nullptr) != 1 ||
      EVP_DigestUpdate(state_->ctx, data.data(), data.size()) != 1 ||
      EVP_DigestFinal_ex(state_->ctx, out.data(), &len) != 1 ||
      len != out.size()) {
    OpenSslFailure("digest");
  }
  return out;
}

Hash256 Sha256::EventHash(const Hash256& prev_hash, const EventRecord& record,
                          std::string* scratch) {
  scratch->assign(reinterpret_cast<const char*>(prev_hash.data()),
                  prev_hash.size());
  AppendCanonicalBytes(record, scratch);
  return Digest(*scratch);
}

std::string HexDigest(const Hash256& digest) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(digest.size() * 2);
  for (unsigned char c : digest) {
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 0xf]);
  }
  return out;
}

}  // namespace ledger::storage
