#ifndef LEDGER_PROJECTIONS_CUSTOMER_KEYS_H_
#define LEDGER_PROJECTIONS_CUSTOMER_KEYS_H_

// Layout of the customer projection's state families. Shared by the writer
// (CustomerProjector) and the readers in services/.
//
//   profile                customer_id -> CustomerProfile
//   timeline               customer_id \0 u64be(occurred_at µs) u64be(position)
//                            -> TimelineEntry
//   classification_history customer_id \0 u64be(position) ->
//                            ClassificationChange
//   customer_index         kind \0 value \0 customer_id -> ""  (IndexKind;
//                            kChurn entries hold the churn reason)
//   records                customer_id \0 RecordKind \0 record id -> record
//                            (customer_records.h)
//   rules                  "r\0" rule_id -> RuleState (current)
//                          "h\0" rule_id \0 u64be(version) -> RuleState

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "ledger/v1/customer.pb.h"
#include "storage/event_log_options.h"

namespace ledger::projections {

// Indexes of the state families, in CustomerStateFamilies() order.
enum CustomerFamily : int {
  kProfileFamily = 0,
  kTimelineFamily = 1,
  kClassificationHistoryFamily = 2,
  kCustomerIndexFamily = 3,
  kRecordsFamily = 4,
  kRulesFamily = 5,
};

// The system stream of classification rule events. Not a valid customer id,
// so no client can append to it directly.
inline constexpr char kRulesStream[] = "$classification-rules";

// The state families, in CustomerFamily order, with how each is read: the
// timeline is only ever scanned (by customer and time), the others are also
// read by key (profiles, records, rules; index and history entries by the
// search and the reports).
const std::vector<storage::StateFamilyOptions>& CustomerStateFamilies();

// Secondary index kinds (first byte of an index key).
enum class IndexKind : char {
  kOwner = 'o',
  kGrade = 'g',
  kValueTier = 'v',
  kLifecycleStage = 's',
  kTag = 't',
  kIndustry = 'i',
  kRegion = 'r',
  kName = 'n',          // NormalizedName(profile.name)
  kFollowUpDate = 'f',  // YYYYMMDD of next_follow_up (active customers)
  kLastContact = 'c',   // YYYYMMDD of last contact, else of registration
  kArchived = 'a',      // empty value: archived customers, for anti-joins
  kMissing = 'm',       // a Completeness.missing field (active customers)
  kGreeting = 'y',      // MMDD of a yearly greeting (greetings.h; active)
  kPlannedVisit = 'p',  // YYYYMMDD: last contact + the plan's visit interval
  kDuplicateKey = 'd',  // DuplicateKeysOf(): normalised phone, e-mail, codes
  kCityName = 'k',      // CityNameValue(): city \x01 normalised name
  // A granted current consent of an active customer, by purpose; the value
  // is the YYYYMMDD of its last day, empty when it does not expire.
  kConsent = 'L',
  // Reports (report_keys.h). kRegistered comes from the profile like the
  // kinds above; the other three are written once per event by the
  // projector (EventIndexEntriesOf), never from the profile.
  kRegistered = 'R',   // YYYYMMDD (UTC) of created_at; every customer
  kChurn = 'C',        // YYYYMMDD:position of a change to CHURNED -> reason
  kOpportunity = 'O',  // YYYYMMDD \x01 opportunity id, by opened day
  kRevisit = 'S',      // YYYYMMDD:score:position of a satisfaction revisit
};

// kind \0 : the prefix of every entry of that kind, whatever its value.
std::string IndexKindPrefix(IndexKind kind);
// kind \0 value \0 : the prefix of all entries with that value.
std::string IndexPrefix(IndexKind kind, absl::string_view value);
// The customer id of an index key.
absl::string_view CustomerOfIndexKey(absl::string_view key);
// All index keys of a profile (sorted). Their values are empty except for
// the kinds listed in IndexValueOf.
std::vector<std::string> IndexKeysOf(const ledger::v1::CustomerProfile& p);
// The value of a profile index key that has one (kConsent); nullopt for
// keys whose value is empty.
std::optional<std::string> IndexValueOf(const ledger::v1::CustomerProfile& p,
                                        absl::string_view key);

// Values of the duplicate-detection indexes of an active customer: "p:"
// phone, "e:" e-mail, "c:" credit code, "i:" ID document, "l:" licence and
// "t:" tax number, each normalised (field_checks.h); and the city and
// normalised name, "" without both.
std::vector<std::string> DuplicateKeysOf(const ledger::v1::CustomerProfile& p);
std::string CityNameValue(const ledger::v1::CustomerProfile& p);
inline constexpr char kCityNameSeparator = '\x01';

// Lower-cased (ASCII letters) name without NUL bytes, for prefix search.
std::string NormalizedName(absl::string_view name);
// "YYYYMMDD"; empty for an unset date.
std::string DateKey(const ledger::v1::Date& date);
// "YYYYMMDD" of the UTC day of `ts`.
std::string UtcDayKey(const google::protobuf::Timestamp& ts);
// YYYYMMDD of the day a customer with a maintenance plan is next due for a
// visit; empty without a plan interval.
std::string PlannedVisitKey(const ledger::v1::CustomerProfile& p);
std::string EnumKey(int value);  // two digits

std::string TimelinePrefix(absl::string_view customer_id);
std::string TimelineKey(absl::string_view customer_id, int64_t occurred_micros,
                        uint64_t position);
std::string HistoryPrefix(absl::string_view customer_id);
std::string HistoryKey(absl::string_view customer_id, uint64_t position);
// customer_id \0 kind \0 : all records of one kind, ordered by id.
std::string RecordPrefix(absl::string_view customer_id, char kind);
std::string RecordKey(absl::string_view customer_id, char kind,
                      absl::string_view id);
// Keys of the rules family.
std::string RuleKey(absl::string_view rule_id);
std::string RuleHistoryPrefix(absl::string_view rule_id);
std::string RuleHistoryKey(absl::string_view rule_id, uint64_t version);

}  // namespace ledger::projections

#endif  // LEDGER_PROJECTIONS_CUSTOMER_KEYS_H_
