#include "projections/report_keys.h"

#include <cstdio>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "projections/customer_keys.h"

namespace ledger::projections {

namespace v1 = ::ledger::v1;

namespace {

constexpr char kOpportunitySeparator = '\x01';

// Fixed width, so that entries of one day sort by position.
std::string PositionText(uint64_t position) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%020llu",
                static_cast<unsigned long long>(position));
  return buf;
}

bool IsDay(absl::string_view day) {
  if (day.size() != 8) return false;
  for (char c : day) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

}  // namespace

std::vector<IndexEntry> EventIndexEntriesOf(const v1::Event& event,
                                            const v1::Classification& before,
                                            const v1::Classification& after) {
  std::vector<IndexEntry> entries;
  const v1::EventPayload& payload = event.payload();
  const std::string day = UtcDayKey(event.metadata().occurred_at());
  const std::string& id = event.customer_id();
  if (payload.has_customer_classified() &&
      after.lifecycle_stage() == v1::LIFECYCLE_STAGE_CHURNED &&
      before.lifecycle_stage() != v1::LIFECYCLE_STAGE_CHURNED) {
    entries.push_back(
        {IndexPrefix(IndexKind::kChurn,
                     absl::StrCat(day, ":", PositionText(event.position()))) +
             id,
         payload.customer_classified().churn_reason()});
  } else if (payload.has_opportunity_opened()) {
    entries.push_back(
        {IndexPrefix(
             IndexKind::kOpportunity,
             absl::StrCat(day, std::string(1, kOpportunitySeparator),
                          payload.opportunity_opened().opportunity_id())) +
             id,
         ""});
  } else if (payload.has_revisit_logged()) {
    entries.push_back(
        {IndexPrefix(
             IndexKind::kRevisit,
             absl::StrCat(day, ":", payload.revisit_logged().satisfaction(),
                          ":", PositionText(event.position()))) +
             id,
         ""});
  }
  return entries;
}

absl::string_view IndexValueOf(absl::string_view key) {
  const size_t last = key.rfind('\0');
  if (key.size() < 2 || last == absl::string_view::npos || last < 2) {
    return absl::string_view();
  }
  return key.substr(2, last - 2);
}

bool ParseChurnValue(absl::string_view value, ChurnValue* out) {
  std::vector<absl::string_view> parts = absl::StrSplit(value, ':');
  if (parts.size() != 2 || !IsDay(parts[0]) ||
      !absl::SimpleAtoi(parts[1], &out->position)) {
    return false;
  }
  out->day = parts[0];
  return true;
}

bool ParseOpportunityValue(absl::string_view value, OpportunityValue* out) {
  if (value.size() < 10 || value[8] != kOpportunitySeparator ||
      !IsDay(value.substr(0, 8))) {
    return false;
  }
  out->day = value.substr(0, 8);
  out->opportunity_id = value.substr(9);
  return true;
}

bool ParseRevisitValue(absl::string_view value, RevisitValue* out) {
  std::vector<absl::string_view> parts = absl::StrSplit(value, ':');
  if (parts.size() != 3 || !IsDay(parts[0]) ||
      !absl::SimpleAtoi(parts[1], &out->score) || out->score < 1 ||
      out->score > 5 || !absl::SimpleAtoi(parts[2], &out->position)) {
    return false;
  }
  out->day = parts[0];
  return true;
}

}  // namespace ledger::projections
