#include "services/internal/record_queries.h"

#include <algorithm>
#include <memory>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "projections/customer_keys.h"
#include "projections/customer_records.h"
#include "services/internal/query_common.h"
#include "services/internal/validation_util.h"
#include "services/request_validation.h"
#include "storage/status_macros.h"

namespace ledger::services::internal {

namespace {

namespace v1 = ::ledger::v1;
namespace proj = ::ledger::projections;

// Parses every record of one kind of a customer, in id order, after
// checking that the customer exists.
template <typename Record>
absl::Status LoadRecords(const storage::EventLog& log,
                         const std::string& customer_id, proj::RecordKind kind,
                         std::vector<Record>* out) {
  LEDGER_RETURN_IF_ERROR(ValidateCustomerId("customer_id", customer_id));
  std::unique_ptr<storage::StateView> view = log.GetStateView();
  v1::CustomerProfile profile;
  std::string resolved_from;
  LEDGER_RETURN_IF_ERROR(
      ResolveProfile(*view, customer_id, &profile, &resolved_from));
  return LoadFileRecords(*view, profile, kind, out);
}

std::tuple<int, int, int> DateTuple(const v1::Date& d) {
  return {d.year(), d.month(), d.day()};
}

// Newest first: (date, position) descending. The page token is the last
// entry's "YYYYMMDD:position".
std::string TransactionToken(const v1::Transaction& t) {
  return absl::StrCat(proj::DateKey(t.details().date()), ":", t.position());
}

}  // namespace

absl::Status ListTransactions(const storage::EventLog& log,
                              const v1::ListTransactionsRequest& req,
                              v1::ListTransactionsResponse* resp) {
  if (req.has_from_date()) {
    LEDGER_RETURN_IF_ERROR(CheckDate("from_date", req.from_date()));
  }
  if (req.has_to_date()) {
    LEDGER_RETURN_IF_ERROR(CheckDate("to_date", req.to_date()));
  }
  std::string after;
  LEDGER_RETURN_IF_ERROR(DecodeToken(req.page_token(), &after));
  uint64_t after_position = 0;
  std::string after_date;
  if (!after.empty()) {
    std::vector<std::string> parts = absl::StrSplit(after, ':');
    if (parts.size() != 2 || parts[0].size() != 8 ||
        !absl::SimpleAtoi(parts[1], &after_position)) {
      return Invalid("page_token", "is not a ListTransactions token");
    }
    after_date = parts[0];
  }
  std::vector<v1::Transaction> all;
  LEDGER_RETURN_IF_ERROR(LoadRecords(log, req.customer_id(),
                                     proj::RecordKind::kTransaction, &all));
  auto newer = [](const v1::Transaction& a, const v1::Transaction& b) {
    return std::make_tuple(DateTuple(a.details().date()), a.position()) >
           std::make_tuple(DateTuple(b.details().date()), b.position());
  };
  std::sort(all.begin(), all.end(), newer);
  const uint32_t page = Page(req.page_size());
  for (v1::Transaction& t : all) {
    const v1::Date& date = t.details().date();
    if (req.has_from_date() && DateTuple(date) < DateTuple(req.from_date())) {
      continue;
    }
    if (req.has_to_date() && DateTuple(date) > DateTuple(req.to_date())) {
      continue;
    }
    if (!after.empty()) {
      const std::string date_key = proj::DateKey(date);
      if (date_key > after_date ||
          (date_key == after_date && t.position() >= after_position)) {
        continue;
      }
    }
    if (resp->transactions_size() == static_cast<int>(page)) {
      const v1::Transaction& last = *resp->transactions().rbegin();
      resp->set_next_page_token(EncodeToken(TransactionToken(last)));
      break;
    }
    *resp->add_transactions() = std::move(t);
  }
  return absl::OkStatus();
}

absl::Status ListOpportunities(const storage::EventLog& log,
                               const v1::ListOpportunitiesRequest& req,
                               v1::ListOpportunitiesResponse* resp) {
  std::vector<v1::Opportunity> all;
  LEDGER_RETURN_IF_ERROR(LoadRecords(log, req.customer_id(),
                                     proj::RecordKind::kOpportunity, &all));
  for (v1::Opportunity& o : all) {
    if (o.closed() && !req.include_closed()) continue;
    *resp->add_opportunities() = std::move(o);
  }
  return absl::OkStatus();
}

absl::Status ListServiceCases(const storage::EventLog& log,
                              const v1::ListServiceCasesRequest& req,
                              v1::ListServiceCasesResponse* resp) {
  for (int i = 0; i < req.statuses_size(); ++i) {
    LEDGER_RETURN_IF_ERROR(CheckRequiredEnum(absl::StrCat("statuses[", i, "]"),
                                             req.statuses(i),
                                             v1::ServiceCaseStatus_IsValid));
  }
  std::vector<v1::ServiceCase> all;
  LEDGER_RETURN_IF_ERROR(LoadRecords(log, req.customer_id(),
                                     proj::RecordKind::kServiceCase, &all));
  for (v1::ServiceCase& c : all) {
    if (req.statuses_size() > 0 &&
        std::find(req.statuses().begin(), req.statuses().end(), c.status()) ==
            req.statuses().end()) {
      continue;
    }
    *resp->add_cases() = std::move(c);
  }
  return absl::OkStatus();
}

absl::Status ListMemberCards(const storage::EventLog& log,
                             const v1::ListMemberCardsRequest& req,
                             absl::CivilDay today,
                             v1::ListMemberCardsResponse* resp) {
  std::vector<v1::MemberCard> all;
  LEDGER_RETURN_IF_ERROR(
      LoadRecords(log, req.customer_id(), proj::RecordKind::kMemberCard, &all));
  for (v1::MemberCard& card : all) {
    const v1::Date& until = card.valid_until();
    card.set_expired(absl::CivilDay(until.year(), until.month(), until.day()) <
                     today);
    *resp->add_cards() = std::move(card);
  }
  return absl::OkStatus();
}

}  // namespace ledger::services::internal
