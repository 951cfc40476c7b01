#ifndef LEDGER_PROJECTIONS_CUSTOMER_RECORDS_H_
#define LEDGER_PROJECTIONS_CUSTOMER_RECORDS_H_

// The records of a customer file that have their own identity and state:
// transactions, sales opportunities, service cases and member cards. Like
// customer_fold.h this is a pure fold, shared by the inline projection, the
// rebuild and time travel; unlike it, it also decides whether an event is
// allowed by the record's current state (a stage change of a closed
// opportunity, the renewal of a cancelled card…) and refuses it otherwise.

#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "ledger/v1/customer.pb.h"
#include "ledger/v1/ledger.pb.h"

namespace ledger::projections {

enum class RecordKind : char {
  kTransaction = 'T',  // value: Transaction
  kOpportunity = 'O',  // value: Opportunity
  kServiceCase = 'S',  // value: ServiceCase
  kMemberCard = 'M',   // value: MemberCard
};

// The records of one customer, by kind and id. Not thread-safe.
class RecordStore {
 public:
  virtual ~RecordStore() = default;
  // NOT_FOUND when absent; other errors come from storage.
  [[nodiscard]] virtual absl::Status Get(RecordKind kind, absl::string_view id,
                                         std::string* value) = 0;
  virtual void Put(RecordKind kind, absl::string_view id,
                   absl::string_view value) = 0;
};

// Records held in memory: time travel folds one customer's stream into it.
class MemoryRecordStore final : public RecordStore {
 public:
  absl::Status Get(RecordKind kind, absl::string_view id,
                   std::string* value) override;
  void Put(RecordKind kind, absl::string_view id,
           absl::string_view value) override;

 private:
  absl::flat_hash_map<std::string, std::string> records_;  // kind + id
};

// Folds a record event of `event` into `records` and the record summaries
// of `profile` (transaction totals and dates, open opportunity and case
// counts, member tier). Other events are ignored (OK).
//
// FAILED_PRECONDITION, changing nothing, when the records' current state
// forbids the event: an id already used or unknown, a closed opportunity,
// a case or card state that does not allow the change, a payment above the
// amount or in another currency. DATA_LOSS when a stored record does not
// parse.
[[nodiscard]] absl::Status FoldRecords(const ledger::v1::Event& event,
                                       RecordStore& records,
                                       ledger::v1::CustomerProfile* profile);

// FAILED_PRECONDITION when `event` names a key person the profile does not
// have (KeyPersonRemoved, a ContactLogged participant's key_person_id).
[[nodiscard]] absl::Status CheckKeyPeople(
    const ledger::v1::Event& event, const ledger::v1::CustomerProfile& profile);

}  // namespace ledger::projections

#endif  // LEDGER_PROJECTIONS_CUSTOMER_RECORDS_H_
