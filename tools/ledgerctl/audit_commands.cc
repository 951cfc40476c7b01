#include "tools/ledgerctl/audit_commands.h"

#include <iostream>
#include <memory>

#include "google/protobuf/util/time_util.h"
#include "grpcpp/grpcpp.h"
#include "ledger/v1/audit.grpc.pb.h"
#include "tools/ledgerctl/output.h"
#include "tools/ledgerctl/query_util.h"

namespace ledger::ctl {

namespace {

namespace v1 = ::ledger::v1;
using google::protobuf::util::TimeUtil;

constexpr int64_t kDaySeconds = 86400;

// A day (YYYY-MM-DD, UTC; `end_of_day`: the start of the next day, so the
// day is included) or an RFC 3339 time.
bool ParseDayOrTime(const std::string& flag, const std::string& text,
                    bool end_of_day, google::protobuf::Timestamp* ts,
                    int* exit_code) {
  if (text.size() == 10) {
    v1::Date day;
    if (!ParseDate(flag, text, &day, exit_code)) return false;
    const std::string midnight = text + "T00:00:00Z";
    if (!TimeUtil::FromString(midnight, ts)) {
      *exit_code = UsageError(flag + " \"" + text + "\" is not a real day");
      return false;
    }
    if (end_of_day) ts->set_seconds(ts->seconds() + kDaySeconds);
    return true;
  }
  return ParseTime(flag, text, ts, exit_code);
}

// --from (from that day's start) and --to (through that day's end) into
// request's from/to, each left unset when not given.
template <typename Request>
bool ParseRange(const std::string& from, const std::string& to,
                Request* request, int* exit_code) {
  return (from.empty() || ParseDayOrTime("--from", from, false,
                                         request->mutable_from(), exit_code)) &&
         (to.empty() ||
          ParseDayOrTime("--to", to, true, request->mutable_to(), exit_code));
}

// A field value for the table: "(none)" for an unset or empty field.
std::string Value(const std::string& json) {
  return json.empty() ? "(none)" : Truncate(json, 48);
}

int RunHistory(const GlobalOptions& global, const HistoryOptions& o) {
  v1::GetFieldHistoryRequest request;
  request.set_customer_id(o.customer_id);
  request.set_field_path(o.field_path);
  auto stub = v1::Audit::NewStub(NewChannel(global));
  v1::GetFieldHistoryResponse response;
  const int code = CallUnary(
      global,
      [&](grpc::ClientContext* ctx, v1::GetFieldHistoryResponse* resp) {
        return stub->GetFieldHistory(ctx, request, resp);
      },
      &response);
  if (code != kExitOk || global.json) return code;
  if (!response.resolved_from().empty()) {
    std::cout << response.resolved_from() << " was merged into "
              << response.customer_id() << "; showing its file\n";
  }
  Table table({"POSITION", "RECORDED (UTC)", "OCCURRED (UTC)", "ACTOR",
               "ON BEHALF OF", "CHANGE", "REASON"});
  for (const v1::FieldChange& c : response.changes()) {
    // Changes made in a merged customer's own file, before its merge, say
    // whose file they were.
    const std::string whose =
        c.file_id() != response.customer_id() ? "[" + c.file_id() + "] " : "";
    const std::string merged = c.event_type() == "CustomerMerged" &&
                                       c.file_id() == response.customer_id()
                                   ? " (merge of " + c.customer_id() + ")"
                                   : "";
    table.AddRow(
        {std::to_string(c.position()), FormatTime(c.recorded_at()),
         FormatTime(c.occurred_at()), Or(c.actor()), Or(c.on_behalf_of()),
         whose + Value(c.old_value()) + " → " + Value(c.new_value()) + merged,
         Or(Truncate(c.reason(), 32))});
  }
  std::cout << response.customer_id() << " " << response.field_path()
            << " now: " << Value(response.current_value()) << "\n";
  if (table.empty()) {
    std::cout << "(never set)\n";
  } else {
    table.Print();
  }
  return kExitOk;
}

int RunChangesBy(const GlobalOptions& global, const ChangesByOptions& o) {
  v1::ListChangesByActorRequest request;
  request.set_actor(o.actor);
  int exit_code = kExitOk;
  if (!ParseRange(o.from, o.to, &request, &exit_code)) {
    return exit_code;
  }
  request.set_include_on_behalf_of(o.include_on_behalf_of);
  request.set_page_size(o.page_size);
  request.set_page_token(o.page_token);
  auto stub = v1::Audit::NewStub(NewChannel(global));
  Table table({"POSITION", "RECORDED (UTC)", "CUSTOMER", "VERSION", "TYPE",
               "ACTOR", "ON BEHALF OF", "SERVICE", "REASON"});
  std::string next;
  const grpc::Status status =
      FetchPages<v1::ListChangesByActorRequest, v1::ListChangesByActorResponse>(
          global, o.all_pages, request,
          [&](grpc::ClientContext* ctx,
              const v1::ListChangesByActorRequest& req,
              v1::ListChangesByActorResponse* resp) {
            return stub->ListChangesByActor(ctx, req, resp);
          },
          [&](const v1::ListChangesByActorResponse& resp) {
            for (const v1::ActorChange& c : resp.changes()) {
              table.AddRow({std::to_string(c.position()),
                            FormatTime(c.recorded_at()), c.customer_id(),
                            std::to_string(c.version()), c.event_type(),
                            Or(c.actor()), Or(c.on_behalf_of()),
                            Or(c.service()), Or(Truncate(c.reason(), 32))});
            }
          },
          &next);
  if (!status.ok()) return RpcError(global, status);
  if (!global.json) {
    if (table.empty()) {
      std::cout << "(no changes by " << o.actor << ")\n";
    } else {
      table.Print();
    }
    PrintMore(next);
  }
  return kExitOk;
}

int RunAccess(const GlobalOptions& global, const AccessOptions& o) {
  v1::ListAccessRequest request;
  const int subjects = (o.customer_id.empty() ? 0 : 1) +
                       (o.principal.empty() ? 0 : 1) +
                       (o.unauthenticated ? 1 : 0);
  if (subjects != 1) {
    return UsageError(
        "give exactly one of --customer, --principal and --unauthenticated");
  }
  if (!o.customer_id.empty()) request.set_customer_id(o.customer_id);
  if (!o.principal.empty()) request.set_principal(o.principal);
  // Calls refused before the caller was known have no principal.
  if (o.unauthenticated) request.set_principal("");
  int exit_code = kExitOk;
  if (!ParseRange(o.from, o.to, &request, &exit_code)) {
    return exit_code;
  }
  request.set_denied_only(o.denied_only);
  request.set_page_size(o.page_size);
  request.set_page_token(o.page_token);
  auto stub = v1::Audit::NewStub(NewChannel(global));
  Table table({"SEQ", "AT (UTC)", "PRINCIPAL", "ROLE", "CUSTOMER", "RPC",
               "FIELDS", "PURPOSE", "OUTCOME"});
  std::string next;
  const grpc::Status status =
      FetchPages<v1::ListAccessRequest, v1::ListAccessResponse>(
          global, o.all_pages, request,
          [&](grpc::ClientContext* ctx, const v1::ListAccessRequest& req,
              v1::ListAccessResponse* resp) {
            return stub->ListAccess(ctx, req, resp);
          },
          [&](const v1::ListAccessResponse& resp) {
            for (const v1::AccessRecord& r : resp.records()) {
              std::string fields;
              for (const std::string& f : r.fields()) {
                if (!fields.empty()) fields += ",";
                fields += f;
              }
              std::string rpc = r.rpc();
              if (const size_t slash = rpc.rfind('/');
                  slash != std::string::npos) {
                rpc = rpc.substr(slash + 1);
              }
              table.AddRow({std::to_string(r.sequence()), FormatTime(r.at()),
                            Or(r.principal()), Or(r.role()),
                            Or(r.customer_id()), rpc, Or(Truncate(fields, 40)),
                            Or(Truncate(r.purpose(), 24)),
                            r.denied() ? Truncate(r.status(), 40) : "read"});
            }
          },
          &next);
  if (!status.ok()) return RpcError(global, status);
  if (!global.json) {
    if (table.empty()) {
      std::cout << "(no access records)\n";
    } else {
      table.Print();
    }
    PrintMore(next);
  }
  return kExitOk;
}

}  // namespace

void AuditCommands::Register(CLI::App& app) {
  history_cmd_ = app.add_subcommand(
      "history",
      "Every value one field of a customer's file ever had: old -> new, who, "
      "on whose behalf, when and why (ledger.v1.Audit/GetFieldHistory)");
  history_cmd_->add_option("customer", history_.customer_id, "Customer id")
      ->required();
  history_cmd_
      ->add_option("field", history_.field_path,
                   "Path into the customer file, e.g. profile.phones, "
                   "profile.address.city, classification.grade, owner_id, "
                   "key_people")
      ->required();

  changes_by_cmd_ =
      app.add_subcommand("changes-by",
                         "Every event a principal caused, oldest first "
                         "(ledger.v1.Audit/ListChangesByActor)");
  changes_by_cmd_
      ->add_option("actor", changes_by_.actor,
                   "The principal (the events' metadata.actor)")
      ->required();
  changes_by_cmd_->add_option(
      "--from", changes_by_.from,
      "Recorded from this day (YYYY-MM-DD, UTC) or time (RFC 3339)");
  changes_by_cmd_->add_option(
      "--to", changes_by_.to,
      "Recorded through this day (YYYY-MM-DD, UTC) or before this time "
      "(RFC 3339)");
  changes_by_cmd_->add_flag(
      "--on-behalf", changes_by_.include_on_behalf_of,
      "Also events a service recorded on behalf of the principal");
  changes_by_cmd_->add_option("--page-size,-n", changes_by_.page_size,
                              "Events per page (server default 100)");
  changes_by_cmd_->add_option("--page-token", changes_by_.page_token,
                              "Continue after an earlier page");
  changes_by_cmd_->add_flag("--all-pages,--all", changes_by_.all_pages,
                            "Follow every page");

  access_cmd_ = app.add_subcommand(
      "access",
      "Who saw what: access-log records of reads of personal data and of "
      "refused calls, for one customer or one principal "
      "(ledger.v1.Audit/ListAccess)");
  access_cmd_->add_option("--customer", access_.customer_id,
                          "Records about this customer");
  access_cmd_->add_option("--principal", access_.principal,
                          "Records of this principal");
  access_cmd_->add_option("--from", access_.from,
                          "From this day (YYYY-MM-DD, UTC) or time (RFC 3339)");
  access_cmd_->add_option(
      "--to", access_.to,
      "Through this day (YYYY-MM-DD, UTC) or before this time (RFC 3339)");
  access_cmd_->add_flag("--unauthenticated", access_.unauthenticated,
                        "Calls refused before the caller was known (no or a "
                        "bad token)");
  access_cmd_->add_flag("--denied", access_.denied_only, "Only refused calls");
  access_cmd_->add_option("--page-size,-n", access_.page_size,
                          "Records per page (server default 100)");
  access_cmd_->add_option("--page-token", access_.page_token,
                          "Continue after an earlier page");
  access_cmd_->add_flag("--all-pages,--all", access_.all_pages,
                        "Follow every page");
}

int AuditCommands::Run(const GlobalOptions& global) const {
  if (history_cmd_->parsed()) return RunHistory(global, history_);
  if (changes_by_cmd_->parsed()) return RunChangesBy(global, changes_by_);
  if (access_cmd_->parsed()) return RunAccess(global, access_);
  return -1;
}

}  // namespace ledger::ctl
