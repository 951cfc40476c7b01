#include "projections/payload_sealing.h"

#include <memory>

#include "absl/strings/str_cat.h"
#include "projections/aead.h"
#include "projections/event_codec.h"
#include "projections/personal_fields.h"

namespace ledger::projections {

namespace {

constexpr uint32_t kScheme = 1;

void PutLengthPrefixed(std::string* out, absl::string_view s) {
  const uint32_t n = static_cast<uint32_t>(s.size());
  for (int shift = 24; shift >= 0; shift -= 8) {
    out->push_back(static_cast<char>((n >> shift) & 0xff));
  }
  out->append(s.data(), s.size());
}

std::string AdditionalData(absl::string_view customer_id,
                           absl::string_view event_type) {
  std::string aad = "ledger.v1.SealedFields/1";
  PutLengthPrefixed(&aad, customer_id);
  PutLengthPrefixed(&aad, event_type);
  return aad;
}

}  // namespace

absl::StatusOr<bool> SealPersonalFields(absl::string_view customer_id,
                                        absl::string_view event_type,
                                        absl::string_view request_id,
                                        uint32_t event_index,
                                        const DataKey& key,
                                        ledger::v1::EventPayload* payload) {
  ledger::v1::EventPayload personal;
  if (!ExtractPersonal(*payload, &personal)) return false;
  const std::string plaintext = EncodePayload(personal);
  const std::string aad = AdditionalData(customer_id, event_type);
  std::string nonce_input = aad;
  PutLengthPrefixed(&nonce_input, request_id);
  for (int shift = 24; shift >= 0; shift -= 8) {
    nonce_input.push_back(static_cast<char>((event_index >> shift) & 0xff));
  }
  nonce_input += plaintext;
  // An append seals all its events with one key: derive its nonce key once.
  // (The thread's AES context keeps the last key too; see aead.cc.)
  thread_local std::string last_key;
  thread_local std::string nonce_key;
  if (nonce_key.empty() || last_key != key.bytes) {
    nonce_key = HmacSha256(key.bytes, "ledger nonce key");
    last_key = key.bytes;
  }
  const std::string nonce =
      HmacSha256(nonce_key, nonce_input).substr(0, kAeadNonceBytes);
  absl::StatusOr<std::string> sealed =
      AeadSeal(key.bytes, nonce, plaintext, aad);
  if (!sealed.ok()) return sealed.status();

  ErasePersonal(&personal);
  ClearPersonal(payload);
  ledger::v1::SealedFields* out = payload->mutable_sealed();
  out->set_scheme(kScheme);
  out->set_key_id(key.id);
  out->set_nonce(nonce);
  out->set_ciphertext(*std::move(sealed));
  *out->mutable_erased() = std::move(personal);
  return true;
}

absl::Status OpenSealedFields(absl::string_view customer_id,
                              absl::string_view event_type, const DataKey* key,
                              ledger::v1::EventPayload* payload) {
  if (!payload->has_sealed()) return absl::OkStatus();
  // Taken out without a copy, on the payload's arena or the heap.
  google::protobuf::Arena* const arena = payload->GetArena();
  std::unique_ptr<ledger::v1::SealedFields> owned;
  ledger::v1::SealedFields* taken = nullptr;
  if (arena != nullptr) {
    taken = payload->unsafe_arena_release_sealed();
  } else {
    owned.reset(payload->release_sealed());
    taken = owned.get();
  }
  ledger::v1::SealedFields& sealed = *taken;
  if (sealed.scheme() != kScheme) {
    return absl::DataLossError(absl::StrCat("sealed fields of scheme ",
                                            sealed.scheme(), " are not known"));
  }
  if (key == nullptr || key->id != sealed.key_id()) {
    MovePersonal(sealed.mutable_erased(), payload);
    return absl::OkStatus();
  }
  absl::StatusOr<std::string> plaintext =
      AeadOpen(key->bytes, sealed.nonce(), sealed.ciphertext(),
               AdditionalData(customer_id, event_type));
  if (!plaintext.ok()) {
    return absl::DataLossError(absl::StrCat(
        "the personal fields of a ", event_type, " event of ", customer_id,
        " do not open: ", plaintext.status().message()));
  }
  // On the payload's arena the values move over without a copy. Without
  // one, a message reused by the thread keeps its allocations, and the
  // moves trade them with the payload's.
  thread_local ledger::v1::EventPayload reused;
  ledger::v1::EventPayload& personal =
      arena != nullptr
          ? *google::protobuf::Arena::CreateMessage<ledger::v1::EventPayload>(
                arena)
          : reused;
  if (!personal.ParseFromString(*plaintext)) {
    return absl::DataLossError(absl::StrCat("the opened personal fields of a ",
                                            event_type, " event of ",
                                            customer_id, " do not parse"));
  }
  MovePersonal(&personal, payload);
  return absl::OkStatus();
}

}  // namespace ledger::projections
