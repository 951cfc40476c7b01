#include "services/internal/permissions.h"

namespace ledger::services::internal {

namespace {

constexpr Access Y = Access::kAllowed;
constexpr Access N = Access::kDenied;
constexpr Access O = Access::kOwnCustomers;
constexpr Access S = Access::kSelf;
constexpr Access W = Access::kWithWriteGrant;

struct Entry {
  const char* method;
  // By role: admin, manager, sales, service, auditor.
  Access admin, manager, sales, service, auditor;
};

// Every RPC of every ledger.v1 service, plus the planned
// Ledger/ForgetCustomer and Admin/RotateMasterKey. A test fails when an RPC
// of the proto descriptors has no entry here.
constexpr Entry kTable[] = {
    // method                                       adm man sal srv aud
    {"/ledger.v1.Ledger/Append", Y, Y, O, W, N},
    {"/ledger.v1.Ledger/MergeCustomers", Y, Y, O, W, N},
    {"/ledger.v1.Ledger/ReadStream", Y, Y, O, Y, Y},
    {"/ledger.v1.Ledger/ReadAll", Y, Y, N, Y, Y},
    {"/ledger.v1.Ledger/Subscribe", Y, Y, N, Y, Y},
    {"/ledger.v1.Ledger/GetInfo", Y, Y, Y, Y, Y},
    {"/ledger.v1.Ledger/ForgetCustomer", Y, N, N, N, N},

    {"/ledger.v1.Admin/RebuildProjections", Y, N, N, N, N},
    {"/ledger.v1.Admin/CancelRebuildProjections", Y, N, N, N, N},
    {"/ledger.v1.Admin/RotateMasterKey", Y, N, N, N, N},

    {"/ledger.v1.CustomerQuery/GetProfile", Y, Y, O, Y, N},
    {"/ledger.v1.CustomerQuery/ListTimeline", Y, Y, O, Y, N},
    {"/ledger.v1.CustomerQuery/GetClassification", Y, Y, O, Y, Y},
    {"/ledger.v1.CustomerQuery/SearchCustomers", Y, Y, O, Y, N},
    {"/ledger.v1.CustomerQuery/ListDueFollowUps", Y, Y, O, Y, N},
    {"/ledger.v1.CustomerQuery/ListTransactions", Y, Y, O, Y, N},
    {"/ledger.v1.CustomerQuery/ListOpportunities", Y, Y, O, Y, N},
    {"/ledger.v1.CustomerQuery/ListServiceCases", Y, Y, O, Y, N},
    {"/ledger.v1.CustomerQuery/ListMemberCards", Y, Y, O, Y, N},
    {"/ledger.v1.CustomerQuery/FindDuplicates", Y, Y, O, Y, N},

    {"/ledger.v1.ClassificationRules/SaveRule", Y, Y, N, N, N},
    {"/ledger.v1.ClassificationRules/RemoveRule", Y, Y, N, N, N},
    {"/ledger.v1.ClassificationRules/ListRules", Y, Y, Y, Y, Y},
    {"/ledger.v1.ClassificationRules/EvaluateRules", Y, Y, N, N, N},

    {"/ledger.v1.Reports/CustomerBreakdown", Y, Y, N, Y, N},
    {"/ledger.v1.Reports/NewCustomers", Y, Y, N, Y, N},
    {"/ledger.v1.Reports/Satisfaction", Y, Y, N, Y, N},
    {"/ledger.v1.Reports/OpportunityConversion", Y, Y, N, Y, N},
    {"/ledger.v1.Reports/ChurnedCustomers", Y, Y, N, Y, N},

    {"/ledger.v1.Integrity/GetDigest", Y, Y, Y, Y, Y},
    {"/ledger.v1.Integrity/GetInclusionProof", Y, Y, Y, Y, Y},
    {"/ledger.v1.Integrity/GetConsistencyProof", Y, Y, Y, Y, Y},

    {"/ledger.v1.Audit/GetFieldHistory", Y, Y, O, Y, Y},
    {"/ledger.v1.Audit/ListChangesByActor", Y, Y, S, Y, Y},
    {"/ledger.v1.Audit/ListAccess", Y, N, N, N, Y},
};

}  // namespace

absl::string_view AccessName(Access access) {
  switch (access) {
    case Access::kDenied:
      return "denied";
    case Access::kAllowed:
      return "allowed";
    case Access::kOwnCustomers:
      return "own customers";
    case Access::kSelf:
      return "self only";
    case Access::kWithWriteGrant:
      return "with write grant";
  }
  return "?";
}

std::optional<Access> AccessFor(absl::string_view method, Role role) {
  for (const Entry& entry : kTable) {
    if (method != entry.method) continue;
    switch (role) {
      case Role::kAdmin:
        return entry.admin;
      case Role::kManager:
        return entry.manager;
      case Role::kSales:
        return entry.sales;
      case Role::kService:
        return entry.service;
      case Role::kAuditor:
        return entry.auditor;
    }
  }
  return std::nullopt;
}

std::vector<std::string> PermissionMethods() {
  std::vector<std::string> methods;
  for (const Entry& entry : kTable) methods.emplace_back(entry.method);
  return methods;
}

}  // namespace ledger::services::internal
