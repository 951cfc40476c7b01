#include "services/internal/duplicates.h"

#include <deque>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "projections/customer_keys.h"
#include "projections/field_checks.h"
#include "services/internal/query_common.h"
#include "services/request_validation.h"
#include "storage/status_macros.h"

namespace ledger::services::internal {

namespace {

namespace v1 = ::ledger::v1;
namespace proj = ::ledger::projections;
using proj::IndexKind;

constexpr uint32_t kDefaultSimilarity = 85;
constexpr size_t kMaxGroup = 50;
constexpr size_t kWindow = 20;

// The value part of an index key: kind \0 value \0 id.
absl::string_view ValueOf(absl::string_view key) {
  const size_t first = key.find('\0');
  const size_t last = key.rfind('\0');
  return key.substr(first + 1, last - first - 1);
}

std::string KeyReason(absl::string_view value) {
  static const std::pair<absl::string_view, absl::string_view> kTags[] = {
      {"p:", "same phone "},          {"e:", "same e-mail "},
      {"c:", "same credit code "},    {"i:", "same ID document number "},
      {"l:", "same licence number "}, {"t:", "same tax number "}};
  for (const auto& [tag, text] : kTags) {
    if (absl::StartsWith(value, tag)) {
      return absl::StrCat(text, value.substr(tag.size()));
    }
  }
  return absl::StrCat("same ", value);
}

struct CityName {
  std::string city;
  std::string name;
  std::string id;
};

CityName ParseCityName(absl::string_view key) {
  const absl::string_view value = ValueOf(key);
  const size_t sep = value.find(proj::kCityNameSeparator);
  return {std::string(value.substr(0, sep)), std::string(value.substr(sep + 1)),
          std::string(proj::CustomerOfIndexKey(key))};
}

class Pairs {
 public:
  void Add(const std::string& a, const std::string& b, std::string reason,
           uint32_t similarity = 0) {
    if (a == b) return;
    v1::DuplicatePair& pair =
        pairs_[a < b ? std::make_pair(a, b) : std::make_pair(b, a)];
    pair.set_customer_id(std::min(a, b));
    pair.set_other_customer_id(std::max(a, b));
    pair.add_reasons(std::move(reason));
    if (similarity != 0) pair.set_name_similarity(similarity);
  }

  // The page after `after` ("a\0b" of the last pair sent).
  void Page(const std::string& after, uint32_t size,
            v1::FindDuplicatesResponse* resp) {
    for (auto& [ids, pair] : pairs_) {
      const std::string key =
          absl::StrCat(ids.first, std::string(1, '\0'), ids.second);
      if (!after.empty() && key <= after) continue;
      if (resp->pairs_size() == static_cast<int>(size)) {
        const auto& last = *resp->pairs().rbegin();
        resp->set_next_page_token(
            EncodeToken(absl::StrCat(last.customer_id(), std::string(1, '\0'),
                                     last.other_customer_id())));
        return;
      }
      *resp->add_pairs() = std::move(pair);
    }
  }

 private:
  std::map<std::pair<std::string, std::string>, v1::DuplicatePair> pairs_;
};

void CompareNames(const CityName& a, const CityName& b, uint32_t threshold,
                  Pairs& pairs) {
  const int similarity = proj::NameSimilarity(a.name, b.name);
  if (similarity >= static_cast<int>(threshold)) {
    pairs.Add(a.id, b.id,
              absl::StrCat("similar name (", similarity, "%) in ", a.city),
              static_cast<uint32_t>(similarity));
  }
}

absl::Status AllPairs(const storage::StateView& view, uint32_t threshold,
                      Pairs& pairs) {
  std::unique_ptr<storage::StateIterator> it =
      view.NewIterator(proj::kCustomerIndexFamily);
  const std::string keys = proj::IndexKindPrefix(IndexKind::kDuplicateKey);
  std::string value;
  std::vector<std::string> group;
  auto flush = [&]() {
    for (size_t i = 0; i < group.size(); ++i) {
      for (size_t j = i + 1; j < group.size(); ++j) {
        pairs.Add(group[i], group[j], KeyReason(value));
      }
    }
    group.clear();
  };
  for (it->Seek(keys); it->Valid() && absl::StartsWith(it->key(), keys);
       it->Next()) {
    if (ValueOf(it->key()) != value) {
      flush();
      value = std::string(ValueOf(it->key()));
    }
    if (group.size() < kMaxGroup) {
      group.emplace_back(proj::CustomerOfIndexKey(it->key()));
    }
  }
  flush();
  LEDGER_RETURN_IF_ERROR(it->status());

  const std::string names = proj::IndexKindPrefix(IndexKind::kCityName);
  std::deque<CityName> window;
  for (it->Seek(names); it->Valid() && absl::StartsWith(it->key(), names);
       it->Next()) {
    CityName current = ParseCityName(it->key());
    if (!window.empty() && window.front().city != current.city) window.clear();
    for (const CityName& earlier : window) {
      CompareNames(earlier, current, threshold, pairs);
    }
    window.push_back(std::move(current));
    if (window.size() > kWindow) window.pop_front();
  }
  return it->status();
}

absl::Status PairsOf(const storage::StateView& view, const std::string& id,
                     uint32_t threshold, Pairs& pairs) {
  v1::CustomerProfile profile;
  LEDGER_RETURN_IF_ERROR(LoadProfile(view, id, &profile));
  std::unique_ptr<storage::StateIterator> it =
      view.NewIterator(proj::kCustomerIndexFamily);
  for (const std::string& key : proj::DuplicateKeysOf(profile)) {
    const std::string prefix = proj::IndexPrefix(IndexKind::kDuplicateKey, key);
    for (it->Seek(prefix); it->Valid() && absl::StartsWith(it->key(), prefix);
         it->Next()) {
      pairs.Add(id, std::string(proj::CustomerOfIndexKey(it->key())),
                KeyReason(key));
    }
    LEDGER_RETURN_IF_ERROR(it->status());
  }
  const std::string value = proj::CityNameValue(profile);
  if (value.empty() || profile.archived()) return absl::OkStatus();
  const CityName self =
      ParseCityName(proj::IndexPrefix(IndexKind::kCityName, value) + id);
  const std::string city =
      absl::StrCat(proj::IndexKindPrefix(IndexKind::kCityName), self.city,
                   std::string(1, proj::kCityNameSeparator));
  for (it->Seek(city); it->Valid() && absl::StartsWith(it->key(), city);
       it->Next()) {
    CompareNames(self, ParseCityName(it->key()), threshold, pairs);
  }
  return it->status();
}

}  // namespace

absl::Status FindDuplicates(const storage::EventLog& log,
                            const v1::FindDuplicatesRequest& req,
                            v1::FindDuplicatesResponse* resp) {
  if (req.min_name_similarity() > 100) {
    return Invalid("min_name_similarity",
                   absl::StrCat(req.min_name_similarity(),
                                " is above 100 (identical names)"));
  }
  const uint32_t threshold = req.min_name_similarity() == 0
                                 ? kDefaultSimilarity
                                 : req.min_name_similarity();
  std::string after;
  LEDGER_RETURN_IF_ERROR(DecodeToken(req.page_token(), &after));
  std::unique_ptr<storage::StateView> view = log.GetStateView();
  Pairs pairs;
  if (req.customer_id().empty()) {
    LEDGER_RETURN_IF_ERROR(AllPairs(*view, threshold, pairs));
  } else {
    LEDGER_RETURN_IF_ERROR(
        ValidateCustomerId("customer_id", req.customer_id()));
    LEDGER_RETURN_IF_ERROR(PairsOf(*view, req.customer_id(), threshold, pairs));
  }
  pairs.Page(after, Page(req.page_size()), resp);
  return absl::OkStatus();
}

}  // namespace ledger::services::internal
