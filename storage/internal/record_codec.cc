#include "storage/internal/record_codec.h"

#include "absl/strings/str_cat.h"
#include "storage/hash_chain.h"
#include "storage/internal/coding.h"

namespace ledger::storage::internal {

std::string EventKey(uint64_t position) { return EncodeFixed64BE(position); }

std::string StreamIndexPrefix(absl::string_view stream) {
  std::string key(stream);
  key.push_back('\0');
  return key;
}

std::string StreamIndexKey(absl::string_view stream, uint64_t version) {
  std::string key = StreamIndexPrefix(stream);
  PutFixed64BE(&key, version);
  return key;
}

std::string EncodeRecord(const EventRecord& record) {
  std::string out;
  out.reserve(160 + record.stream.size() + record.type.size() +
              record.payload.size());
  AppendCanonicalBytes(record, &out);
  out.append(reinterpret_cast<const char*>(record.prev_hash.data()), 32);
  out.append(reinterpret_cast<const char*>(record.hash.data()), 32);
  out.append(record.payload);
  return out;
}

absl::Status DecodeRecord(absl::string_view value, EventRecord* record) {
  Reader in(value);
  unsigned char format = 0;
  uint64_t occurred = 0;
  uint64_t recorded = 0;
  EventMetadata& m = record->metadata;
  bool ok =
      in.GetByte(&format) && format == kCanonicalFormatVersion &&
      in.GetFixed64(&record->position) &&
      in.GetLengthPrefixed(&record->stream) &&
      in.GetFixed64(&record->version) && in.GetLengthPrefixed(&record->type) &&
      in.GetBytes(32, record->payload_sha256.data()) &&
      in.GetLengthPrefixed(&m.actor) && in.GetLengthPrefixed(&m.reason) &&
      in.GetLengthPrefixed(&m.request_id) &&
      in.GetLengthPrefixed(&m.correlation_id) &&
      in.GetLengthPrefixed(&m.causation_id) &&
      in.GetLengthPrefixed(&m.service) &&
      in.GetLengthPrefixed(&m.on_behalf_of) && in.GetFixed64(&occurred) &&
      in.GetFixed64(&recorded) && in.GetBytes(32, record->prev_hash.data()) &&
      in.GetBytes(32, record->hash.data());
  if (!ok) {
    return absl::DataLossError(absl::StrCat("malformed event record (",
                                            value.size(), " bytes, format ",
                                            static_cast<int>(format), ")"));
  }
  m.occurred_at_micros = static_cast<int64_t>(occurred);
  m.recorded_at_micros = static_cast<int64_t>(recorded);
  record->payload.assign(in.remaining().data(), in.remaining().size());
  return absl::OkStatus();
}

std::string EncodeStreamHead(uint64_t version, uint64_t last_position) {
  std::string out;
  PutFixed64BE(&out, version);
  PutFixed64BE(&out, last_position);
  return out;
}

bool DecodeStreamHead(absl::string_view value, uint64_t* version,
                      uint64_t* last_position) {
  Reader in(value);
  return in.GetFixed64(version) && in.GetFixed64(last_position);
}

std::string EncodeIdempotency(const IdempotencyEntry& e) {
  std::string out;
  PutLengthPrefixed(&out, e.stream);
  out.append(reinterpret_cast<const char*>(e.fingerprint.data()), 32);
  PutFixed64BE(&out, e.first_position);
  PutFixed64BE(&out, e.last_position);
  PutFixed64BE(&out, e.first_version);
  PutFixed64BE(&out, e.last_version);
  PutFixed64BE(&out, static_cast<uint64_t>(e.recorded_at_micros));
  return out;
}

bool DecodeIdempotency(absl::string_view value, IdempotencyEntry* e) {
  Reader in(value);
  uint64_t recorded = 0;
  bool ok = in.GetLengthPrefixed(&e->stream) &&
            in.GetBytes(32, e->fingerprint.data()) &&
            in.GetFixed64(&e->first_position) &&
            in.GetFixed64(&e->last_position) &&
            in.GetFixed64(&e->first_version) &&
            in.GetFixed64(&e->last_version) && in.GetFixed64(&recorded);
  e->recorded_at_micros = static_cast<int64_t>(recorded);
  return ok;
}

}  // namespace ledger::storage::internal
