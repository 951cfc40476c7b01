#ifndef LEDGER_SERVICES_INTERNAL_REPORT_QUERIES_H_
#define LEDGER_SERVICES_INTERNAL_REPORT_QUERIES_H_

// The report logic behind ledger.v1.Reports, one function per RPC. Each
// validates its request first (INVALID_ARGUMENT naming the field; the
// CheckRequest overloads run the same checks alone, so the service can
// refuse a bad request before queueing it), then answers from one consistent
// StateView of the projections, whose position it returns as
// as_of_position. A report ends early with the status `control` returns.
//
// Costs (N = index entries in the range): CustomerBreakdown of an indexed
// dimension without range or filter, and NewCustomers without filter, count
// index keys and read only the archived customers' profiles; with a range or
// filter they read one profile per candidate (report_common.h,
// ForEachCustomer). Satisfaction and ChurnedCustomers read N keys, plus a
// profile per entry with a filter (and per listed churn); OpportunityConversion
// reads N keys and N opportunity records. Memory is bounded by the periods,
// the distinct values counted and the archived customers' ids.

#include "absl/status/status.h"
#include "ledger/v1/reports.pb.h"
#include "services/internal/report_common.h"
#include "storage/event_log.h"

namespace ledger::services::internal {

[[nodiscard]] absl::Status CheckRequest(
    const ledger::v1::CustomerBreakdownRequest& req);
[[nodiscard]] absl::Status CheckRequest(
    const ledger::v1::NewCustomersRequest& req);
[[nodiscard]] absl::Status CheckRequest(
    const ledger::v1::SatisfactionRequest& req);
[[nodiscard]] absl::Status CheckRequest(
    const ledger::v1::OpportunityConversionRequest& req);
[[nodiscard]] absl::Status CheckRequest(
    const ledger::v1::ChurnedCustomersRequest& req);

[[nodiscard]] absl::Status CustomerBreakdown(
    const storage::EventLog& log,
    const ledger::v1::CustomerBreakdownRequest& req, ReportControl& control,
    ledger::v1::CustomerBreakdownResponse* resp);
[[nodiscard]] absl::Status NewCustomers(
    const storage::EventLog& log, const ledger::v1::NewCustomersRequest& req,
    ReportControl& control, ledger::v1::NewCustomersResponse* resp);
[[nodiscard]] absl::Status Satisfaction(
    const storage::EventLog& log, const ledger::v1::SatisfactionRequest& req,
    ReportControl& control, ledger::v1::SatisfactionResponse* resp);
[[nodiscard]] absl::Status OpportunityConversion(
    const storage::EventLog& log,
    const ledger::v1::OpportunityConversionRequest& req, ReportControl& control,
    ledger::v1::OpportunityConversionResponse* resp);
[[nodiscard]] absl::Status ChurnedCustomers(
    const storage::EventLog& log,
    const ledger::v1::ChurnedCustomersRequest& req, ReportControl& control,
    ledger::v1::ChurnedCustomersResponse* resp);

}  // namespace ledger::services::internal

#endif  // LEDGER_SERVICES_INTERNAL_REPORT_QUERIES_H_
