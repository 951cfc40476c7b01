// CustomerBreakdown and NewCustomers: reports over the customers themselves.

#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "google/protobuf/descriptor.h"
#include "projections/customer_keys.h"
#include "projections/report_keys.h"
#include "services/internal/report_queries.h"
#include "services/internal/validation_util.h"
#include "storage/status_macros.h"

namespace ledger::services::internal {

namespace {

namespace v1 = ::ledger::v1;
namespace proj = ::ledger::projections;
using proj::IndexKind;

constexpr uint32_t kDefaultRows = 50;
constexpr uint32_t kMaxRows = 1000;
constexpr char kNoneLabel[] = "(none)";

// How a dimension is stored: the index that holds it (none: read from the
// profiles) and, for enum dimensions, the enum.
struct Dimension {
  std::optional<IndexKind> index;
  const google::protobuf::EnumDescriptor* type = nullptr;
  const char* prefix = "";  // of the enum's value names
};

Dimension DimensionOf(v1::ReportDimension d) {
  switch (d) {
    case v1::REPORT_DIMENSION_GRADE:
      return {IndexKind::kGrade, v1::Grade_descriptor(), "GRADE_"};
    case v1::REPORT_DIMENSION_VALUE_TIER:
      return {IndexKind::kValueTier, v1::ValueTier_descriptor(), "VALUE_TIER_"};
    case v1::REPORT_DIMENSION_LIFECYCLE_STAGE:
      return {IndexKind::kLifecycleStage, v1::LifecycleStage_descriptor(),
              "LIFECYCLE_STAGE_"};
    case v1::REPORT_DIMENSION_NATURE:
      return {std::nullopt, v1::CustomerNature_descriptor(),
              "CUSTOMER_NATURE_"};
    case v1::REPORT_DIMENSION_OWNER:
      return {IndexKind::kOwner};
    case v1::REPORT_DIMENSION_INDUSTRY:
      return {IndexKind::kIndustry};
    case v1::REPORT_DIMENSION_REGION:
      return {IndexKind::kRegion};
    case v1::REPORT_DIMENSION_TAG:
      return {IndexKind::kTag};
    default:  // SOURCE, PROVINCE
      return {};
  }
}

// A text as the index stores it (without NUL bytes), so that values read
// from profiles and from index keys agree.
std::string Stored(IndexKind kind, const std::string& value) {
  return std::string(proj::IndexValueOf(proj::IndexPrefix(kind, value)));
}

// The values a customer counts under (IndexKeysOf's values for indexed
// dimensions); empty when it has none.
std::vector<std::string> ValuesOf(v1::ReportDimension d,
                                  const v1::CustomerProfile& p) {
  const v1::Classification& c = p.classification();
  std::vector<std::string> values;
  auto add_enum = [&](int v) {
    if (v != 0) values.push_back(proj::EnumKey(v));
  };
  auto add_text = [&](IndexKind kind, const std::string& v) {
    if (!v.empty()) values.push_back(Stored(kind, v));
  };
  switch (d) {
    case v1::REPORT_DIMENSION_GRADE:
      add_enum(c.grade());
      break;
    case v1::REPORT_DIMENSION_VALUE_TIER:
      add_enum(c.value_tier());
      break;
    case v1::REPORT_DIMENSION_LIFECYCLE_STAGE:
      add_enum(c.lifecycle_stage());
      break;
    case v1::REPORT_DIMENSION_NATURE:
      add_enum(c.nature());
      break;
    case v1::REPORT_DIMENSION_OWNER:
      add_text(IndexKind::kOwner, p.owner_id());
      break;
    case v1::REPORT_DIMENSION_INDUSTRY:
      add_text(IndexKind::kIndustry, p.profile().industry());
      break;
    case v1::REPORT_DIMENSION_REGION:
      add_text(IndexKind::kRegion, p.profile().region());
      break;
    case v1::REPORT_DIMENSION_TAG:
      for (const std::string& tag : c.tags()) add_text(IndexKind::kTag, tag);
      break;
    case v1::REPORT_DIMENSION_SOURCE:
      if (!p.profile().source().empty()) values.push_back(p.profile().source());
      break;
    case v1::REPORT_DIMENSION_PROVINCE:
      if (!p.profile().address().province().empty()) {
        values.push_back(p.profile().address().province());
      }
      break;
    default:
      break;
  }
  return values;
}

// "GRADE_A" -> "A"; "LIFECYCLE_STAGE_WON_BACK" -> "won-back".
std::string EnumLabel(v1::ReportDimension d, const std::string& name,
                      const char* prefix) {
  std::string label = name.substr(std::string(prefix).size());
  if (d == v1::REPORT_DIMENSION_GRADE) return label;
  absl::AsciiStrToLower(&label);
  absl::StrReplaceAll({{"_", "-"}}, &label);
  return label;
}

// Customers per value and in all (a breakdown's tally).
struct Counts {
  absl::flat_hash_map<std::string, int64_t> by_value;
  int64_t total = 0;

  void Add(v1::ReportDimension d, const v1::CustomerProfile& p, int delta) {
    total += delta;
    for (std::string& v : ValuesOf(d, p)) by_value[std::move(v)] += delta;
  }
};

// Counts from the index keys alone: the dimension's entries and the
// registration entries (one per customer), minus what the archived
// customers' profiles contribute unless they are wanted.
absl::Status CountFromIndex(const storage::StateView& view,
                            const v1::CustomerBreakdownRequest& req,
                            IndexKind kind, ReportControl& control,
                            Counts* counts) {
  auto scan = [&](const std::string& prefix, auto on_key) -> absl::Status {
    std::unique_ptr<storage::StateIterator> it =
        view.NewIterator(proj::kCustomerIndexFamily);
    for (it->Seek(prefix); it->Valid() && absl::StartsWith(it->key(), prefix);
         it->Next()) {
      LEDGER_RETURN_IF_ERROR(control.Check());
      LEDGER_RETURN_IF_ERROR(on_key(it->key()));
    }
    return it->status();
  };
  // Keys of one value are adjacent: count runs, not a lookup per key.
  std::string value;
  int64_t run = 0;
  LEDGER_RETURN_IF_ERROR(scan(
      proj::IndexKindPrefix(kind), [&](absl::string_view key) -> absl::Status {
        const absl::string_view v = proj::IndexValueOf(key);
        if (v != value) {
          if (run > 0) counts->by_value[value] += run;
          value = std::string(v);
          run = 0;
        }
        ++run;
        return absl::OkStatus();
      }));
  if (run > 0) counts->by_value[value] += run;
  LEDGER_RETURN_IF_ERROR(scan(proj::IndexKindPrefix(IndexKind::kRegistered),
                              [&](absl::string_view) {
                                ++counts->total;
                                return absl::OkStatus();
                              }));
  if (req.include_archived()) return absl::OkStatus();
  const std::string archived = proj::IndexPrefix(IndexKind::kArchived, "");
  v1::CustomerProfile profile;
  return scan(archived, [&](absl::string_view key) -> absl::Status {
    LEDGER_RETURN_IF_ERROR(LoadIndexedProfile(
        view, std::string(key.substr(archived.size())), &profile));
    counts->Add(req.dimension(), profile, -1);
    return absl::OkStatus();
  });
}

void AddRow(std::string key, std::string label, int64_t count, int64_t total,
            v1::CustomerBreakdownResponse* resp) {
  v1::BreakdownRow* row = resp->add_rows();
  row->set_key(std::move(key));
  row->set_label(std::move(label));
  row->set_count(static_cast<uint64_t>(count));
  row->set_share_percent(
      Percent(static_cast<uint64_t>(count), static_cast<uint64_t>(total))
          .value_or(0));
}

void FillRows(const v1::CustomerBreakdownRequest& req, const Dimension& dim,
              const Counts& counts, v1::CustomerBreakdownResponse* resp) {
  struct Row {
    std::string key;
    std::string label;
    int64_t count;
  };
  std::vector<Row> rows;
  int64_t counted = 0;
  if (dim.type != nullptr) {  // every value, in enum order
    for (int i = 0; i < dim.type->value_count(); ++i) {
      const int number = dim.type->value(i)->number();
      if (number == 0) continue;
      auto it = counts.by_value.find(proj::EnumKey(number));
      const int64_t n = it == counts.by_value.end() ? 0 : it->second;
      const std::string& name = dim.type->value(i)->name();
      rows.push_back({name, EnumLabel(req.dimension(), name, dim.prefix), n});
    }
  } else {
    for (const auto& [value, n] : counts.by_value) {
      if (n > 0) rows.push_back({value, value, n});
    }
    std::sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) {
      return a.count != b.count ? a.count > b.count : a.key < b.key;
    });
  }
  const uint32_t max_rows =
      req.max_rows() == 0 ? kDefaultRows : std::min(req.max_rows(), kMaxRows);
  for (size_t i = 0; i < rows.size(); ++i) {
    counted += rows[i].count;
    if (i < max_rows) {
      AddRow(rows[i].key, rows[i].label, rows[i].count, counts.total, resp);
    } else {
      resp->set_other_values(resp->other_values() + 1);
      resp->set_other_count(resp->other_count() + rows[i].count);
    }
  }
  // A customer has at most one value of the other dimensions, so the rest
  // have none. Tags are many per customer: no such row.
  if (req.dimension() != v1::REPORT_DIMENSION_TAG) {
    const int64_t none = counts.total - counted;
    if (none > 0 || dim.type != nullptr) {
      AddRow("", kNoneLabel, std::max<int64_t>(none, 0), counts.total, resp);
    }
  }
  resp->set_total_customers(static_cast<uint64_t>(counts.total));
}

}  // namespace

absl::Status CheckRequest(const v1::CustomerBreakdownRequest& req) {
  if (req.dimension() == v1::REPORT_DIMENSION_UNSPECIFIED) {
    return Invalid("dimension",
                   "is required: GRADE, VALUE_TIER, LIFECYCLE_STAGE, NATURE, "
                   "OWNER, INDUSTRY, REGION, TAG, SOURCE or PROVINCE");
  }
  LEDGER_RETURN_IF_ERROR(
      CheckEnum("dimension", req.dimension(), v1::ReportDimension_IsValid));
  LEDGER_RETURN_IF_ERROR(CheckRange("registered_from", req.registered_from(),
                                    "registered_to", req.registered_to(),
                                    /*required=*/false)
                             .status());
  return CheckFilter("filter", req.filter());
}

absl::Status CheckRequest(const v1::NewCustomersRequest& req) {
  LEDGER_ASSIGN_OR_RETURN(DayRange range,
                          CheckRange("from", req.from(), "to", req.to(), true));
  LEDGER_RETURN_IF_ERROR(CheckGranularity("granularity", req.granularity()));
  LEDGER_RETURN_IF_ERROR(MakePeriods(range, req.granularity(), "to").status());
  return CheckFilter("filter", req.filter());
}

absl::Status CustomerBreakdown(const storage::EventLog& log,
                               const v1::CustomerBreakdownRequest& req,
                               ReportControl& control,
                               v1::CustomerBreakdownResponse* resp) {
  LEDGER_RETURN_IF_ERROR(CheckRequest(req));
  LEDGER_ASSIGN_OR_RETURN(
      DayRange registered,
      CheckRange("registered_from", req.registered_from(), "registered_to",
                 req.registered_to(), false));
  std::unique_ptr<storage::StateView> view = log.GetStateView();
  const Dimension dim = DimensionOf(req.dimension());
  Counts counts;
  if (dim.index.has_value() && !registered.bounded() &&
      FilterIsEmpty(req.filter())) {
    LEDGER_RETURN_IF_ERROR(
        CountFromIndex(*view, req, *dim.index, control, &counts));
  } else {
    CustomerScope scope{req.filter(), req.include_archived(), registered};
    LEDGER_RETURN_IF_ERROR(ForEachCustomer(*view, scope, control,
                                           [&](const v1::CustomerProfile& p) {
                                             counts.Add(req.dimension(), p, +1);
                                             return absl::OkStatus();
                                           }));
  }
  resp->set_dimension(req.dimension());
  FillRows(req, dim, counts, resp);
  resp->set_as_of_position(view->position());
  return absl::OkStatus();
}

absl::Status NewCustomers(const storage::EventLog& log,
                          const v1::NewCustomersRequest& req,
                          ReportControl& control,
                          v1::NewCustomersResponse* resp) {
  LEDGER_RETURN_IF_ERROR(CheckRequest(req));
  LEDGER_ASSIGN_OR_RETURN(DayRange range,
                          CheckRange("from", req.from(), "to", req.to(), true));
  LEDGER_ASSIGN_OR_RETURN(std::vector<Period> periods,
                          MakePeriods(range, req.granularity(), "to"));
  const Period previous = PeriodBefore(range.from_day, req.granularity());
  std::vector<int64_t> counts(periods.size(), 0);
  int64_t before = 0;
  int64_t previous_new = 0;
  auto add = [&](absl::string_view day, int delta) {
    if (day < range.from) {
      before += delta;
      if (day >= previous.start_key && day <= previous.end_key) {
        previous_new += delta;
      }
    } else if (day <= range.to) {
      const int i = PeriodOf(periods, day);
      if (i >= 0) counts[i] += delta;
    }
  };

  std::unique_ptr<storage::StateView> view = log.GetStateView();
  if (FilterIsEmpty(req.filter())) {
    // Registration keys are in day order: everything up to `to`.
    DayRange up_to;
    up_to.to = range.to;
    LEDGER_RETURN_IF_ERROR(
        ScanDays(*view, IndexKind::kRegistered, up_to, control,
                 [&](absl::string_view key, absl::string_view) {
                   add(proj::IndexValueOf(key), +1);
                   return absl::OkStatus();
                 }));
    if (!req.include_archived()) {
      const std::string prefix = proj::IndexPrefix(IndexKind::kArchived, "");
      std::unique_ptr<storage::StateIterator> it =
          view->NewIterator(proj::kCustomerIndexFamily);
      v1::CustomerProfile profile;
      for (it->Seek(prefix); it->Valid() && absl::StartsWith(it->key(), prefix);
           it->Next()) {
        LEDGER_RETURN_IF_ERROR(control.Check());
        LEDGER_RETURN_IF_ERROR(LoadIndexedProfile(
            *view, std::string(it->key().substr(prefix.size())), &profile));
        add(proj::UtcDayKey(profile.created_at()), -1);
      }
      LEDGER_RETURN_IF_ERROR(it->status());
    }
  } else {
    CustomerScope scope{req.filter(), req.include_archived(), DayRange()};
    scope.registered.to = range.to;
    LEDGER_RETURN_IF_ERROR(ForEachCustomer(
        *view, scope, control, [&](const v1::CustomerProfile& p) {
          add(proj::UtcDayKey(p.created_at()), +1);
          return absl::OkStatus();
        }));
  }

  int64_t cumulative = before;
  int64_t total = 0;
  for (size_t i = 0; i < periods.size(); ++i) {
    v1::NewCustomersPeriod* out = resp->add_periods();
    ToProto(periods[i], out->mutable_period());
    const int64_t n = counts[i];
    const int64_t prior = i == 0 ? previous_new : counts[i - 1];
    out->set_new_customers(static_cast<uint64_t>(n));
    if (prior > 0) {
      out->set_change_percent(static_cast<double>(n - prior) * 100.0 /
                              static_cast<double>(prior));
    }
    if (auto growth = Percent(static_cast<uint64_t>(n),
                              static_cast<uint64_t>(cumulative))) {
      out->set_base_growth_percent(*growth);
    }
    cumulative += n;
    total += n;
    out->set_cumulative(static_cast<uint64_t>(cumulative));
  }
  resp->set_total_new(static_cast<uint64_t>(total));
  resp->set_customers_before(static_cast<uint64_t>(before));
  resp->set_previous_period_new(static_cast<uint64_t>(previous_new));
  resp->set_as_of_position(view->position());
  return absl::OkStatus();
}

}  // namespace ledger::services::internal
