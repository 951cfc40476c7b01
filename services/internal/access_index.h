#ifndef LEDGER_SERVICES_INTERNAL_ACCESS_INDEX_H_
#define LEDGER_SERVICES_INTERNAL_ACCESS_INDEX_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "storage/projector.h"

namespace ledger::services::internal {

// The access log's one state family and its key layout:
//   'c' customer_id 0x00 be64(at micros) be64(sequence) -> ""
//   'p' principal   0x00 be64(at micros) be64(sequence) -> ""
inline constexpr int kAccessIndexFamily = 0;
inline constexpr char kAccessIndexFamilyName[] = "access_index";
inline constexpr char kAccessStream[] = "access";
inline constexpr char kAccessEventType[] = "AccessRecorded";
inline constexpr char kAccessIndexVersion[] = "access-index/1";

// 'c' or 'p', the subject and the 0x00 separator.
std::string AccessPrefix(char kind, absl::string_view subject);
// The key of one record under `prefix`.
std::string AccessKey(absl::string_view prefix, int64_t at_micros,
                      uint64_t sequence);
// The sequence number at the end of a key.
uint64_t AccessKeySequence(absl::string_view key);

// Folds AccessRecorded events (a serialized ledger.v1.AccessRecord each)
// into the index. Not thread-safe (the log calls it from one thread).
class AccessIndexProjector : public storage::Projector {
 public:
  [[nodiscard]] absl::Status Apply(const storage::EventRecord& record,
                                   storage::StateWriter& state) override;
};

}  // namespace ledger::services::internal

#endif  // LEDGER_SERVICES_INTERNAL_ACCESS_INDEX_H_
