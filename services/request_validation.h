#ifndef LEDGER_SERVICES_REQUEST_VALIDATION_H_
#define LEDGER_SERVICES_REQUEST_VALIDATION_H_

// Checks of incoming Ledger requests. Every error names the offending field,
// says why it is wrong and shows the value or limit involved.

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "ledger/v1/ledger.pb.h"
#include "services/service_limits.h"
#include "storage/append_request.h"
#include "storage/event_log.h"

namespace ledger::services {

// INVALID_ARGUMENT unless `id` is 1-64 characters of [A-Za-z0-9_.:-].
[[nodiscard]] absl::Status ValidateCustomerId(absl::string_view field,
                                              absl::string_view id);

// Validates an AppendRequest and converts it to a storage append: payloads
// serialized, occurred_at defaulted to `now` and truncated to microseconds,
// and the customer rule applied that CustomerRegistered opens a stream and
// every other event needs an existing one. INVALID_ARGUMENT or
// RESOURCE_EXHAUSTED on bad input. Rule events are refused: only the
// ClassificationRules service appends them, to the rules stream.
[[nodiscard]] absl::StatusOr<storage::AppendRequest> ValidateAppend(
    const ledger::v1::AppendRequest& request, const ServiceLimits& limits,
    absl::Time now);

// As above with `metadata` in place of request.metadata() (the metadata
// the Authorizer settled: actor and on_behalf_of of the principal).
[[nodiscard]] absl::StatusOr<storage::AppendRequest> ValidateAppend(
    const ledger::v1::AppendRequest& request,
    const ledger::v1::AppendMetadata& metadata, const ServiceLimits& limits,
    absl::Time now);

// As ValidateAppend for the rules' system stream (request.customer_id is
// projections::kRulesStream): only rule events, any expected version.
[[nodiscard]] absl::StatusOr<storage::AppendRequest> ValidateRulesAppend(
    const ledger::v1::AppendRequest& request, const ServiceLimits& limits,
    absl::Time now);

// A customer id, or the name of a system stream (reads only).
[[nodiscard]] absl::Status ValidateStreamName(absl::string_view field,
                                              absl::string_view stream);

// Validates a read filter (known event types, valid customer ids, list
// sizes) and converts it. `field` prefixes error messages.
[[nodiscard]] absl::StatusOr<storage::LogFilter> ValidateFilter(
    absl::string_view field, const ledger::v1::EventFilter& filter,
    const ServiceLimits& limits);

// The page size to use for a requested `limit` (0: the default).
size_t PageSize(uint32_t limit, const ServiceLimits& limits);

}  // namespace ledger::services

#endif  // LEDGER_SERVICES_REQUEST_VALIDATION_H_
