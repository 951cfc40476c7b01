#ifndef LEDGER_TESTS_SERVICES_PAYLOAD_VALIDATION_FIXTURE_H_
#define LEDGER_TESTS_SERVICES_PAYLOAD_VALIDATION_FIXTURE_H_

// Shared by the payload validation suites (profile_validation_test.cc,
// record_validation_test.cc): table-driven refusals over the real server,
// each checking the code, the full field path, the value, and that nothing
// was appended. Credit codes and ID numbers used as valid were computed
// with the check algorithms of projections/field_checks.cc.

#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "ledger/v1/ledger.grpc.pb.h"
#include "tests/services/service_test_util.h"
#include "tests/testing/requests.h"
#include "tests/testing/status_matchers.h"

namespace ledger::testing::validation {

namespace v1 = ::ledger::v1;
using ::testing::AllOf;
using ::testing::HasSubstr;
using Code = ::grpc::StatusCode;
using R = v1::AppendRequest&;

inline constexpr v1::IdDocumentType kResident =
    v1::ID_DOCUMENT_TYPE_RESIDENT_ID;

// One bad value: `mutate` breaks a well-formed request; the refusal must
// name "events[0].payload.<prefix><field>" and contain `value`.
struct Case {
  std::string name;
  std::function<void(R)> mutate;
  std::string field;
  std::string value;
};

// A value outside the enum.
template <typename Enum>
Enum Bad(int value) {
  return static_cast<Enum>(value);
}

// An append of one event to "existing" with `payload` (text format).
inline v1::AppendRequest Req(absl::string_view payload) {
  v1::AppendRequest request;
  request.set_customer_id("existing");
  request.mutable_metadata()->set_actor("tester");
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(
      std::string(payload), request.add_events()->mutable_payload()))
      << payload;
  return request;
}

inline v1::Date D(int year, int month, int day) {
  v1::Date date;
  date.set_year(year);
  date.set_month(month);
  date.set_day(day);
  return date;
}

// `days` after the server's "today", the UTC calendar day of now + 14h.
inline v1::Date FromToday(int days) {
  const absl::CivilDay day =
      absl::ToCivilDay(absl::Now() + absl::Hours(14), absl::UTCTimeZone()) +
      days;
  return D(static_cast<int>(day.year()), day.month(), day.day());
}

inline std::string Future(const v1::Date& d) {
  return absl::StrFormat("%d-%02d-%02d is in the future", d.year(), d.month(),
                         d.day());
}

inline v1::Money M(int64_t units, int32_t nanos = 0,
                   const std::string& code = "CNY") {
  v1::Money money;
  money.set_currency_code(code);
  money.set_units(units);
  money.set_nanos(nanos);
  return money;
}

// The event of a one-event request, by type.
inline v1::EventPayload* P(R r) {
  return r.mutable_events(0)->mutable_payload();
}
inline auto* Pf(R r) {
  return P(r)->mutable_profile_updated()->mutable_profile();
}
inline auto* Kp(R r) {
  return P(r)->mutable_key_person_saved()->mutable_person();
}
inline auto* Contact(R r) { return P(r)->mutable_contact_logged(); }
inline auto* Tx(R r) { return P(r)->mutable_transaction_recorded(); }
inline auto* Pay(R r) { return P(r)->mutable_payment_recorded(); }
inline auto* Opp(R r) { return P(r)->mutable_opportunity_opened(); }
inline auto* Stage(R r) { return P(r)->mutable_opportunity_stage_changed(); }
inline auto* Sco(R r) { return P(r)->mutable_service_case_opened(); }
inline auto* Scu(R r) { return P(r)->mutable_service_case_updated(); }
inline auto* Rv(R r) { return P(r)->mutable_revisit_logged(); }
inline auto* Greet(R r, int i) {
  return P(r)->mutable_maintenance_plan_set()->mutable_greetings(i);
}
inline auto* Card(R r) { return P(r)->mutable_member_card_issued(); }
inline auto* Chg(R r, v1::MemberCardAction action) {
  P(r)->mutable_member_card_changed()->set_action(action);
  return P(r)->mutable_member_card_changed();
}
inline void Id(R r, v1::IdDocumentType type, const std::string& number) {
  Pf(r)->mutable_id_document()->set_type(type);
  Pf(r)->mutable_id_document()->set_number(number);
}

class PayloadValidationTest : public LedgerTestBase {
 protected:
  void SetUp() override {
    LedgerTestBase::SetUp();
    AppendOk(RegisterRequest("existing"));  // at version 1
  }

  // Breaks a copy of `good` with each case and expects the refusal.
  void RejectEach(const v1::AppendRequest& good, const std::string& prefix,
                  const std::vector<Case>& cases) {
    for (const Case& c : cases) {
      SCOPED_TRACE(c.name);
      v1::AppendRequest request = good;
      c.mutate(request);
      const std::string path = "events[0].payload." + prefix + c.field + ": ";
      EXPECT_THAT(Reject(request),
                  GrpcStatusIs(Code::INVALID_ARGUMENT,
                               AllOf(HasSubstr(path), HasSubstr(c.value))));
    }
  }
};

}  // namespace ledger::testing::validation

#endif  // LEDGER_TESTS_SERVICES_PAYLOAD_VALIDATION_FIXTURE_H_
