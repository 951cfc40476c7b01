#include "tools/ledgerctl/report_commands.h"

#include <cstdio>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "grpcpp/grpcpp.h"
#include "ledger/v1/reports.grpc.pb.h"
#include "tools/ledgerctl/output.h"
#include "tools/ledgerctl/query_util.h"

namespace ledger::ctl {

namespace {

namespace v1 = ::ledger::v1;

std::string Percent(bool has, double value) {
  if (!has) return "n/a";
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.1f%%", value);
  return buf;
}

// With a sign: growth "+12.5%", decline "-3.0%".
std::string Change(bool has, double value) {
  if (!has) return "n/a";
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%+.1f%%", value);
  return buf;
}

std::string Number(double value, const char* format = "%.2f") {
  char buf[32];
  std::snprintf(buf, sizeof(buf), format, value);
  return buf;
}

std::string StageName(v1::OpportunityStage s) {
  return Label(v1::OpportunityStage_Name(s), "OPPORTUNITY_STAGE_");
}

// Parses the enum flag `flag` = `text` into *value; false (usage error
// printed, *exit_code set) when it names no value.
template <typename Enum>
bool ParseEnumFlag(const std::string& flag, const std::string& text,
                   const std::string& prefix,
                   const google::protobuf::EnumDescriptor* descriptor,
                   bool upper, Enum* value, int* exit_code) {
  if (text.empty()) return true;
  std::string valid;
  if (ParseLabel(text, prefix, descriptor, upper, value, &valid)) return true;
  *exit_code = UsageError(flag + " \"" + text + "\" is not one of: " + valid);
  return false;
}

bool ParseFilter(const ReportOptions& o, v1::ReportFilter* f, int* exit_code) {
  v1::Grade grade = v1::GRADE_UNSPECIFIED;
  v1::ValueTier tier = v1::VALUE_TIER_UNSPECIFIED;
  v1::LifecycleStage stage = v1::LIFECYCLE_STAGE_UNSPECIFIED;
  v1::CustomerNature nature = v1::CUSTOMER_NATURE_UNSPECIFIED;
  if (!ParseEnumFlag("--grade", o.grade, "GRADE_", v1::Grade_descriptor(), true,
                     &grade, exit_code) ||
      !ParseEnumFlag("--tier", o.tier, "VALUE_TIER_",
                     v1::ValueTier_descriptor(), false, &tier, exit_code) ||
      !ParseEnumFlag("--stage", o.stage, "LIFECYCLE_STAGE_",
                     v1::LifecycleStage_descriptor(), false, &stage,
                     exit_code) ||
      !ParseEnumFlag("--nature", o.nature, "CUSTOMER_NATURE_",
                     v1::CustomerNature_descriptor(), false, &nature,
                     exit_code)) {
    return false;
  }
  f->set_owner_id(o.owner);
  f->set_grade(grade);
  f->set_value_tier(tier);
  f->set_lifecycle_stage(stage);
  f->set_nature(nature);
  f->set_industry(o.industry);
  f->set_region(o.region);
  f->set_tag(o.tag);
  return true;
}

bool ParseRange(const ReportOptions& o, const std::string& from_flag,
                const std::string& to_flag, v1::Date* from, v1::Date* to,
                int* exit_code) {
  return (o.from.empty() || ParseDate(from_flag, o.from, from, exit_code)) &&
         (o.to.empty() || ParseDate(to_flag, o.to, to, exit_code));
}

void PrintAsOf(uint64_t position) {
  std::cout << "(as of log position " << position << ")\n";
}

int RunBreakdown(const GlobalOptions& global, const ReportOptions& o,
                 v1::Reports::Stub& stub) {
  v1::CustomerBreakdownRequest request;
  int code = kExitOk;
  v1::ReportDimension dimension = v1::REPORT_DIMENSION_UNSPECIFIED;
  // The search flags' short names work too.
  std::string by = o.dimension == "tier"    ? "value-tier"
                   : o.dimension == "stage" ? "lifecycle-stage"
                                            : o.dimension;
  if (!ParseEnumFlag("--by", by, "REPORT_DIMENSION_",
                     v1::ReportDimension_descriptor(), false, &dimension,
                     &code) ||
      !ParseRange(o, "--registered-from", "--registered-to",
                  request.mutable_registered_from(),
                  request.mutable_registered_to(), &code) ||
      !ParseFilter(o, request.mutable_filter(), &code)) {
    return code;
  }
  request.set_dimension(dimension);
  request.set_include_archived(o.include_archived);
  request.set_max_rows(o.max_rows);
  v1::CustomerBreakdownResponse r;
  code = CallUnary(
      global, o.timeout_seconds,
      [&](grpc::ClientContext* ctx, v1::CustomerBreakdownResponse* resp) {
        return stub.CustomerBreakdown(ctx, request, resp);
      },
      &r);
  if (code != kExitOk || global.json) return code;
  Table table({Upper(by), "CUSTOMERS", "SHARE"});
  for (const v1::BreakdownRow& row : r.rows()) {
    table.AddRow({Truncate(row.label(), 40), std::to_string(row.count()),
                  Percent(true, row.share_percent())});
  }
  if (r.other_values() > 0) {
    table.AddRow({"(" + std::to_string(r.other_values()) + " more)",
                  std::to_string(r.other_count()), "-"});
  }
  const bool whole =
      r.total_customers() > 0 && r.dimension() != v1::REPORT_DIMENSION_TAG;
  table.AddRow(
      {"TOTAL", std::to_string(r.total_customers()), whole ? "100.0%" : ""});
  table.Print();
  if (r.dimension() == v1::REPORT_DIMENSION_TAG) {
    std::cout << "(a customer counts under each of its tags)\n";
  }
  PrintAsOf(r.as_of_position());
  return kExitOk;
}

// --from, --to and --granularity of the reports over periods.
bool ParsePeriods(const ReportOptions& o, v1::Date* from, v1::Date* to,
                  v1::ReportGranularity* granularity, int* exit_code) {
  return ParseRange(o, "--from", "--to", from, to, exit_code) &&
         ParseEnumFlag("--granularity", o.granularity, "REPORT_GRANULARITY_",
                       v1::ReportGranularity_descriptor(), false, granularity,
                       exit_code);
}

int RunNewCustomers(const GlobalOptions& global, const ReportOptions& o,
                    v1::Reports::Stub& stub) {
  v1::NewCustomersRequest request;
  v1::ReportGranularity granularity = v1::REPORT_GRANULARITY_UNSPECIFIED;
  int code = kExitOk;
  if (!ParsePeriods(o, request.mutable_from(), request.mutable_to(),
                    &granularity, &code) ||
      !ParseFilter(o, request.mutable_filter(), &code)) {
    return code;
  }
  request.set_granularity(granularity);
  request.set_include_archived(o.include_archived);
  v1::NewCustomersResponse r;
  code = CallUnary(
      global, o.timeout_seconds,
      [&](grpc::ClientContext* ctx, v1::NewCustomersResponse* resp) {
        return stub.NewCustomers(ctx, request, resp);
      },
      &r);
  if (code != kExitOk || global.json) return code;
  Table table({"PERIOD", "FROM", "TO", "NEW", "VS PREVIOUS", "BASE GROWTH",
               "CUMULATIVE"});
  bool partial = false;
  for (const v1::NewCustomersPeriod& p : r.periods()) {
    partial = partial || p.period().partial();
    table.AddRow({p.period().label() + (p.period().partial() ? "*" : ""),
                  FormatDate(p.period().start()), FormatDate(p.period().end()),
                  std::to_string(p.new_customers()),
                  Change(p.has_change_percent(), p.change_percent()),
                  Change(p.has_base_growth_percent(), p.base_growth_percent()),
                  std::to_string(p.cumulative())});
  }
  table.Print();
  std::cout << r.total_new() << " new; " << r.customers_before()
            << " registered before " << o.from << "; "
            << r.previous_period_new() << " new in the period before\n"
            << "(VS PREVIOUS: change of NEW against the period before; "
               "BASE GROWTH: NEW / customers at the period's start)\n";
  if (partial) std::cout << "(* the range covers part of the period)\n";
  PrintAsOf(r.as_of_position());
  return kExitOk;
}

std::vector<std::string> ScoreCells(const std::string& label,
                                    const v1::SatisfactionStats& s) {
  std::vector<std::string> row = {
      label, std::to_string(s.count()),
      s.has_average() ? Number(s.average()) : "n/a"};
  for (int i = 0; i < 5; ++i) {
    row.push_back(i < s.distribution_size() ? std::to_string(s.distribution(i))
                                            : "0");
  }
  row.push_back(Percent(s.has_satisfied_percent(), s.satisfied_percent()));
  row.push_back(
      Percent(s.has_dissatisfied_percent(), s.dissatisfied_percent()));
  return row;
}

int RunSatisfaction(const GlobalOptions& global, const ReportOptions& o,
                    v1::Reports::Stub& stub) {
  v1::SatisfactionRequest request;
  v1::ReportGranularity granularity = v1::REPORT_GRANULARITY_UNSPECIFIED;
  int code = kExitOk;
  if (!ParsePeriods(o, request.mutable_from(), request.mutable_to(),
                    &granularity, &code) ||
      !ParseFilter(o, request.mutable_filter(), &code)) {
    return code;
  }
  request.set_granularity(granularity);
  request.set_include_archived(o.include_archived);
  v1::SatisfactionResponse r;
  code = CallUnary(
      global, o.timeout_seconds,
      [&](grpc::ClientContext* ctx, v1::SatisfactionResponse* resp) {
        return stub.Satisfaction(ctx, request, resp);
      },
      &r);
  if (code != kExitOk || global.json) return code;
  Table table({"PERIOD", "REVISITS", "AVERAGE", "1", "2", "3", "4", "5",
               "SATISFIED (4-5)", "DISSATISFIED (1-2)"});
  for (const v1::SatisfactionPeriod& p : r.periods()) {
    table.AddRow(ScoreCells(
        p.period().label() + (p.period().partial() ? "*" : ""), p.stats()));
  }
  table.AddRow(ScoreCells("TOTAL", r.total()));
  table.Print();
  PrintAsOf(r.as_of_position());
  return kExitOk;
}

std::vector<std::string> OwnerCells(const std::string& owner,
                                    const v1::OwnerConversion& c) {
  return {owner,
          std::to_string(c.opened()),
          std::to_string(c.won()),
          std::to_string(c.lost()),
          std::to_string(c.open()),
          Percent(c.has_win_rate_percent(), c.win_rate_percent()),
          Or(MoneyList(c.won_amounts())),
          Or(MoneyList(c.open_amounts())),
          c.has_average_days_to_win() ? Number(c.average_days_to_win(), "%.1f")
                                      : "n/a"};
}

int RunConversion(const GlobalOptions& global, const ReportOptions& o,
                  v1::Reports::Stub& stub) {
  v1::OpportunityConversionRequest request;
  int code = kExitOk;
  if (!ParseRange(o, "--from", "--to", request.mutable_from(),
                  request.mutable_to(), &code)) {
    return code;
  }
  request.set_owner_id(o.owner);
  request.set_by_owner(o.by_owner);
  request.set_include_archived(o.include_archived);
  v1::OpportunityConversionResponse r;
  code = CallUnary(
      global, o.timeout_seconds,
      [&](grpc::ClientContext* ctx, v1::OpportunityConversionResponse* resp) {
        return stub.OpportunityConversion(ctx, request, resp);
      },
      &r);
  if (code != kExitOk || global.json) return code;
  Table stages({"STAGE", "REACHED", "ADVANCED", "TO NEXT", "TO WON",
                "LOST HERE", "OPEN HERE"});
  for (const v1::StageConversion& s : r.stages()) {
    stages.AddRow({StageName(s.stage()), std::to_string(s.reached()),
                   std::to_string(s.advanced()),
                   Percent(s.has_to_next_percent(), s.to_next_percent()),
                   Percent(s.has_to_won_percent(), s.to_won_percent()),
                   std::to_string(s.lost_here()),
                   std::to_string(s.open_here())});
  }
  stages.Print();
  std::cout << "\n";
  Table owners({"OWNER", "OPENED", "WON", "LOST", "OPEN", "WIN RATE",
                "WON AMOUNT", "OPEN PIPELINE", "DAYS TO WIN"});
  for (const v1::OwnerConversion& c : r.owners()) {
    owners.AddRow(OwnerCells(Or(c.owner_id()), c));
  }
  owners.AddRow(OwnerCells("TOTAL", r.total()));
  owners.Print();
  PrintAsOf(r.as_of_position());
  return kExitOk;
}

int RunChurn(const GlobalOptions& global, const ReportOptions& o,
             v1::Reports::Stub& stub) {
  v1::ChurnedCustomersRequest request;
  int code = kExitOk;
  if (!ParseRange(o, "--from", "--to", request.mutable_from(),
                  request.mutable_to(), &code) ||
      !ParseFilter(o, request.mutable_filter(), &code)) {
    return code;
  }
  request.set_include_archived(o.include_archived);
  request.set_page_size(o.page.page_size);
  request.set_page_token(o.page.page_token);
  GlobalOptions report_global = global;
  report_global.timeout_seconds = o.timeout_seconds;
  Table churns({"CHURNED (UTC)", "CUSTOMER", "NAME", "REASON", "OWNER", "GRADE",
                "NOW", "RECORDED BY"});
  v1::ChurnedCustomersResponse last;
  std::string next;
  grpc::Status status =
      FetchPages<v1::ChurnedCustomersRequest, v1::ChurnedCustomersResponse>(
          report_global, o.page.all_pages, request,
          [&](grpc::ClientContext* ctx, const v1::ChurnedCustomersRequest& req,
              v1::ChurnedCustomersResponse* resp) {
            return stub.ChurnedCustomers(ctx, req, resp);
          },
          [&](const v1::ChurnedCustomersResponse& resp) {
            for (const v1::ChurnedCustomer& c : resp.customers()) {
              std::string id = c.customer_id();
              if (c.archived()) id += " (archived)";
              churns.AddRow({FormatTime(c.churned_at()), id,
                             Or(Truncate(c.name(), 30)),
                             Or(Truncate(c.reason(), 40)), Or(c.owner_id()),
                             Or(GradeLabel(c.grade())),
                             Or(StageLabel(c.stage())), Or(c.recorded_by())});
            }
            last = resp;
          },
          &next);
  if (!status.ok()) return RpcError(global, status);
  if (global.json) return kExitOk;
  churns.Print();
  if (churns.empty()) std::cout << "(no churned customers)\n";
  PrintMore(next);
  std::cout << "\n";
  Table reasons({"REASON", "CHURNS", "SHARE"});
  for (const v1::ChurnReasonCount& r : last.reasons()) {
    reasons.AddRow({Or(Truncate(r.reason(), 60), "(no reason)"),
                    std::to_string(r.count()),
                    Percent(true, r.share_percent())});
  }
  if (last.other_reasons_count() > 0) {
    reasons.AddRow(
        {"(other reasons)", std::to_string(last.other_reasons_count()), "-"});
  }
  reasons.AddRow({"TOTAL", std::to_string(last.total_count()), ""});
  reasons.Print();
  PrintAsOf(last.as_of_position());
  return kExitOk;
}

// Adds the customer filter flags to `cmd`.
void AddFilterFlags(CLI::App* cmd, ReportOptions* o) {
  cmd->add_option("--owner", o->owner, "Only this owner's customers");
  cmd->add_option("--grade", o->grade, "Only this grade: K, A, B, C or D");
  cmd->add_option("--tier", o->tier, "Only this value tier");
  cmd->add_option("--stage", o->stage, "Only this lifecycle stage");
  cmd->add_option("--nature", o->nature, "Only this customer nature");
  cmd->add_option("--industry", o->industry, "Only this industry");
  cmd->add_option("--region", o->region, "Only this region");
  cmd->add_option("--tag", o->tag, "Only customers with this tag");
}

void AddCommonFlags(CLI::App* cmd, ReportOptions* o) {
  cmd->add_flag("--include-archived", o->include_archived,
                "Also count archived customers");
  cmd->add_option("--report-timeout", o->timeout_seconds,
                  "Seconds to wait for the report")
      ->capture_default_str();
}

void AddPeriodFlags(CLI::App* cmd, ReportOptions* o) {
  cmd->add_option("--from", o->from, "First day (YYYY-MM-DD)")->required();
  cmd->add_option("--to", o->to, "Last day (YYYY-MM-DD)")->required();
  cmd->add_option("--granularity", o->granularity, "month, quarter or year")
      ->capture_default_str();
}

}  // namespace

ReportCommands::ReportCommands(CLI::App& app) {
  ReportOptions* o = &options_;
  CLI::App* report = app.add_subcommand(
      "report",
      "Management reports computed from the projections; days are UTC, "
      "ranges include both ends, archived customers are left out unless "
      "--include-archived");
  report->require_subcommand(1);

  breakdown_ = report->add_subcommand(
      "breakdown", "Customers by a dimension, with counts and shares");
  breakdown_
      ->add_option("--by", o->dimension,
                   "grade, tier, stage, nature, owner, industry, region, tag, "
                   "source or province")
      ->required();
  breakdown_->add_option("--registered-from", o->from,
                         "Only customers registered on or after this day");
  breakdown_->add_option("--registered-to", o->to,
                         "Only customers registered on or before this day");
  breakdown_->add_option("--max-rows", o->max_rows,
                         "Rows shown (default 50); the rest are summed");
  AddFilterFlags(breakdown_, o);
  AddCommonFlags(breakdown_, o);

  new_customers_ = report->add_subcommand(
      "new-customers",
      "New customers per period, change against the period before and "
      "growth of the customer base");
  AddPeriodFlags(new_customers_, o);
  AddFilterFlags(new_customers_, o);
  AddCommonFlags(new_customers_, o);

  satisfaction_ = report->add_subcommand(
      "satisfaction",
      "Satisfaction revisits per period: average, scores 1-5, satisfied and "
      "dissatisfied shares");
  AddPeriodFlags(satisfaction_, o);
  AddFilterFlags(satisfaction_, o);
  AddCommonFlags(satisfaction_, o);

  conversion_ = report->add_subcommand(
      "conversion",
      "Opportunities opened in a range (a cohort): how many reached each "
      "stage and moved on, win rates per owner");
  conversion_->add_option("--from", o->from, "Opened on or after (YYYY-MM-DD)");
  conversion_->add_option("--to", o->to, "Opened on or before (YYYY-MM-DD)");
  conversion_->add_option("--owner", o->owner,
                          "Only this owner's opportunities");
  conversion_->add_flag("--by-owner", o->by_owner, "One row per owner");
  AddCommonFlags(conversion_, o);

  churn_ = report->add_subcommand(
      "churn", "Customers lost in a range, with the reasons and their counts");
  churn_->add_option("--from", o->from, "Churned on or after (YYYY-MM-DD)");
  churn_->add_option("--to", o->to, "Churned on or before (YYYY-MM-DD)");
  AddFilterFlags(churn_, o);
  churn_->add_option("--page-size,-n", o->page.page_size,
                     "Churns per page (server default 50, max 500)");
  churn_->add_option("--page-token", o->page.page_token,
                     "Continue after an earlier page");
  churn_->add_flag("--all", o->page.all_pages, "Follow every page");
  AddCommonFlags(churn_, o);
}

bool ReportCommands::Run(const GlobalOptions& global, int* exit_code) const {
  using Runner =
      int (*)(const GlobalOptions&, const ReportOptions&, v1::Reports::Stub&);
  Runner run = nullptr;
  if (breakdown_->parsed()) run = RunBreakdown;
  if (new_customers_->parsed()) run = RunNewCustomers;
  if (satisfaction_->parsed()) run = RunSatisfaction;
  if (conversion_->parsed()) run = RunConversion;
  if (churn_->parsed()) run = RunChurn;
  if (run == nullptr) return false;
  std::unique_ptr<v1::Reports::Stub> stub =
      v1::Reports::NewStub(NewChannel(global));
  *exit_code = run(global, options_, *stub);
  return true;
}

}  // namespace ledger::ctl
