#ifndef LEDGER_SERVICES_INTERNAL_AUDIT_QUERIES_H_
#define LEDGER_SERVICES_INTERNAL_AUDIT_QUERIES_H_

// The query logic behind ledger.v1.Audit's "who changed what": one function
// per RPC. Each validates its request (INVALID_ARGUMENT naming the field)
// and answers from one consistent StateView.

#include <functional>

#include "absl/status/status.h"
#include "ledger/v1/audit.pb.h"
#include "ledger/v1/customer.pb.h"
#include "projections/payload_opener.h"
#include "services/service_limits.h"
#include "storage/event_log.h"

namespace ledger::services::internal {

// Applied to every value of a field history before it is printed: a
// CustomerProfile in which only the asked-for field is set (a "holder",
// projections/field_path.h), so a masking of customer files for principals
// without the personal-data grant applies unchanged. Values are compared
// (change or not) before masking.
using HolderMask = std::function<void(ledger::v1::CustomerProfile* holder)>;

// Every value req.field_path had in the customer's file, oldest first: the
// file is folded event by event with the projections' fold (file_replay.h)
// and an entry is emitted wherever the field's canonical JSON changes,
// including the changes a merged customer's file brought (FieldChange.
// file_id). A merged id resolves to its survivor. NOT_FOUND: unknown
// customer; INVALID_ARGUMENT: bad customer id or field path.
[[nodiscard]] absl::Status GetFieldHistory(
    const storage::EventLog& log, const ledger::v1::GetFieldHistoryRequest& req,
    ledger::v1::GetFieldHistoryResponse* resp, const HolderMask& mask = nullptr,
    const projections::PayloadOpener* opener = nullptr);

// The events whose actor (and, with include_on_behalf_of, whose
// on_behalf_of) is req.actor, committed in [from, to), in position order,
// from the log's principal index (EventLog::ListByPrincipal). Pages hold at
// most limits.max_read_page events (default limits.default_read_page); the
// token names the last event listed, so every event appears on exactly one
// page even while appends continue.
[[nodiscard]] absl::Status ListChangesByActor(
    const storage::EventLog& log,
    const ledger::v1::ListChangesByActorRequest& req,
    const ServiceLimits& limits, ledger::v1::ListChangesByActorResponse* resp);

}  // namespace ledger::services::internal

#endif  // LEDGER_SERVICES_INTERNAL_AUDIT_QUERIES_H_
