#include "tools/ledgerctl/record_commands.h"

#include <iostream>
#include <memory>

#include "grpcpp/grpcpp.h"
#include "ledger/v1/customer.grpc.pb.h"
#include "tools/ledgerctl/output.h"
#include "tools/ledgerctl/query_util.h"

namespace ledger::ctl {

namespace {

namespace v1 = ::ledger::v1;

std::unique_ptr<v1::CustomerQuery::Stub> Connect(const GlobalOptions& global) {
  return v1::CustomerQuery::NewStub(NewChannel(global));
}

std::string Stage(v1::OpportunityStage s) {
  return Label(v1::OpportunityStage_Name(s), "OPPORTUNITY_STAGE_");
}

}  // namespace

int RunTransactions(const GlobalOptions& global,
                    const TransactionsOptions& options) {
  v1::ListTransactionsRequest request;
  request.set_customer_id(options.customer_id);
  int exit_code = kExitOk;
  if (!options.from.empty() &&
      !ParseDate("--from", options.from, request.mutable_from_date(),
                 &exit_code)) {
    return exit_code;
  }
  if (!options.to.empty() &&
      !ParseDate("--to", options.to, request.mutable_to_date(), &exit_code)) {
    return exit_code;
  }
  request.set_page_size(options.page.page_size);
  request.set_page_token(options.page.page_token);
  auto stub = Connect(global);
  Table table({"DATE", "TRANSACTION", "AMOUNT", "PAYMENT", "PAID", "ITEMS",
               "CONTRACT / ORDER / INVOICE", "BY"});
  std::string next;
  grpc::Status status =
      FetchPages<v1::ListTransactionsRequest, v1::ListTransactionsResponse>(
          global, options.page.all_pages, request,
          [&](grpc::ClientContext* ctx, const v1::ListTransactionsRequest& req,
              v1::ListTransactionsResponse* resp) {
            return stub->ListTransactions(ctx, req, resp);
          },
          [&](const v1::ListTransactionsResponse& resp) {
            for (const v1::Transaction& t : resp.transactions()) {
              const v1::TransactionRecorded& d = t.details();
              std::string items;
              for (const v1::LineItem& item : d.items()) {
                if (!items.empty()) items += ", ";
                char qty[32];
                std::snprintf(qty, sizeof(qty), "%g", item.quantity());
                items += item.product() + " x" + qty;
              }
              std::string refs;
              for (const std::string* r :
                   {&d.contract_no(), &d.order_no(), &d.invoice_no()}) {
                refs += (refs.empty() ? "" : " / ") + Or(*r);
              }
              table.AddRow({FormatDate(d.date()), d.transaction_id(),
                            MoneyText(d.amount()),
                            Label(v1::PaymentStatus_Name(d.payment_status()),
                                  "PAYMENT_STATUS_"),
                            Or(MoneyText(d.paid_amount())),
                            Or(Truncate(items, 40)), refs,
                            Or(Truncate(t.recorded_by(), 16))});
            }
          },
          &next);
  if (!status.ok()) return RpcError(global, status);
  if (!global.json) {
    table.Print();
    if (table.empty()) std::cout << "(no transactions)\n";
    PrintMore(next);
  }
  return kExitOk;
}

int RunOpportunities(const GlobalOptions& global,
                     const RecordOptions& options) {
  v1::ListOpportunitiesRequest request;
  request.set_customer_id(options.customer_id);
  request.set_include_closed(options.include_closed);
  auto stub = Connect(global);
  v1::ListOpportunitiesResponse response;
  const int code = CallUnary(
      global,
      [&](grpc::ClientContext* ctx, v1::ListOpportunitiesResponse* resp) {
        return stub->ListOpportunities(ctx, request, resp);
      },
      &response);
  if (code != kExitOk || global.json) return code;
  Table table({"OPPORTUNITY", "TITLE", "STAGE", "EXPECTED", "CLOSE BY", "OWNER",
               "OPENED (UTC)", "STAGES"});
  for (const v1::Opportunity& o : response.opportunities()) {
    std::string stages;
    for (const v1::StageChange& c : o.history()) {
      stages += (stages.empty() ? "" : " > ") + Stage(c.stage());
    }
    std::string stage = Stage(o.stage());
    if (!o.lost_reason().empty()) stage += ": " + o.lost_reason();
    table.AddRow({o.details().opportunity_id(),
                  Truncate(o.details().title(), 32), Truncate(stage, 32),
                  Or(MoneyText(o.details().expected_amount())),
                  Or(FormatDate(o.details().expected_close())),
                  Or(o.details().owner_id()), FormatTime(o.opened_at()),
                  Truncate(stages, 60)});
  }
  table.Print();
  if (table.empty()) std::cout << "(no opportunities)\n";
  return kExitOk;
}

int RunServiceCases(const GlobalOptions& global, const RecordOptions& options) {
  v1::ListServiceCasesRequest request;
  request.set_customer_id(options.customer_id);
  for (const std::string& name : options.statuses) {
    v1::ServiceCaseStatus status = v1::SERVICE_CASE_STATUS_UNSPECIFIED;
    std::string valid;
    if (!ParseLabel(name, "SERVICE_CASE_STATUS_",
                    v1::ServiceCaseStatus_descriptor(), false, &status,
                    &valid)) {
      return UsageError("--status \"" + name + "\" is not one of: " + valid);
    }
    request.add_statuses(status);
  }
  auto stub = Connect(global);
  v1::ListServiceCasesResponse response;
  const int code = CallUnary(
      global,
      [&](grpc::ClientContext* ctx, v1::ListServiceCasesResponse* resp) {
        return stub->ListServiceCases(ctx, request, resp);
      },
      &response);
  if (code != kExitOk || global.json) return code;
  Table table({"CASE", "KIND", "SUBJECT", "STATUS", "ASSIGNED", "HANDLED BY",
               "OPENED (UTC)", "SATISFACTION"});
  for (const v1::ServiceCase& c : response.cases()) {
    std::string scores;
    for (uint32_t s : c.satisfaction_scores()) {
      if (!scores.empty()) scores += ",";
      scores += std::to_string(s);
    }
    table.AddRow(
        {c.details().case_id(),
         Label(v1::ServiceCaseKind_Name(c.details().kind()),
               "SERVICE_CASE_KIND_"),
         Truncate(c.details().subject(), 32),
         Label(v1::ServiceCaseStatus_Name(c.status()), "SERVICE_CASE_STATUS_"),
         Or(c.details().assigned_to()), Or(c.handled_by()),
         FormatTime(c.opened_at()), Or(scores)});
  }
  table.Print();
  if (table.empty()) std::cout << "(no service cases)\n";
  return kExitOk;
}

int RunMemberCards(const GlobalOptions& global, const RecordOptions& options) {
  v1::ListMemberCardsRequest request;
  request.set_customer_id(options.customer_id);
  auto stub = Connect(global);
  v1::ListMemberCardsResponse response;
  const int code = CallUnary(
      global,
      [&](grpc::ClientContext* ctx, v1::ListMemberCardsResponse* resp) {
        return stub->ListMemberCards(ctx, request, resp);
      },
      &response);
  if (code != kExitOk || global.json) return code;
  Table table({"CARD", "TIER", "STATUS", "VALID FROM", "VALID UNTIL",
               "REPLACES / REPLACED BY", "CHANGES"});
  for (const v1::MemberCard& card : response.cards()) {
    std::string status =
        Label(v1::MemberCardStatus_Name(card.status()), "MEMBER_CARD_STATUS_");
    if (card.expired()) status += " (expired)";
    std::string link = card.replaces().empty() ? "" : "< " + card.replaces();
    if (!card.replaced_by().empty()) link += "> " + card.replaced_by();
    table.AddRow({card.card_no(),
                  Label(v1::MemberTier_Name(card.tier()), "MEMBER_TIER_"),
                  status, FormatDate(card.valid_from()),
                  FormatDate(card.valid_until()), Or(link),
                  std::to_string(card.history_size())});
  }
  table.Print();
  if (table.empty()) std::cout << "(no member cards)\n";
  return kExitOk;
}

int RunDuplicates(const GlobalOptions& global,
                  const DuplicatesOptions& options) {
  v1::FindDuplicatesRequest request;
  request.set_customer_id(options.customer_id);
  request.set_min_name_similarity(options.min_similarity);
  request.set_page_size(options.page.page_size);
  request.set_page_token(options.page.page_token);
  auto stub = Connect(global);
  Table table({"CUSTOMER", "POSSIBLE DUPLICATE", "REASONS"});
  std::string next;
  grpc::Status status =
      FetchPages<v1::FindDuplicatesRequest, v1::FindDuplicatesResponse>(
          global, options.page.all_pages, request,
          [&](grpc::ClientContext* ctx, const v1::FindDuplicatesRequest& req,
              v1::FindDuplicatesResponse* resp) {
            return stub->FindDuplicates(ctx, req, resp);
          },
          [&](const v1::FindDuplicatesResponse& resp) {
            for (const v1::DuplicatePair& pair : resp.pairs()) {
              table.AddRow({pair.customer_id(), pair.other_customer_id(),
                            Join(pair.reasons(), "; ")});
            }
          },
          &next);
  if (!status.ok()) return RpcError(global, status);
  if (!global.json) {
    table.Print();
    if (table.empty()) std::cout << "(no duplicates found)\n";
    PrintMore(next);
  }
  return kExitOk;
}

}  // namespace ledger::ctl
