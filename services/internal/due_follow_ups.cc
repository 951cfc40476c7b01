#include "services/internal/due_follow_ups.h"

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/civil_time.h"
#include "projections/customer_keys.h"
#include "projections/greetings.h"
#include "services/internal/query_common.h"
#include "storage/status_macros.h"

namespace ledger::services::internal {

namespace {

namespace v1 = ::ledger::v1;
namespace proj = ::ledger::projections;
using proj::IndexKind;

constexpr uint32_t kMaxGreetingLead = 31;

v1::Date FromCivil(absl::CivilDay day) {
  v1::Date d;
  d.set_year(static_cast<int32_t>(day.year()));
  d.set_month(day.month());
  d.set_day(day.day());
  return d;
}

std::string DayKey(absl::CivilDay day) { return proj::DateKey(FromCivil(day)); }

absl::CivilDay ParseDayKey(absl::string_view key) {
  auto num = [&](size_t pos, size_t len) {
    int v = 0;
    for (size_t i = pos; i < pos + len && i < key.size(); ++i) {
      v = v * 10 + (key[i] - '0');
    }
    return v;
  };
  return absl::CivilDay(num(0, 4), num(4, 2), num(6, 2));
}

const char* GradeName(v1::Grade g) {
  static constexpr const char* kNames[] = {"ungraded", "K", "A", "B", "C", "D"};
  return g >= 0 && g < 6 ? kNames[g] : "?";
}

// Collects one page; false once it is full (the token is then set).
class DuePage {
 public:
  DuePage(const storage::StateView& view,
          const v1::ListDueFollowUpsRequest& req,
          v1::ListDueFollowUpsResponse* resp)
      : view_(view), req_(req), resp_(resp), size_(Page(req.page_size())) {}

  // Loads the customer of index key `key`; false (and *skip) when it is not
  // the requested owner's.
  absl::Status Load(absl::string_view key, bool* skip) {
    const std::string id(proj::CustomerOfIndexKey(key));
    LEDGER_RETURN_IF_ERROR(LoadProfile(view_, id, &profile_));
    *skip = !req_.owner_id().empty() && profile_.owner_id() != req_.owner_id();
    return absl::OkStatus();
  }
  const v1::CustomerProfile& profile() const { return profile_; }

  bool Add(absl::string_view key, v1::DueFollowUp::Reason reason,
           absl::CivilDay due_day, std::string note) {
    if (resp_->due_size() == static_cast<int>(size_)) {
      resp_->set_next_page_token(EncodeToken(last_key_));
      return false;
    }
    v1::DueFollowUp* due = resp_->add_due();
    *due->mutable_customer() = profile_;
    due->set_reason(reason);
    *due->mutable_due_date() = FromCivil(due_day);
    due->set_note(std::move(note));
    last_key_ = std::string(key);
    return true;
  }

 private:
  const storage::StateView& view_;
  const v1::ListDueFollowUpsRequest& req_;
  v1::ListDueFollowUpsResponse* resp_;
  const uint32_t size_;
  v1::CustomerProfile profile_;
  std::string last_key_;
};

// True when pass f lists the customer (follow-up date on or before
// `today_key`): its visit is not listed again.
bool ListedForFollowUp(const v1::CustomerProfile& p,
                       const std::string& today_key) {
  const std::string follow_up = proj::DateKey(p.next_follow_up());
  return !follow_up.empty() && follow_up <= today_key;
}

// Positions `it` at the first key of [prefix, ...) after the token `after`.
void SeekAfter(storage::StateIterator& it, const std::string& prefix,
               const std::string& after) {
  it.Seek(absl::StartsWith(after, prefix) ? after : prefix);
  if (it.Valid() && it.key() == after) it.Next();
}

}  // namespace

absl::Status ListDueFollowUps(const storage::EventLog& log,
                              const v1::ListDueFollowUpsRequest& req,
                              const DuePolicy& policy,
                              v1::ListDueFollowUpsResponse* resp) {
  if (!req.has_as_of()) return Invalid("as_of", "is required");
  LEDGER_RETURN_IF_ERROR(CheckDate("as_of", req.as_of()));
  const absl::CivilDay as_of(req.as_of().year(), req.as_of().month(),
                             req.as_of().day());
  if (req.greeting_lead_days() > kMaxGreetingLead) {
    return Invalid("greeting_lead_days",
                   absl::StrCat(req.greeting_lead_days(), " is more than ",
                                kMaxGreetingLead));
  }
  const int revisit = req.revisit_interval_days() != 0
                          ? static_cast<int>(req.revisit_interval_days())
                          : policy.revisit_interval_days;
  std::string after;
  LEDGER_RETURN_IF_ERROR(DecodeToken(req.page_token(), &after));
  // The token is the last index key listed; its kind says which pass to
  // resume. Passes run f (follow-up dates), p (visits by maintenance plan),
  // c (visits by grade or the revisit rule), y (greetings).
  const char resume = after.empty() ? 'f' : after[0];
  if (resume != 'f' && resume != 'p' && resume != 'c' && resume != 'y') {
    return Invalid("page_token", "is not a ListDueFollowUps token");
  }
  std::unique_ptr<storage::StateView> view = log.GetStateView();
  std::unique_ptr<storage::StateIterator> it =
      view->NewIterator(proj::kCustomerIndexFamily);
  DuePage page(*view, req, resp);
  bool skip = false;
  const std::string today_key = DayKey(as_of);

  if (resume == 'f') {
    const std::string prefix = proj::IndexKindPrefix(IndexKind::kFollowUpDate);
    const std::string end = prefix + DayKey(as_of + 1);
    for (SeekAfter(*it, prefix, after); it->Valid() && it->key() < end;
         it->Next()) {
      LEDGER_RETURN_IF_ERROR(page.Load(it->key(), &skip));
      if (skip) continue;
      const absl::CivilDay day = ParseDayKey(it->key().substr(2, 8));
      if (!page.Add(it->key(), v1::DueFollowUp::REASON_FOLLOW_UP_DATE, day,
                    "follow-up date set at the last contact")) {
        return absl::OkStatus();
      }
    }
    LEDGER_RETURN_IF_ERROR(it->status());
  }

  if (resume == 'f' || resume == 'p') {
    const std::string prefix = proj::IndexKindPrefix(IndexKind::kPlannedVisit);
    const std::string end = prefix + DayKey(as_of + 1);
    for (SeekAfter(*it, prefix, after); it->Valid() && it->key() < end;
         it->Next()) {
      LEDGER_RETURN_IF_ERROR(page.Load(it->key(), &skip));
      const v1::CustomerProfile& p = page.profile();
      if (skip || ListedForFollowUp(p, today_key)) continue;
      if (!page.Add(it->key(), v1::DueFollowUp::REASON_VISIT_PLAN,
                    ParseDayKey(it->key().substr(2, 8)),
                    absl::StrCat("visit every ",
                                 p.maintenance_plan().visit_interval_days(),
                                 " days (maintenance plan)"))) {
        return absl::OkStatus();
      }
    }
    LEDGER_RETURN_IF_ERROR(it->status());
  }

  if (resume == 'f' || resume == 'p' || resume == 'c') {
    int shortest = revisit;
    for (int days : policy.grade_visit_days) {
      if (days > 0) shortest = std::min(shortest, days);
    }
    const std::string prefix = proj::IndexKindPrefix(IndexKind::kLastContact);
    const std::string end = prefix + DayKey(as_of - shortest + 1);
    for (SeekAfter(*it, prefix, after); it->Valid() && it->key() < end;
         it->Next()) {
      LEDGER_RETURN_IF_ERROR(page.Load(it->key(), &skip));
      const v1::CustomerProfile& p = page.profile();
      if (skip || ListedForFollowUp(p, today_key)) continue;
      if (p.maintenance_plan().visit_interval_days() > 0) continue;  // 'p'
      const v1::Grade grade = p.classification().grade();
      const int grade_days =
          grade >= 0 && grade < 6 ? policy.grade_visit_days[grade] : 0;
      int interval = revisit;
      auto reason = v1::DueFollowUp::REASON_REVISIT;
      std::string note;
      if (grade_days > 0) {
        interval = grade_days;
        reason = v1::DueFollowUp::REASON_VISIT_PLAN;
        note = absl::StrCat("visit every ", interval, " days (grade ",
                            GradeName(grade), ")");
      } else {
        note = absl::StrCat("not contacted for ", interval,
                            " days (revisit rule)");
      }
      const absl::CivilDay due = ParseDayKey(it->key().substr(2, 8)) + interval;
      if (due > as_of) continue;
      if (!page.Add(it->key(), reason, due, std::move(note))) {
        return absl::OkStatus();
      }
    }
    LEDGER_RETURN_IF_ERROR(it->status());
  }

  // Greetings, day by day in date order (a lead may cross the new year).
  std::vector<absl::CivilDay> days;
  for (uint32_t i = 0; i <= req.greeting_lead_days(); ++i)
    days.push_back(as_of + i);
  size_t first_day = 0;
  const bool resume_in_0229 = resume == 'y' && after.substr(2, 4) == "0229";
  if (resume == 'y') {
    const std::string mmdd = after.substr(2, 4);
    while (first_day < days.size() &&
           proj::MonthDayKey(days[first_day].month(), days[first_day].day()) !=
               mmdd &&
           !(mmdd == "0229" && days[first_day].month() == 2 &&
             days[first_day].day() == 28)) {
      ++first_day;
    }
  }
  for (size_t d = first_day; d < days.size(); ++d) {
    const absl::CivilDay day = days[d];
    std::vector<std::string> month_days = {
        proj::MonthDayKey(day.month(), day.day())};
    // Feb 29 greetings fall on Feb 28 when the year has no Feb 29.
    if (day.month() == 2 && day.day() == 28 &&
        absl::CivilDay(day.year(), 2, 29).month() != 2) {
      month_days.push_back("0229");
    }
    for (const std::string& mmdd : month_days) {
      if (d == first_day && resume_in_0229 && mmdd != "0229") continue;
      const std::string prefix = proj::IndexPrefix(IndexKind::kGreeting, mmdd);
      for (SeekAfter(*it, prefix, after);
           it->Valid() && absl::StartsWith(it->key(), prefix); it->Next()) {
        LEDGER_RETURN_IF_ERROR(page.Load(it->key(), &skip));
        if (skip) continue;
        std::vector<std::string> notes;
        for (const proj::YearlyGreeting& g :
             proj::GreetingsOf(page.profile())) {
          if (proj::MonthDayKey(g.month, g.day) == mmdd)
            notes.push_back(g.note);
        }
        if (!page.Add(it->key(), v1::DueFollowUp::REASON_GREETING, day,
                      absl::StrJoin(notes, "; "))) {
          return absl::OkStatus();
        }
      }
      LEDGER_RETURN_IF_ERROR(it->status());
    }
  }
  return absl::OkStatus();
}

}  // namespace ledger::services::internal
