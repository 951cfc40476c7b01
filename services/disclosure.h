#ifndef LEDGER_SERVICES_DISCLOSURE_H_
#define LEDGER_SERVICES_DISCLOSURE_H_

#include <map>
#include <set>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/message.h"
#include "services/principal.h"

namespace ledger::services {

class AccessLog;

// The personal-data rules applied to one answer: masks the personal fields
// of the parts it is given when the principal has no personal-data grant,
// and records in the access log, once per customer, which personal fields
// of that customer the principal was shown (and why: the purpose).
//
// Use one per call: Add() every part of the answer that belongs to a
// customer, then Commit() before sending it. Not thread-safe.
class Disclosure {
 public:
  // `log` may be null: nothing is recorded (masking still applies).
  Disclosure(AccessLog* log, const Principal& principal,
             absl::string_view method);

  Disclosure(const Disclosure&) = delete;
  Disclosure& operator=(const Disclosure&) = delete;

  // Masks `part` if the principal may not see personal data; otherwise
  // notes the personal fields set in it as shown to the principal.
  void Add(absl::string_view customer_id, google::protobuf::Message* part);

  // Add()s every part of a whole answer: each (repeated or singular)
  // top-level message field counts for the customer its own `customer_id`
  // field names (an event, a profile, a timeline entry), else for
  // `customer_id`. REQUIRES: no personal scalar at the answer's top level
  // (personal data lives in sub-messages in every ledger.v1 answer).
  void AddAnswer(absl::string_view customer_id,
                 google::protobuf::Message* answer);

  // Records what was shown. UNAVAILABLE when the access log cannot take
  // the records: the caller must then fail the call rather than answer.
  [[nodiscard]] absl::Status Commit();

 private:
  AccessLog* const log_;
  const Principal& principal_;
  const std::string method_;
  std::map<std::string, std::set<std::string>> shown_;  // customer -> paths
};

// One Disclosure of a whole answer: AddAnswer() then Commit().
[[nodiscard]] absl::Status DiscloseAnswer(AccessLog* log,
                                          const Principal& principal,
                                          absl::string_view method,
                                          absl::string_view customer_id,
                                          google::protobuf::Message* answer);

// Records a refused call (UNAUTHENTICATED, PERMISSION_DENIED) in `log`
// (if not null). Best effort: a denial the access log cannot take (it is
// full or shut down) is dropped; the call is refused either way.
void RecordDenial(AccessLog* log, const Principal& principal,
                  absl::string_view method, absl::string_view customer_id,
                  const absl::Status& status);

}  // namespace ledger::services

#endif  // LEDGER_SERVICES_DISCLOSURE_H_
