#include "services/internal/access_index.h"

#include "absl/strings/str_cat.h"
#include "ledger/v1/audit.pb.h"
#include "services/internal/big_endian.h"
#include "storage/event_record.h"

namespace ledger::services::internal {

std::string AccessPrefix(char kind, absl::string_view subject) {
  std::string prefix(1, kind);
  absl::StrAppend(&prefix, subject);
  prefix.push_back('\0');
  return prefix;
}

std::string AccessKey(absl::string_view prefix, int64_t at_micros,
                      uint64_t sequence) {
  std::string key(prefix);
  // Offset binary keeps negative (pre-1970) times in order.
  PutBigEndian64(&key, static_cast<uint64_t>(at_micros) ^ (uint64_t{1} << 63));
  PutBigEndian64(&key, sequence);
  return key;
}

uint64_t AccessKeySequence(absl::string_view key) {
  if (key.size() < 8) return 0;
  return GetBigEndian64(key.substr(key.size() - 8));
}

absl::Status AccessIndexProjector::Apply(const storage::EventRecord& record,
                                         storage::StateWriter& state) {
  if (record.type != kAccessEventType) return absl::OkStatus();
  ledger::v1::AccessRecord access;
  if (!access.ParseFromString(record.payload)) {
    return absl::DataLossError(
        absl::StrCat("access record ", record.position, " does not parse"));
  }
  const int64_t at =
      access.at().seconds() * 1000000 + access.at().nanos() / 1000;
  if (!access.customer_id().empty()) {
    state.Put(
        kAccessIndexFamily,
        AccessKey(AccessPrefix('c', access.customer_id()), at, record.position),
        "");
  }
  state.Put(
      kAccessIndexFamily,
      AccessKey(AccessPrefix('p', access.principal()), at, record.position),
      "");
  return absl::OkStatus();
}

}  // namespace ledger::services::internal
