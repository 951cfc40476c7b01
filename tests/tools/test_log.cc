#include "tests/tools/test_log.h"

#include <openssl/evp.h>
#include <openssl/pem.h>

#include <cstdlib>

#include "google/protobuf/util/time_util.h"
#include "tools/ledgerctl/digest_signature.h"
#include "tools/ledgerctl/merkle_verifier.h"

namespace ledger::testing {

namespace {

namespace v1 = ::ledger::v1;
using ctl::LeafHash;
using ctl::NodeHash;
using ctl::Sha256;

size_t LargestPowerOfTwoBelow(size_t n) {
  size_t k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

void PutU64(std::string* out, uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8) {
    out->push_back(static_cast<char>((v >> shift) & 0xff));
  }
}

void PutString(std::string* out, const std::string& s) {
  const uint32_t n = static_cast<uint32_t>(s.size());
  for (int shift = 24; shift >= 0; shift -= 8) {
    out->push_back(static_cast<char>((n >> shift) & 0xff));
  }
  out->append(s);
}

int64_t Micros(const google::protobuf::Timestamp& ts) {
  return ts.seconds() * 1000000 + ts.nanos() / 1000;
}

std::vector<std::string> Subproof(const std::vector<std::string>& leaves,
                                  size_t m, size_t begin, size_t end, bool b) {
  const size_t n = end - begin;
  if (m == n) {
    if (b) return {};
    return {ReferenceRoot(leaves, begin, end)};
  }
  const size_t k = LargestPowerOfTwoBelow(n);
  std::vector<std::string> out;
  if (m <= k) {
    out = Subproof(leaves, m, begin, begin + k, b);
    out.push_back(ReferenceRoot(leaves, begin + k, end));
  } else {
    out = Subproof(leaves, m - k, begin + k, end, false);
    out.push_back(ReferenceRoot(leaves, begin, begin + k));
  }
  return out;
}

}  // namespace

std::string ReferenceRoot(const std::vector<std::string>& leaves, size_t begin,
                          size_t end) {
  const size_t n = end - begin;
  if (n == 0) return Sha256("");
  if (n == 1) return leaves[begin];
  const size_t k = LargestPowerOfTwoBelow(n);
  return NodeHash(ReferenceRoot(leaves, begin, begin + k),
                  ReferenceRoot(leaves, begin + k, end));
}

std::vector<std::string> ReferencePath(const std::vector<std::string>& leaves,
                                       size_t m, size_t begin, size_t end) {
  const size_t n = end - begin;
  if (n <= 1) return {};
  const size_t k = LargestPowerOfTwoBelow(n);
  std::vector<std::string> out;
  if (m < k) {
    out = ReferencePath(leaves, m, begin, begin + k);
    out.push_back(ReferenceRoot(leaves, begin + k, end));
  } else {
    out = ReferencePath(leaves, m - k, begin + k, end);
    out.push_back(ReferenceRoot(leaves, begin, begin + k));
  }
  return out;
}

std::vector<std::string> ReferenceConsistency(
    const std::vector<std::string>& leaves, size_t m, size_t n) {
  return Subproof(leaves, m, 0, n, true);
}

std::string ChainHash(const v1::Event& e) {
  const v1::EventMetadata& m = e.metadata();
  std::string c = e.prev_hash();
  c.push_back('\x01');
  PutU64(&c, e.position());
  PutString(&c, e.customer_id());
  PutU64(&c, e.version());
  PutString(&c, e.event_type());
  c.append(e.payload_sha256());
  for (const std::string* s :
       {&m.actor(), &m.reason(), &m.request_id(), &m.correlation_id(),
        &m.causation_id(), &m.service(), &m.on_behalf_of()}) {
    PutString(&c, *s);
  }
  PutU64(&c, static_cast<uint64_t>(Micros(m.occurred_at())));
  PutU64(&c, static_cast<uint64_t>(Micros(m.recorded_at())));
  return Sha256(c);
}

std::vector<v1::Event> MakeChain(int n) {
  std::vector<v1::Event> events;
  std::string prev(32, '\0');
  for (int i = 1; i <= n; ++i) {
    v1::Event e;
    e.set_position(static_cast<uint64_t>(i));
    e.set_customer_id("C-" + std::to_string(1 + i % 3));
    e.set_version(static_cast<uint64_t>((i + 2) / 3));
    e.set_event_type("ContactLogged");
    v1::EventPayload payload;
    payload.mutable_contact_logged()->set_content("call number " +
                                                  std::to_string(i));
    e.set_raw_payload(payload.SerializeAsString());
    e.set_payload_sha256(Sha256(e.raw_payload()));
    e.mutable_metadata()->set_actor("auditor-test");
    e.mutable_metadata()->set_request_id("req-" + std::to_string(i));
    *e.mutable_metadata()->mutable_recorded_at() =
        google::protobuf::util::TimeUtil::MicrosecondsToTimestamp(
            1'700'000'000'000'000 + i);
    e.set_prev_hash(prev);
    e.set_hash(ChainHash(e));
    prev = e.hash();
    events.push_back(std::move(e));
  }
  return events;
}

TestSigner::TestSigner() {
  EVP_PKEY* key = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
  if (key == nullptr) std::abort();
  key_ = key;
  public_key_.resize(32);
  size_t len = 32;
  if (EVP_PKEY_get_raw_public_key(
          key, reinterpret_cast<unsigned char*>(public_key_.data()), &len) !=
      1) {
    std::abort();
  }
}

TestSigner::~TestSigner() { EVP_PKEY_free(static_cast<EVP_PKEY*>(key_)); }

v1::SignedDigest TestSigner::Sign(const std::vector<v1::Event>& events,
                                  uint64_t tree_size) const {
  std::vector<std::string> leaves;
  for (uint64_t i = 0; i < tree_size; ++i) {
    leaves.push_back(LeafHash(events[i].hash()));
  }
  v1::SignedDigest d;
  d.set_tree_size(tree_size);
  d.set_root_hash(ReferenceRoot(leaves, 0, leaves.size()));
  d.set_head_hash(tree_size == 0 ? std::string(32, '\0')
                                 : events[tree_size - 1].hash());
  *d.mutable_signed_at() =
      google::protobuf::util::TimeUtil::MicrosecondsToTimestamp(
          1'750'000'000'123'456);
  d.set_public_key(public_key_);
  d.set_key_id(ctl::KeyId(public_key_));
  Resign(&d);
  return d;
}

void TestSigner::Resign(v1::SignedDigest* digest) const {
  const std::string message = ctl::DigestSignedBytes(*digest);
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  std::string sig(64, '\0');
  size_t len = sig.size();
  if (EVP_DigestSignInit(ctx, nullptr, nullptr, nullptr,
                         static_cast<EVP_PKEY*>(key_)) != 1 ||
      EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(sig.data()), &len,
                     reinterpret_cast<const unsigned char*>(message.data()),
                     message.size()) != 1) {
    std::abort();
  }
  EVP_MD_CTX_free(ctx);
  digest->set_signature(sig);
}

std::string TestSigner::PublicKeyPem() const {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PUBKEY(bio, static_cast<EVP_PKEY*>(key_));
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio, &data);
  std::string pem(data, static_cast<size_t>(len));
  BIO_free(bio);
  return pem;
}

}  // namespace ledger::testing
