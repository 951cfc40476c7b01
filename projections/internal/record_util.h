#ifndef LEDGER_PROJECTIONS_INTERNAL_RECORD_UTIL_H_
#define LEDGER_PROJECTIONS_INTERNAL_RECORD_UTIL_H_

// Helpers shared by the record folds (customer_records.cc, member_cards.cc).

#include <string>
#include <tuple>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/util/time_util.h"
#include "ledger/v1/events.pb.h"
#include "projections/customer_records.h"

namespace ledger::projections::internal {

// FAILED_PRECONDITION with the concatenated message.
template <typename... Args>
absl::Status Refuse(const Args&... args) {
  return absl::FailedPreconditionError(absl::StrCat(args...));
}

// Loads a record: NOT_FOUND when absent, DATA_LOSS when it does not parse.
template <typename Record>
absl::Status LoadRecord(RecordStore& records, RecordKind kind,
                        absl::string_view id, Record* out) {
  std::string bytes;
  absl::Status status = records.Get(kind, id, &bytes);
  if (!status.ok()) return status;
  if (!out->ParseFromString(bytes)) {
    return absl::DataLossError(absl::StrCat("the stored ",
                                            Record::descriptor()->name(), " \"",
                                            id, "\" does not parse"));
  }
  return absl::OkStatus();
}

inline void StoreRecord(RecordStore& records, RecordKind kind,
                        absl::string_view id,
                        const google::protobuf::Message& record) {
  records.Put(kind, id, record.SerializeAsString());
}

inline bool DateLess(const ledger::v1::Date& a, const ledger::v1::Date& b) {
  return std::make_tuple(a.year(), a.month(), a.day()) <
         std::make_tuple(b.year(), b.month(), b.day());
}

inline std::string DateText(const ledger::v1::Date& d) {
  return absl::StrCat(d.year(), "-", d.month() < 10 ? "0" : "", d.month(), "-",
                      d.day() < 10 ? "0" : "", d.day());
}

inline std::string TimeText(const google::protobuf::Timestamp& at) {
  return google::protobuf::util::TimeUtil::ToString(at);
}

}  // namespace ledger::projections::internal

#endif  // LEDGER_PROJECTIONS_INTERNAL_RECORD_UTIL_H_
