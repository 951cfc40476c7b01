#include "tools/ledgerctl/chain_verifier.h"

#include <openssl/evp.h>

#include <cstdlib>
#include <vector>

#include "google/protobuf/util/message_differencer.h"
#include "ledger/v1/options.pb.h"

namespace ledger::ctl {

namespace {

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

// Clears every field marked (ledger.v1.personal), at any depth, leaving the
// public part of a payload (SealedFields is removed by the caller).
void ClearPersonal(google::protobuf::Message* m) {
  const google::protobuf::Reflection* r = m->GetReflection();
  std::vector<const google::protobuf::FieldDescriptor*> fields;
  r->ListFields(*m, &fields);
  for (const auto* f : fields) {
    if (f->options().GetExtension(ledger::v1::personal)) {
      r->ClearField(m, f);
    } else if (f->cpp_type() ==
               google::protobuf::FieldDescriptor::CPPTYPE_MESSAGE) {
      if (f->is_repeated()) {
        for (int i = 0; i < r->FieldSize(*m, f); ++i) {
          ClearPersonal(r->MutableRepeatedMessage(m, f, i));
        }
      } else {
        ClearPersonal(r->MutableMessage(m, f));
      }
    }
  }
}

int64_t Micros(const google::protobuf::Timestamp& ts) {
  return ts.seconds() * 1000000 + ts.nanos() / 1000;
}

}  // namespace

std::string ToHex(const std::string& bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 0xf]);
  }
  return out;
}

ChainVerifier::ChainVerifier(std::string prev_hash)
    : prev_hash_(std::move(prev_hash)) {
  md_ = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  ctx_ = EVP_MD_CTX_new();
  if (md_ == nullptr || ctx_ == nullptr) std::abort();
}

ChainVerifier::~ChainVerifier() {
  EVP_MD_CTX_free(static_cast<EVP_MD_CTX*>(ctx_));
  EVP_MD_free(static_cast<EVP_MD*>(md_));
}

std::string ChainVerifier::Sha256(const std::string& data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  auto* ctx = static_cast<EVP_MD_CTX*>(ctx_);
  if (EVP_DigestInit_ex2(ctx, static_cast<EVP_MD*>(md_), nullptr) != 1 ||
      EVP_DigestUpdate(ctx, data.data(), data.size()) != 1 ||
      EVP_DigestFinal_ex(ctx, out, &len) != 1) {
    std::abort();
  }
  return std::string(reinterpret_cast<char*>(out), len);
}

bool ChainVerifier::Check(const ledger::v1::Event& e, std::string* error) {
  const std::string where = "position " + std::to_string(e.position()) + ": ";
  if (next_position_ != 0 && e.position() != next_position_) {
    *error = "expected position " + std::to_string(next_position_) +
             " but the server sent " + std::to_string(e.position());
    return false;
  }
  if (e.prev_hash() != prev_hash_) {
    *error = where + "prev_hash " + ToHex(e.prev_hash()) +
             " is not the previous event's hash " + ToHex(prev_hash_);
    return false;
  }
  if (Sha256(e.raw_payload()) != e.payload_sha256()) {
    *error = where + "the payload does not match payload_sha256";
    return false;
  }
  // The typed payload shown to the user must be the hashed one. Sealed
  // personal fields are shown opened (or erased): then everything but the
  // personal fields must be the hashed bytes.
  ledger::v1::EventPayload parsed;
  bool same = parsed.ParseFromString(e.raw_payload());
  if (same && !google::protobuf::util::MessageDifferencer::Equals(
                  parsed, e.payload())) {
    same = false;
    if (parsed.has_sealed() && !e.payload().has_sealed()) {
      ledger::v1::EventPayload shown = e.payload();
      parsed.clear_sealed();
      ClearPersonal(&parsed);
      ClearPersonal(&shown);
      same = google::protobuf::util::MessageDifferencer::Equals(parsed, shown);
    }
  }
  if (!same) {
    *error = where + "the decoded payload differs from the hashed raw bytes";
    return false;
  }
  // Canonical bytes, format 1 (README.md, "Hash chain").
  const ledger::v1::EventMetadata& m = e.metadata();
  std::string& c = scratch_;
  c.assign(prev_hash_);
  c.push_back('\x01');
  PutU64(&c, e.position());
  PutString(&c, e.customer_id());
  PutU64(&c, e.version());
  PutString(&c, e.event_type());
  c.append(e.payload_sha256());
  PutString(&c, m.actor());
  PutString(&c, m.reason());
  PutString(&c, m.request_id());
  PutString(&c, m.correlation_id());
  PutString(&c, m.causation_id());
  PutString(&c, m.service());
  PutString(&c, m.on_behalf_of());
  PutU64(&c, static_cast<uint64_t>(Micros(m.occurred_at())));
  PutU64(&c, static_cast<uint64_t>(Micros(m.recorded_at())));
  const std::string hash = Sha256(c);
  if (hash != e.hash()) {
    *error = where + "the event hashes to " + ToHex(hash) +
             " but carries hash " + ToHex(e.hash());
    return false;
  }
  prev_hash_ = hash;
  next_position_ = e.position() + 1;
  ++verified_;
  return true;
}

}  // namespace ledger::ctl
