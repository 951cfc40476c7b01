#include "services/request_validation.h"

#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "google/protobuf/util/time_util.h"
#include "projections/customer_keys.h"
#include "projections/event_codec.h"
#include "projections/plain_payload.h"
#include "services/internal/payload_validation.h"
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

absl::Status ValidateStreamName(absl::string_view field,
                                absl::string_view stream) {
  if (stream == projections::kRulesStream) return absl::OkStatus();
  return ValidateCustomerId(field, stream);
}

namespace {

bool IsRuleEvent(const v1::EventPayload& payload) {
  return payload.has_classification_rule_saved() ||
         payload.has_classification_rule_removed();
}

absl::StatusOr<storage::AppendRequest> ValidateAppendTo(
    const v1::AppendRequest& request, const v1::AppendMetadata& meta,
    const ServiceLimits& limits, absl::Time now, bool rules_stream) {
  if (!rules_stream) {
    LEDGER_RETURN_IF_ERROR(
        ValidateCustomerId("customer_id", request.customer_id()));
  }
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
  out.dry_run = request.validate_only();
  out.events.reserve(request.events_size());
  const int64_t latest_micros = absl::ToUnixMicros(now + limits.max_clock_skew);
  // The latest calendar day anywhere (UTC+14): a date is in the future only
  // if it is so in every time zone.
  const absl::CivilDay today =
      absl::ToCivilDay(now + absl::Hours(14), absl::UTCTimeZone());
  size_t total_bytes = 0;
  bool registers = false;
  for (int i = 0; i < request.events_size(); ++i) {
    const v1::ProposedEvent& proposed = request.events(i);
    const std::string field = absl::StrCat("events[", i, "]");
    LEDGER_RETURN_IF_ERROR(
        ValidatePayload(field + ".payload", proposed.payload(), today));
    if (IsRuleEvent(proposed.payload()) != rules_stream) {
      return Invalid(field + ".payload",
                     rules_stream
                         ? "the rules stream takes only rule events"
                         : "rule events are saved with the ClassificationRules "
                           "service (SaveRule, RemoveRule), not appended to a "
                           "customer");
    }
    if (proposed.payload().has_customer_merged()) {
      if (proposed.payload().customer_merged().survivor_id() ==
          request.customer_id()) {
        return Invalid(
            field + ".payload.customer_merged.survivor_id",
            absl::StrCat("is the merged customer ", request.customer_id(),
                         " itself; name another customer"));
      }
      if (i + 1 != request.events_size()) {
        return Invalid(field + ".payload.customer_merged",
                       "must be the last event: it closes the customer's "
                       "stream");
      }
    }
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
    // The inline fold reads this instead of decoding (and, once sealed,
    // opening) the bytes again.
    event.decoded =
        std::make_shared<const projections::PlainPayload>(proposed.payload());

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

  if (rules_stream) {
    out.expected = storage::ExpectedVersion::Any();
    return out;
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

}  // namespace

absl::StatusOr<storage::AppendRequest> ValidateAppend(
    const v1::AppendRequest& request, const ServiceLimits& limits,
    absl::Time now) {
  return ValidateAppendTo(request, request.metadata(), limits, now,
                          /*rules_stream=*/false);
}

absl::StatusOr<storage::AppendRequest> ValidateAppend(
    const v1::AppendRequest& request, const v1::AppendMetadata& metadata,
    const ServiceLimits& limits, absl::Time now) {
  return ValidateAppendTo(request, metadata, limits, now,
                          /*rules_stream=*/false);
}

absl::StatusOr<storage::AppendRequest> ValidateRulesAppend(
    const v1::AppendRequest& request, const ServiceLimits& limits,
    absl::Time now) {
  if (request.customer_id() != projections::kRulesStream) {
    return Invalid("customer_id", "is not the rules stream");
  }
  return ValidateAppendTo(request, request.metadata(), limits, now,
                          /*rules_stream=*/true);
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
    LEDGER_RETURN_IF_ERROR(ValidateStreamName(
        absl::StrCat(field, ".customer_ids[", i, "]"), filter.customer_ids(i)));
    out.streams.push_back(filter.customer_ids(i));
  }
  return out;
}

}  // namespace ledger::services
