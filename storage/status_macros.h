#ifndef LEDGER_STORAGE_STATUS_MACROS_H_
#define LEDGER_STORAGE_STATUS_MACROS_H_

// Early-return helpers for absl::Status / absl::StatusOr (Abseil 20220623
// ships none). Used by every module of customer-ledger.
//
//   LEDGER_RETURN_IF_ERROR(DoThing());
//   LEDGER_ASSIGN_OR_RETURN(auto value, ComputeValue());

#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define LEDGER_RETURN_IF_ERROR(expr)                 \
  do {                                               \
    ::absl::Status ledger_status_ = (expr);          \
    if (!ledger_status_.ok()) return ledger_status_; \
  } while (false)

#define LEDGER_STATUS_CONCAT_INNER_(a, b) a##b
#define LEDGER_STATUS_CONCAT_(a, b) LEDGER_STATUS_CONCAT_INNER_(a, b)

#define LEDGER_ASSIGN_OR_RETURN(lhs, rexpr) \
  LEDGER_ASSIGN_OR_RETURN_IMPL_(            \
      LEDGER_STATUS_CONCAT_(ledger_statusor_, __LINE__), lhs, rexpr)

#define LEDGER_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, rexpr) \
  auto statusor = (rexpr);                                  \
  if (!statusor.ok()) return std::move(statusor).status();  \
  lhs = std::move(statusor).value()

#endif  // LEDGER_STORAGE_STATUS_MACROS_H_
