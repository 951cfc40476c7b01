#include "services/internal/customer_search.h"

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/civil_time.h"
#include "projections/completeness.h"
#include "projections/customer_keys.h"
#include "services/internal/query_common.h"
#include "storage/status_macros.h"

namespace ledger::services::internal {

namespace {

namespace v1 = ::ledger::v1;
namespace proj = ::ledger::projections;
using proj::IndexKind;

// Index ranges of the equality filters; within each, ids are sorted.
std::vector<std::string> EqualityPrefixes(const v1::CustomerFilter& f) {
  std::vector<std::string> prefixes;
  auto add = [&](IndexKind kind, const std::string& value) {
    if (!value.empty()) prefixes.push_back(proj::IndexPrefix(kind, value));
  };
  add(IndexKind::kOwner, f.owner_id());
  if (f.grade() != 0) add(IndexKind::kGrade, proj::EnumKey(f.grade()));
  if (f.value_tier() != 0) {
    add(IndexKind::kValueTier, proj::EnumKey(f.value_tier()));
  }
  if (f.lifecycle_stage() != 0) {
    add(IndexKind::kLifecycleStage, proj::EnumKey(f.lifecycle_stage()));
  }
  add(IndexKind::kTag, f.tag());
  add(IndexKind::kIndustry, f.industry());
  add(IndexKind::kRegion, f.region());
  add(IndexKind::kMissing, f.missing_field());
  return prefixes;
}

// Candidates in customer-id order: the leapfrog join of several index ranges
// (each sorted by id), or every profile key when there are none.
class IdJoin {
 public:
  IdJoin(const storage::StateView& view, std::vector<std::string> prefixes)
      : prefixes_(std::move(prefixes)) {
    if (prefixes_.empty()) {  // no filter: all customers
      its_.push_back(view.NewIterator(proj::kProfileFamily));
      prefixes_.push_back("");
    } else {
      for (size_t i = 0; i < prefixes_.size(); ++i) {
        its_.push_back(view.NewIterator(proj::kCustomerIndexFamily));
      }
    }
    for (size_t i = 0; i < its_.size(); ++i) its_[i]->Seek(prefixes_[i]);
  }

  // The next id in every range; false when one range is exhausted.
  bool Next(std::string* id) {
    for (;;) {
      std::string target;
      for (size_t i = 0; i < its_.size(); ++i) {
        if (!InRange(i)) return false;
        if (IdOf(i) > target) target = std::string(IdOf(i));
      }
      bool aligned = true;
      for (size_t i = 0; i < its_.size(); ++i) {
        if (IdOf(i) < target) {
          Advance(i, target);
          aligned = false;
        }
      }
      if (!aligned) continue;
      for (auto& it : its_) it->Next();
      *id = std::move(target);
      return true;
    }
  }

  absl::Status status() const {
    for (const auto& it : its_) LEDGER_RETURN_IF_ERROR(it->status());
    return absl::OkStatus();
  }

 private:
  // Moves range i to its first id >= target. The next match is usually a
  // few entries on, and a step is far cheaper than a seek of the LSM tree,
  // so it steps a little before it seeks.
  void Advance(size_t i, const std::string& target) {
    for (int step = 0; step < 8; ++step) {
      its_[i]->Next();
      if (!InRange(i) || IdOf(i) >= target) return;
    }
    its_[i]->Seek(prefixes_[i] + target);
  }

  bool InRange(size_t i) const {
    return its_[i]->Valid() && absl::StartsWith(its_[i]->key(), prefixes_[i]);
  }
  absl::string_view IdOf(size_t i) const {
    return its_[i]->key().substr(prefixes_[i].size());
  }

  std::vector<std::string> prefixes_;
  std::vector<std::unique_ptr<storage::StateIterator>> its_;
};

// Membership in one index range for ids asked in ascending order: an
// iterator that only moves forward (a merge anti-join).
class SortedMembership {
 public:
  SortedMembership(const storage::StateView& view, std::string prefix)
      : prefix_(std::move(prefix)),
        it_(view.NewIterator(proj::kCustomerIndexFamily)) {
    it_->Seek(prefix_);
  }

  bool Contains(const std::string& id) {
    if (!InRange()) return false;
    if (Id() < id) it_->Seek(prefix_ + id);
    return InRange() && Id() == id;
  }

  absl::Status status() const { return it_->status(); }

 private:
  bool InRange() const {
    return it_->Valid() && absl::StartsWith(it_->key(), prefix_);
  }
  absl::string_view Id() const { return it_->key().substr(prefix_.size()); }

  const std::string prefix_;
  std::unique_ptr<storage::StateIterator> it_;
};

// Point membership: whether index key `prefix` + id exists.
absl::StatusOr<bool> HasIndexKey(const storage::StateView& view,
                                 const std::string& prefix,
                                 const std::string& id) {
  std::string unused;
  absl::Status s = view.Get(proj::kCustomerIndexFamily, prefix + id, &unused);
  if (absl::IsNotFound(s)) return false;
  LEDGER_RETURN_IF_ERROR(s);
  return true;
}

// Whether the consent index entry `prefix` + id says the consent is live on
// `today` (YYYYMMDD): present and not expired.
absl::StatusOr<bool> LiveConsent(const storage::StateView& view,
                                 const std::string& prefix,
                                 const std::string& id,
                                 const std::string& today) {
  std::string last_day;
  absl::Status s = view.Get(proj::kCustomerIndexFamily, prefix + id, &last_day);
  if (absl::IsNotFound(s)) return false;
  LEDGER_RETURN_IF_ERROR(s);
  return last_day.empty() || last_day >= today;
}

// Counts a match and, while the page has room, loads it into the response.
// `key` orders the matches (and resumes the next page).
class PageBuilder {
 public:
  PageBuilder(const storage::StateView& view, std::string after, uint32_t page,
              v1::SearchCustomersResponse* resp)
      : view_(view), after_(std::move(after)), page_(page), resp_(resp) {}

  absl::Status Add(const std::string& key, const std::string& id) {
    ++total_;
    if (key <= after_) return absl::OkStatus();
    if (resp_->customers_size() < static_cast<int>(page_)) {
      LEDGER_RETURN_IF_ERROR(LoadProfile(view_, id, resp_->add_customers()));
      last_key_ = key;
    } else if (resp_->next_page_token().empty()) {
      resp_->set_next_page_token(EncodeToken(last_key_));
    }
    return absl::OkStatus();
  }

  void Finish() { resp_->set_total_count(total_); }

 private:
  const storage::StateView& view_;
  const std::string after_;
  const uint32_t page_;
  v1::SearchCustomersResponse* const resp_;
  uint64_t total_ = 0;
  std::string last_key_;
};

// A name-prefix search: the name index drives (ordered by name, then id);
// the other filters are point checks. Page tokens are name index keys.
absl::Status SearchByName(const storage::StateView& view,
                          const v1::CustomerFilter& f,
                          const std::vector<std::string>& equality,
                          const std::string& consent, const std::string& today,
                          PageBuilder& page) {
  std::string prefix = proj::IndexPrefix(IndexKind::kName, "");
  prefix.pop_back();  // "n\0": then the name prefix itself
  prefix += proj::NormalizedName(f.name_prefix());
  const std::string archived = proj::IndexPrefix(IndexKind::kArchived, "");
  std::unique_ptr<storage::StateIterator> it =
      view.NewIterator(proj::kCustomerIndexFamily);
  for (it->Seek(prefix); it->Valid() && absl::StartsWith(it->key(), prefix);
       it->Next()) {
    const std::string key(it->key());
    const std::string id(proj::CustomerOfIndexKey(key));
    bool match = true;
    for (const std::string& other : equality) {
      LEDGER_ASSIGN_OR_RETURN(bool has, HasIndexKey(view, other, id));
      if (!has) {
        match = false;
        break;
      }
    }
    if (match && !f.include_archived()) {
      LEDGER_ASSIGN_OR_RETURN(bool gone, HasIndexKey(view, archived, id));
      match = !gone;
    }
    if (match && !consent.empty()) {
      LEDGER_ASSIGN_OR_RETURN(match, LiveConsent(view, consent, id, today));
    }
    if (match) LEDGER_RETURN_IF_ERROR(page.Add(key, id));
  }
  return it->status();
}

// Equality filters only (or none): ids in order from the join, archived
// customers removed by a merge anti-join. Page tokens are customer ids.
absl::Status SearchByIds(const storage::StateView& view,
                         const v1::CustomerFilter& f,
                         std::vector<std::string> equality,
                         const std::string& consent, const std::string& today,
                         PageBuilder& page) {
  // The consent range joins like an equality filter; its expiry is a point
  // check of the matches.
  if (!consent.empty()) equality.push_back(consent);
  IdJoin join(view, std::move(equality));
  SortedMembership archived(view, proj::IndexPrefix(IndexKind::kArchived, ""));
  std::string id;
  while (join.Next(&id)) {
    if (!f.include_archived() && archived.Contains(id)) continue;
    if (!consent.empty()) {
      LEDGER_ASSIGN_OR_RETURN(bool live, LiveConsent(view, consent, id, today));
      if (!live) continue;
    }
    LEDGER_RETURN_IF_ERROR(page.Add(id, id));
  }
  LEDGER_RETURN_IF_ERROR(join.status());
  return archived.status();
}

}  // namespace

absl::Status SearchCustomers(const storage::EventLog& log,
                             const v1::SearchCustomersRequest& req,
                             v1::SearchCustomersResponse* resp,
                             absl::Time now) {
  const v1::CustomerFilter& f = req.filter();
  if (!v1::Grade_IsValid(f.grade())) {
    return Invalid("filter.grade", absl::StrCat("unknown grade ", f.grade()));
  }
  if (!v1::ValueTier_IsValid(f.value_tier())) {
    return Invalid("filter.value_tier",
                   absl::StrCat("unknown value tier ", f.value_tier()));
  }
  if (!v1::LifecycleStage_IsValid(f.lifecycle_stage())) {
    return Invalid("filter.lifecycle_stage",
                   absl::StrCat("unknown stage ", f.lifecycle_stage()));
  }
  if (!f.missing_field().empty()) {
    const auto& fields = proj::CompletenessFields();
    if (std::find(fields.begin(), fields.end(), f.missing_field()) ==
        fields.end()) {
      return Invalid("filter.missing_field",
                     absl::StrCat("\"", f.missing_field(),
                                  "\" is not an important field; one of ",
                                  absl::StrJoin(fields, ", ")));
    }
  }
  if (req.purpose().size() > 64) {
    return Invalid("purpose", absl::StrCat("is ", req.purpose().size(),
                                           " bytes; at most 64"));
  }
  std::string after;
  LEDGER_RETURN_IF_ERROR(DecodeToken(req.page_token(), &after));
  std::unique_ptr<storage::StateView> view = log.GetStateView();
  PageBuilder page(*view, std::move(after), Page(req.page_size()), resp);
  std::vector<std::string> equality = EqualityPrefixes(f);
  // A purpose needs a live consent for it: granted, not withdrawn, not
  // expired as of today (UTC).
  const std::string consent =
      req.purpose().empty()
          ? std::string()
          : proj::IndexPrefix(IndexKind::kConsent, req.purpose());
  const absl::CivilDay day = absl::ToCivilDay(now, absl::UTCTimeZone());
  v1::Date date;
  date.set_year(static_cast<int32_t>(day.year()));
  date.set_month(day.month());
  date.set_day(day.day());
  const std::string today = proj::DateKey(date);
  if (!f.name_prefix().empty()) {
    LEDGER_RETURN_IF_ERROR(
        SearchByName(*view, f, equality, consent, today, page));
  } else {
    LEDGER_RETURN_IF_ERROR(
        SearchByIds(*view, f, std::move(equality), consent, today, page));
  }
  page.Finish();
  return absl::OkStatus();
}

}  // namespace ledger::services::internal
