#include "services/request_validation.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "google/protobuf/util/time_util.h"
#include "projections/event_codec.h"
#include "storage/status_macros.h"

namespace ledger::services {

namespace {

namespace v1 = ::ledger::v1;
using google::protobuf::util::TimeUtil;

constexpr size_t kMaxCustomerIdLength = 64;
constexpr size_t kMaxMetadataLength = 256;
constexpr size_t kMaxReasonLength = 2048;

absl::Status Invalid(absl::string_view field, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", why));
}

absl::Status CheckLength(absl::string_view field, absl::string_view value,
                         size_t max) {
  if (value.size() > max) {
    return Invalid(field, absl::StrCat("is ", value.size(), " bytes; at most ",
                                       max, " allowed"));
  }
  return absl::OkStatus();
}

bool IsValidDate(const v1::Date& d) {
  static constexpr int kDays[] = {31, 29, 31, 30, 31, 30,
                                  31, 31, 30, 31, 30, 31};
  if (d.year() < 1 || d.year() > 9999 || d.month() < 1 || d.month() > 12 ||
      d.day() < 1 || d.day() > kDays[d.month() - 1]) {
    return false;
  }
  if (d.month() == 2 && d.day() == 29) {
    const int y = d.year();
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  }
  return true;
}

absl::Status ValidateProfileFields(absl::string_view field,
                                   const v1::ProfileFields& p) {
  for (int i = 0; i < p.emails_size(); ++i) {
    const std::string& email = p.emails(i);
    const size_t at = email.find('@');
    if (at == std::string::npos || at == 0 || at + 1 >= email.size() ||
        email.find('.', at) == std::string::npos) {
      return Invalid(absl::StrCat(field, ".emails[", i, "]"),
                     absl::StrCat("\"", email,
                                  "\" is not an e-mail address (name@domain)"));
    }
  }
  for (int i = 0; i < p.phones_size(); ++i) {
    const std::string& phone = p.phones(i);
    int digits = 0;
    bool ok = !phone.empty();
    for (char c : phone) {
      if (c >= '0' && c <= '9') {
        ++digits;
      } else if (c != '+' && c != '-' && c != ' ' && c != '(' && c != ')') {
        ok = false;
      }
    }
    if (!ok || digits < 5 || digits > 20) {
      return Invalid(absl::StrCat(field, ".phones[", i, "]"),
                     absl::StrCat("\"", phone,
                                  "\" is not a phone number (5-20 digits, "
                                  "optionally with + - ( ) and spaces)"));
    }
  }
  return absl::OkStatus();
}

absl::Status ValidatePayload(absl::string_view field,
                             const v1::EventPayload& payload) {
  switch (payload.kind_case()) {
    case v1::EventPayload::kCustomerRegistered: {
      const auto& e = payload.customer_registered();
      if (e.kind() == v1::CUSTOMER_KIND_UNSPECIFIED ||
          !v1::CustomerKind_IsValid(e.kind())) {
        return Invalid(absl::StrCat(field, ".customer_registered.kind"),
                       "must be CUSTOMER_KIND_INDIVIDUAL or "
                       "CUSTOMER_KIND_ORGANIZATION");
      }
      if (e.profile().name().empty()) {
        return Invalid(absl::StrCat(field, ".customer_registered.profile.name"),
                       "is required");
      }
      return ValidateProfileFields(
          absl::StrCat(field, ".customer_registered.profile"), e.profile());
    }
    case v1::EventPayload::kProfileUpdated: {
      const auto& e = payload.profile_updated();
      const std::string mask_field =
          absl::StrCat(field, ".profile_updated.update_mask");
      if (e.update_mask().paths_size() == 0) {
        return Invalid(mask_field,
                       "is empty; name the profile fields to change, e.g. "
                       "\"phones,address\"");
      }
      const auto* descriptor = v1::ProfileFields::descriptor();
      for (const std::string& path : e.update_mask().paths()) {
        const std::string top = path.substr(0, path.find('.'));
        const auto* f = descriptor->FindFieldByName(top);
        bool ok = f != nullptr;
        if (ok && top.size() != path.size()) {
          ok = f->message_type() != nullptr &&
               f->message_type()->FindFieldByName(
                   path.substr(top.size() + 1)) != nullptr;
        }
        if (!ok) {
          return Invalid(
              mask_field,
              absl::StrCat("\"", path, "\" is not a field of ProfileFields"));
        }
        if (path == "name" && e.profile().name().empty()) {
          return Invalid(mask_field, "\"name\" cannot be cleared");
        }
      }
      return ValidateProfileFields(
          absl::StrCat(field, ".profile_updated.profile"), e.profile());
    }
    case v1::EventPayload::kContactLogged: {
      const auto& e = payload.contact_logged();
      if (e.channel() == v1::CONTACT_CHANNEL_UNSPECIFIED ||
          !v1::ContactChannel_IsValid(e.channel())) {
        return Invalid(absl::StrCat(field, ".contact_logged.channel"),
                       absl::StrCat("is required and must be a known channel "
                                    "(got ",
                                    e.channel(), ")"));
      }
      if (!v1::ContactRole_IsValid(e.contact_role())) {
        return Invalid(absl::StrCat(field, ".contact_logged.contact_role"),
                       absl::StrCat("unknown role ", e.contact_role()));
      }
      if (e.content().empty()) {
        return Invalid(absl::StrCat(field, ".contact_logged.content"),
                       "is required: what was discussed");
      }
      if (e.has_next_follow_up() && !IsValidDate(e.next_follow_up())) {
        const auto& d = e.next_follow_up();
        return Invalid(absl::StrCat(field, ".contact_logged.next_follow_up"),
                       absl::StrCat(d.year(), "-", d.month(), "-", d.day(),
                                    " is not a valid date"));
      }
      return absl::OkStatus();
    }
    case v1::EventPayload::kCustomerClassified: {
      const auto& e = payload.customer_classified();
      const std::string f = absl::StrCat(field, ".customer_classified");
      if (!v1::Grade_IsValid(e.grade())) {
        return Invalid(f + ".grade", absl::StrCat("unknown grade ", e.grade()));
      }
      if (!v1::ValueTier_IsValid(e.value_tier())) {
        return Invalid(f + ".value_tier",
                       absl::StrCat("unknown value tier ", e.value_tier()));
      }
      if (!v1::LifecycleStage_IsValid(e.lifecycle_stage())) {
        return Invalid(f + ".lifecycle_stage",
                       absl::StrCat("unknown stage ", e.lifecycle_stage()));
      }
      if (!v1::CustomerNature_IsValid(e.nature())) {
        return Invalid(f + ".nature",
                       absl::StrCat("unknown nature ", e.nature()));
      }
      if (e.grade() == 0 && e.value_tier() == 0 && e.lifecycle_stage() == 0 &&
          e.nature() == 0 && e.tags_added().empty() &&
          e.tags_removed().empty()) {
        return Invalid(f,
                       "changes nothing; set a grade, value tier, "
                       "lifecycle stage, nature or tags");
      }
      if (e.by_rule().empty() && e.rule_version() != 0) {
        return Invalid(f + ".rule_version", "is set but by_rule is empty");
      }
      return absl::OkStatus();
    }
    case v1::EventPayload::kOwnerAssigned:
      if (payload.owner_assigned().owner_id().empty()) {
        return Invalid(absl::StrCat(field, ".owner_assigned.owner_id"),
                       "is required");
      }
      return absl::OkStatus();
    case v1::EventPayload::kCustomerArchived:
      return absl::OkStatus();
    case v1::EventPayload::KIND_NOT_SET:
      break;
  }
  return Invalid(
      field, absl::StrCat("no event is set; set one of ",
                          absl::StrJoin(projections::KnownEventTypes(), ", ")));
}

}  // namespace

absl::Status ValidateCustomerId(absl::string_view field, absl::string_view id) {
  if (id.empty()) return Invalid(field, "is required");
  bool ok = id.size() <= kMaxCustomerIdLength;
  for (char c : id) {
    ok = ok && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.' ||
                c == ':');
  }
  if (!ok) {
    return Invalid(field, absl::StrCat("\"", id,
                                       "\" is not a customer id: use 1-64 "
                                       "characters from A-Z a-z 0-9 _ - . :"));
  }
  return absl::OkStatus();
}

size_t PageSize(uint32_t limit, const ServiceLimits& limits) {
  if (limit == 0) return limits.default_read_page;
  return std::min<size_t>(limit, limits.max_read_page);
}

absl::StatusOr<storage::AppendRequest> ValidateAppend(
    const v1::AppendRequest& request, const ServiceLimits& limits,
    absl::Time now) {
  LEDGER_RETURN_IF_ERROR(
      ValidateCustomerId("customer_id", request.customer_id()));
  const v1::AppendMetadata& meta = request.metadata();
  if (meta.actor().empty()) {
    return Invalid("metadata.actor", "is required: who makes this change");
  }
  LEDGER_RETURN_IF_ERROR(
      CheckLength("metadata.actor", meta.actor(), kMaxMetadataLength));
  LEDGER_RETURN_IF_ERROR(
      CheckLength("metadata.reason", meta.reason(), kMaxReasonLength));
  LEDGER_RETURN_IF_ERROR(CheckLength(
      "metadata.correlation_id", meta.correlation_id(), kMaxMetadataLength));
  LEDGER_RETURN_IF_ERROR(CheckLength("metadata.causation_id",
                                     meta.causation_id(), kMaxMetadataLength));
  LEDGER_RETURN_IF_ERROR(
      CheckLength("metadata.service", meta.service(), kMaxMetadataLength));
  LEDGER_RETURN_IF_ERROR(CheckLength("metadata.on_behalf_of",
                                     meta.on_behalf_of(), kMaxMetadataLength));
  LEDGER_RETURN_IF_ERROR(
      CheckLength("request_id", request.request_id(), kMaxMetadataLength));

  if (request.events_size() == 0) {
    return Invalid("events", "is empty; an append needs at least one event");
  }
  if (static_cast<size_t>(request.events_size()) >
      limits.max_events_per_append) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "events: ", request.events_size(),
        " events in one append; the limit is ", limits.max_events_per_append,
        " (--max-events-per-append); split the append"));
  }

  storage::AppendRequest out;
  out.stream = request.customer_id();
  out.request_id = request.request_id();
  out.events.reserve(request.events_size());
  const int64_t latest_micros = absl::ToUnixMicros(now + limits.max_clock_skew);
  size_t total_bytes = 0;
  bool registers = false;
  for (int i = 0; i < request.events_size(); ++i) {
    const v1::ProposedEvent& proposed = request.events(i);
    const std::string field = absl::StrCat("events[", i, "]");
    LEDGER_RETURN_IF_ERROR(
        ValidatePayload(field + ".payload", proposed.payload()));
    if (proposed.payload().has_customer_registered()) {
      if (i != 0) {
        return Invalid(field + ".payload.customer_registered",
                       "must be the first event of the append; it opens a "
                       "new customer");
      }
      registers = true;
    }
    LEDGER_RETURN_IF_ERROR(
        CheckLength(field + ".reason", proposed.reason(), kMaxReasonLength));

    storage::ProposedEvent& event = out.events.emplace_back();
    event.type = proposed.payload()
                     .GetDescriptor()
                     ->FindFieldByNumber(proposed.payload().kind_case())
                     ->message_type()
                     ->name();
    event.payload = projections::EncodePayload(proposed.payload());
    if (event.payload.size() > limits.max_event_bytes) {
      return absl::ResourceExhaustedError(absl::StrCat(
          field, ".payload: ", event.payload.size(), " bytes; the limit is ",
          limits.max_event_bytes, " (--max-event-bytes)"));
    }
    total_bytes += event.payload.size();
    if (total_bytes > limits.max_append_bytes) {
      return absl::ResourceExhaustedError(absl::StrCat(
          "events: the payloads add up to more than ", limits.max_append_bytes,
          " bytes at ", field, " (--max-append-bytes); split the append"));
    }

    storage::EventMetadata& m = event.metadata;
    m.actor = meta.actor();
    m.reason = proposed.reason().empty() ? meta.reason() : proposed.reason();
    m.correlation_id = meta.correlation_id();
    m.causation_id = meta.causation_id();
    m.service = meta.service();
    m.on_behalf_of = meta.on_behalf_of();
    if (proposed.has_occurred_at()) {
      const auto& ts = proposed.occurred_at();
      if (ts.nanos() < 0 || ts.nanos() > 999999999 || ts.seconds() <= 0 ||
          ts.seconds() > TimeUtil::kTimestampMaxSeconds) {
        return Invalid(
            field + ".occurred_at",
            absl::StrCat("seconds=", ts.seconds(), " nanos=", ts.nanos(),
                         " is not a valid time after 1970"));
      }
      m.occurred_at_micros = TimeUtil::TimestampToMicroseconds(ts);
      if (m.occurred_at_micros > latest_micros) {
        return Invalid(field + ".occurred_at",
                       absl::StrCat(TimeUtil::ToString(ts), " is more than ",
                                    absl::FormatDuration(limits.max_clock_skew),
                                    " in the future (server time ",
                                    absl::FormatTime(now), ")"));
      }
    }
    // Unset stays 0: the log then uses the commit time, and a retry of the
    // same request stays byte-identical for the idempotency check.
  }

  // A customer's stream opens with CustomerRegistered and only with it.
  const v1::ExpectedVersion& ev = request.expected_version();
  switch (ev.kind_case()) {
    case v1::ExpectedVersion::KIND_NOT_SET:
    case v1::ExpectedVersion::kAny:
      out.expected = registers ? storage::ExpectedVersion::NoStream()
                               : storage::ExpectedVersion::StreamExists();
      break;
    case v1::ExpectedVersion::kNoStream:
      out.expected = storage::ExpectedVersion::NoStream();
      break;
    case v1::ExpectedVersion::kStreamExists:
      out.expected = storage::ExpectedVersion::StreamExists();
      break;
    case v1::ExpectedVersion::kExact:
      out.expected = storage::ExpectedVersion::Exact(ev.exact());
      break;
  }
  const bool expects_new =
      out.expected.kind == storage::ExpectedVersion::Kind::kNoStream ||
      (out.expected.kind == storage::ExpectedVersion::Kind::kExact &&
       out.expected.version == 0);
  if (registers && !expects_new) {
    return Invalid("expected_version",
                   "CustomerRegistered opens a new customer, so "
                   "expected_version must be any, no_stream or exact 0");
  }
  if (!registers && expects_new) {
    return Invalid("events[0].payload",
                   "a new customer's first event must be CustomerRegistered");
  }
  if (out.expected.kind == storage::ExpectedVersion::Kind::kExact &&
      out.expected.version == 0) {
    out.expected = storage::ExpectedVersion::NoStream();
  }
  return out;
}

absl::StatusOr<storage::LogFilter> ValidateFilter(absl::string_view field,
                                                  const v1::EventFilter& filter,
                                                  const ServiceLimits& limits) {
  storage::LogFilter out;
  if (static_cast<size_t>(filter.event_types_size()) >
          limits.max_filter_values ||
      static_cast<size_t>(filter.customer_ids_size()) >
          limits.max_filter_values) {
    return Invalid(field, absl::StrCat("at most ", limits.max_filter_values,
                                       " values per list"));
  }
  for (int i = 0; i < filter.event_types_size(); ++i) {
    const std::string& type = filter.event_types(i);
    if (!projections::IsKnownEventType(type)) {
      return Invalid(
          absl::StrCat(field, ".event_types[", i, "]"),
          absl::StrCat("\"", type, "\" is not an event type; known types: ",
                       absl::StrJoin(projections::KnownEventTypes(), ", ")));
    }
    out.types.push_back(type);
  }
  for (int i = 0; i < filter.customer_ids_size(); ++i) {
    LEDGER_RETURN_IF_ERROR(ValidateCustomerId(
        absl::StrCat(field, ".customer_ids[", i, "]"), filter.customer_ids(i)));
    out.streams.push_back(filter.customer_ids(i));
  }
  return out;
}

}  // namespace ledger::services
