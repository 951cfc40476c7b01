#include "tools/ledgerctl/query_commands.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <iostream>
#include <memory>
#include <set>

#include "google/protobuf/util/time_util.h"
#include "grpcpp/grpcpp.h"
#include "ledger/v1/customer.grpc.pb.h"
#include "tools/ledgerctl/output.h"
#include "tools/ledgerctl/query_util.h"

namespace ledger::ctl {

namespace {

namespace v1 = ::ledger::v1;
using google::protobuf::util::TimeUtil;

std::unique_ptr<v1::CustomerQuery::Stub> Connect(const GlobalOptions& global) {
  return v1::CustomerQuery::NewStub(NewChannel(global));
}

std::string ClassificationSummary(const v1::Classification& c) {
  std::string out;
  auto add = [&](const std::string& name, const std::string& value) {
    if (!value.empty()) out += (out.empty() ? "" : ", ") + name + " " + value;
  };
  add("grade", GradeLabel(c.grade()));
  add("tier", TierLabel(c.value_tier()));
  add("stage", StageLabel(c.lifecycle_stage()));
  add("nature", NatureLabel(c.nature()));
  add("tags", Join(c.tags(), ","));
  return Or(out, "(unclassified)");
}

// "grade B -> A, stage new -> active, +tag vip, -tag cold".
std::string ClassificationDiff(const v1::Classification& before,
                               const v1::Classification& after) {
  std::string out;
  auto add = [&](const std::string& name, const std::string& from,
                 const std::string& to) {
    if (from == to) return;
    out += (out.empty() ? "" : ", ") + name + " " + Or(from, "none") + " -> " +
           Or(to, "none");
  };
  add("grade", GradeLabel(before.grade()), GradeLabel(after.grade()));
  add("tier", TierLabel(before.value_tier()), TierLabel(after.value_tier()));
  add("stage", StageLabel(before.lifecycle_stage()),
      StageLabel(after.lifecycle_stage()));
  add("nature", NatureLabel(before.nature()), NatureLabel(after.nature()));
  const std::set<std::string> old_tags(before.tags().begin(),
                                       before.tags().end());
  const std::set<std::string> new_tags(after.tags().begin(),
                                       after.tags().end());
  for (const auto& t : new_tags) {
    if (old_tags.count(t) == 0) out += (out.empty() ? "+tag " : ", +tag ") + t;
  }
  for (const auto& t : old_tags) {
    if (new_tags.count(t) == 0) out += (out.empty() ? "-tag " : ", -tag ") + t;
  }
  return Or(out, "(no change)");
}

std::string Address(const v1::PostalAddress& a) {
  std::string out;
  for (const std::string* part :
       {&a.province(), &a.city(), &a.district(), &a.street(), &a.postcode()}) {
    if (!part->empty()) out += (out.empty() ? "" : " ") + *part;
  }
  return out;
}

std::string By(const std::string& when, const std::string& who) {
  if (when.empty()) return "";
  return who.empty() ? when : when + " by " + who;
}

}  // namespace

int RunProfile(const GlobalOptions& global, const ProfileOptions& options) {
  v1::GetProfileRequest request;
  request.set_customer_id(options.customer_id);
  int exit_code = kExitOk;
  if (!options.as_of_time.empty() && options.as_of_position != 0) {
    return UsageError("use either --as-of-time or --as-of-position");
  }
  if (!options.as_of_time.empty() &&
      !ParseTime("--as-of-time", options.as_of_time,
                 request.mutable_as_of_time(), &exit_code)) {
    return exit_code;
  }
  request.set_as_of_position(options.as_of_position);
  request.set_min_position(options.min_position);

  auto stub = Connect(global);
  grpc::ClientContext context;
  SetDeadline(context, global.timeout_seconds);
  v1::GetProfileResponse response;
  grpc::Status status = stub->GetProfile(&context, request, &response);
  if (!status.ok()) return RpcError(global, status);
  if (global.json) {
    std::cout << ToJson(response) << "\n";
    return kExitOk;
  }
  const v1::CustomerProfile& p = response.profile();
  const v1::ProfileFields& f = p.profile();
  const v1::Classification& c = p.classification();
  std::string name = f.name();
  if (!f.short_name().empty()) name += " (" + f.short_name() + ")";
  std::string owner = p.owner_id();
  if (!p.team().empty()) owner += " / " + p.team();
  Table table({"FIELD", "VALUE"});
  auto row = [&](const char* field, const std::string& value) {
    table.AddRow({field, Or(value)});
  };
  // "(manual)" or "(rule X v2)": who decides a classification value.
  auto source = [](const std::string& value, const v1::ValueSource& from) {
    if (value == "-" || value.empty()) return value;
    if (from.manual()) return value + " (manual)";
    if (!from.by_rule().empty()) {
      return value + " (rule " + from.by_rule() + " v" +
             std::to_string(from.rule_version()) + ")";
    }
    return value;
  };
  if (!response.resolved_from().empty()) {
    std::cout << response.resolved_from() << " was merged into "
              << p.customer_id() << "; showing " << p.customer_id() << "\n";
  }
  row("id", p.customer_id());
  if (!p.merged_from().empty()) {
    std::string merged;
    for (const v1::MergedCustomer& m : p.merged_from()) {
      if (!merged.empty()) merged += ", ";
      merged +=
          m.customer_id() + (m.via().empty() ? "" : " (via " + m.via() + ")");
    }
    row("merged from", merged);
  }
  row("name", name);
  row("kind", Label(v1::CustomerKind_Name(p.kind()), "CUSTOMER_KIND_"));
  row("owner / team", owner);
  row("grade", source(GradeLabel(c.grade()), c.grade_source()));
  row("value tier", source(TierLabel(c.value_tier()), c.value_tier_source()));
  row("lifecycle stage",
      source(StageLabel(c.lifecycle_stage()), c.lifecycle_stage_source()));
  row("nature", NatureLabel(c.nature()));
  row("tags", Join(c.tags()));
  row("phones", Join(f.phones()));
  row("emails", Join(f.emails()));
  if (!f.wechat_ids().empty()) row("wechat", Join(f.wechat_ids()));
  row("address", Address(f.address()));
  row("industry", f.industry());
  row("region", f.region());
  row("archived",
      p.archived() ? "yes, " + FormatTime(p.archived_at()) : std::string("no"));
  row("version", std::to_string(p.version()));
  row("created",
      By(TimeOrEmpty(p.has_created_at(), p.created_at()), p.created_by()));
  row("updated",
      By(TimeOrEmpty(p.has_updated_at(), p.updated_at()), p.updated_by()));
  row("last contact",
      TimeOrEmpty(p.has_last_contact_at(), p.last_contact_at()));
  row("next follow-up", FormatDate(p.next_follow_up()));
  row("contacts", std::to_string(p.contact_count()));
  std::string people;
  for (const v1::KeyPerson& k : p.key_people()) {
    if (!people.empty()) people += "; ";
    people += k.name();
    if (!k.title().empty()) people += " (" + k.title() + ")";
    const std::string role =
        Label(v1::ContactRole_Name(k.buying_role()), "CONTACT_ROLE_");
    if (!role.empty()) people += " " + role;
  }
  if (!people.empty()) row("key people", people);
  if (p.transaction_count() > 0) {
    row("transactions", std::to_string(p.transaction_count()) + ", " +
                            FormatDate(p.first_transaction_on()) + " .. " +
                            FormatDate(p.last_transaction_on()) + ", " +
                            Or(MoneyList(p.total_amounts())));
  }
  if (p.open_opportunity_count() > 0) {
    row("open opportunities", std::to_string(p.open_opportunity_count()));
  }
  if (p.open_service_case_count() > 0) {
    row("open service cases", std::to_string(p.open_service_case_count()));
  }
  if (p.satisfaction_count() > 0) {
    char avg[64];
    std::snprintf(avg, sizeof(avg), "%.1f of 5 (%llu revisits)",
                  static_cast<double>(p.satisfaction_sum()) /
                      static_cast<double>(p.satisfaction_count()),
                  static_cast<unsigned long long>(p.satisfaction_count()));
    row("satisfaction", avg);
  }
  if (p.member_tier() != v1::MEMBER_TIER_UNSPECIFIED) {
    row("member tier",
        Label(v1::MemberTier_Name(p.member_tier()), "MEMBER_TIER_"));
  }
  if (!p.churn_reason().empty()) row("churn reason", p.churn_reason());
  std::string missing;
  for (const std::string& m : p.completeness().missing()) {
    missing += (missing.empty() ? "missing " : ", ") + m;
  }
  row("completeness", std::to_string(p.completeness().score()) + "%" +
                          (missing.empty() ? "" : ", " + missing));
  row("as of position", std::to_string(response.as_of_position()));
  table.Print();
  return kExitOk;
}

int RunTimeline(const GlobalOptions& global, const TimelineOptions& options) {
  v1::ListTimelineRequest request;
  request.set_customer_id(options.customer_id);
  for (const std::string& name : options.channels) {
    v1::ContactChannel channel = v1::CONTACT_CHANNEL_UNSPECIFIED;
    std::string valid;
    if (!ParseLabel(name, "CONTACT_CHANNEL_", v1::ContactChannel_descriptor(),
                    false, &channel, &valid)) {
      return UsageError("--channel \"" + name + "\" is not one of: " + valid);
    }
    request.add_channels(channel);
  }
  int exit_code = kExitOk;
  if (!options.from.empty() &&
      !ParseTime("--from", options.from, request.mutable_from_time(),
                 &exit_code)) {
    return exit_code;
  }
  if (!options.to.empty() &&
      !ParseTime("--to", options.to, request.mutable_to_time(), &exit_code)) {
    return exit_code;
  }
  request.set_oldest_first(options.oldest_first);
  request.set_page_size(options.page.page_size);
  request.set_page_token(options.page.page_token);

  auto stub = Connect(global);
  Table table({"OCCURRED (UTC)", "CHANNEL", "PERSON", "ROLE", "CONTENT",
               "RESULT", "NEXT FOLLOW-UP", "BY"});
  std::string next;
  grpc::Status status =
      FetchPages<v1::ListTimelineRequest, v1::ListTimelineResponse>(
          global, options.page.all_pages, request,
          [&](grpc::ClientContext* ctx, const v1::ListTimelineRequest& req,
              v1::ListTimelineResponse* resp) {
            return stub->ListTimeline(ctx, req, resp);
          },
          [&](const v1::ListTimelineResponse& resp) {
            for (const v1::TimelineEntry& e : resp.entries()) {
              table.AddRow({FormatTime(e.occurred_at()),
                            Or(Label(v1::ContactChannel_Name(e.channel()),
                                     "CONTACT_CHANNEL_")),
                            Or(Truncate(e.contact_person(), 16)),
                            Or(Label(v1::ContactRole_Name(e.contact_role()),
                                     "CONTACT_ROLE_")),
                            Or(Truncate(e.content(), 40)),
                            Or(Truncate(e.result(), 24)),
                            Or(FormatDate(e.next_follow_up())),
                            Or(Truncate(e.logged_by(), 16))});
            }
          },
          &next);
  if (!status.ok()) return RpcError(global, status);
  if (!global.json) {
    table.Print();
    if (table.empty()) std::cout << "(no contacts)\n";
    PrintMore(next);
  }
  return kExitOk;
}

int RunClassification(const GlobalOptions& global,
                      const ClassificationOptions& options) {
  v1::GetClassificationRequest request;
  request.set_customer_id(options.customer_id);
  if (!options.as_of_time.empty() && options.as_of_position != 0) {
    return UsageError("use either --as-of-time or --as-of-position");
  }
  int exit_code = kExitOk;
  if (!options.as_of_time.empty() &&
      !ParseTime("--as-of-time", options.as_of_time,
                 request.mutable_as_of_time(), &exit_code)) {
    return exit_code;
  }
  request.set_as_of_position(options.as_of_position);

  auto stub = Connect(global);
  grpc::ClientContext context;
  SetDeadline(context, global.timeout_seconds);
  v1::GetClassificationResponse response;
  grpc::Status status = stub->GetClassification(&context, request, &response);
  if (!status.ok()) return RpcError(global, status);
  if (global.json) {
    std::cout << ToJson(response) << "\n";
    return kExitOk;
  }
  std::cout << response.customer_id() << ": "
            << ClassificationSummary(response.classification()) << "\n\n";
  Table table(
      {"POSITION", "OCCURRED (UTC)", "BEFORE -> AFTER", "BY", "REASON"});
  for (const v1::ClassificationChange& h : response.history()) {
    std::string by = h.actor();
    if (!h.by_rule().empty()) {
      by = "rule " + h.by_rule();
      if (h.rule_version() != 0) by += " v" + std::to_string(h.rule_version());
    }
    table.AddRow({std::to_string(h.position()), FormatTime(h.occurred_at()),
                  ClassificationDiff(h.before(), h.after()),
                  Or(Truncate(by, 24)), Or(Truncate(h.reason(), 40))});
  }
  table.Print();
  if (table.empty()) std::cout << "(never classified)\n";
  return kExitOk;
}

int RunSearch(const GlobalOptions& global, const SearchOptions& options) {
  v1::SearchCustomersRequest request;
  v1::CustomerFilter* f = request.mutable_filter();
  std::string valid;
  if (!options.grade.empty()) {
    v1::Grade grade = v1::GRADE_UNSPECIFIED;
    if (!ParseLabel(options.grade, "GRADE_", v1::Grade_descriptor(), true,
                    &grade, &valid)) {
      return UsageError("--grade \"" + options.grade +
                        "\" is not one of: " + valid);
    }
    f->set_grade(grade);
  }
  if (!options.tier.empty()) {
    v1::ValueTier tier = v1::VALUE_TIER_UNSPECIFIED;
    if (!ParseLabel(options.tier, "VALUE_TIER_", v1::ValueTier_descriptor(),
                    false, &tier, &valid)) {
      return UsageError("--tier \"" + options.tier +
                        "\" is not one of: " + valid);
    }
    f->set_value_tier(tier);
  }
  if (!options.stage.empty()) {
    v1::LifecycleStage stage = v1::LIFECYCLE_STAGE_UNSPECIFIED;
    if (!ParseLabel(options.stage, "LIFECYCLE_STAGE_",
                    v1::LifecycleStage_descriptor(), false, &stage, &valid)) {
      return UsageError("--stage \"" + options.stage +
                        "\" is not one of: " + valid);
    }
    f->set_lifecycle_stage(stage);
  }
  f->set_owner_id(options.owner);
  f->set_tag(options.tag);
  f->set_industry(options.industry);
  f->set_region(options.region);
  f->set_name_prefix(options.name_prefix);
  f->set_include_archived(options.include_archived);
  f->set_missing_field(options.missing_field);
  request.set_purpose(options.purpose);
  request.set_page_size(options.page.page_size);
  request.set_page_token(options.page.page_token);

  auto stub = Connect(global);
  Table table(
      {"CUSTOMER", "NAME", "OWNER", "GRADE", "STAGE", "TAGS", "UPDATED (UTC)"});
  uint64_t total = 0;
  std::string next;
  grpc::Status status =
      FetchPages<v1::SearchCustomersRequest, v1::SearchCustomersResponse>(
          global, options.page.all_pages, request,
          [&](grpc::ClientContext* ctx, const v1::SearchCustomersRequest& req,
              v1::SearchCustomersResponse* resp) {
            return stub->SearchCustomers(ctx, req, resp);
          },
          [&](const v1::SearchCustomersResponse& resp) {
            total = resp.total_count();
            for (const v1::CustomerProfile& p : resp.customers()) {
              std::string id = p.customer_id();
              if (p.archived()) id += " (archived)";
              table.AddRow(
                  {id, Or(Truncate(p.profile().name(), 30)), Or(p.owner_id()),
                   Or(GradeLabel(p.classification().grade())),
                   Or(StageLabel(p.classification().lifecycle_stage())),
                   Or(Truncate(Join(p.classification().tags(), ","), 24)),
                   Or(TimeOrEmpty(p.has_updated_at(), p.updated_at()))});
            }
          },
          &next);
  if (!status.ok()) return RpcError(global, status);
  if (!global.json) {
    table.Print();
    std::cout << "(" << total << " matching customer" << (total == 1 ? "" : "s")
              << ")\n";
    PrintMore(next);
  }
  return kExitOk;
}

int RunDue(const GlobalOptions& global, const DueOptions& options) {
  v1::ListDueFollowUpsRequest request;
  int exit_code = kExitOk;
  if (!ParseDate("--as-of", options.as_of, request.mutable_as_of(),
                 &exit_code)) {
    return exit_code;
  }
  request.set_owner_id(options.owner);
  request.set_revisit_interval_days(options.revisit_days);
  request.set_greeting_lead_days(options.greeting_lead_days);
  request.set_page_size(options.page.page_size);
  request.set_page_token(options.page.page_token);

  auto stub = Connect(global);
  Table table({"CUSTOMER", "NAME", "OWNER", "REASON", "DUE DATE",
               "LAST CONTACT (UTC)", "NOTE"});
  std::string next;
  grpc::Status status =
      FetchPages<v1::ListDueFollowUpsRequest, v1::ListDueFollowUpsResponse>(
          global, options.page.all_pages, request,
          [&](grpc::ClientContext* ctx, const v1::ListDueFollowUpsRequest& req,
              v1::ListDueFollowUpsResponse* resp) {
            return stub->ListDueFollowUps(ctx, req, resp);
          },
          [&](const v1::ListDueFollowUpsResponse& resp) {
            for (const v1::DueFollowUp& d : resp.due()) {
              const v1::CustomerProfile& p = d.customer();
              const std::string reason =
                  Label(v1::DueFollowUp::Reason_Name(d.reason()), "REASON_");
              table.AddRow(
                  {p.customer_id(), Or(Truncate(p.profile().name(), 30)),
                   Or(p.owner_id()), reason, Or(FormatDate(d.due_date())),
                   Or(TimeOrEmpty(p.has_last_contact_at(), p.last_contact_at()),
                      "never"),
                   Or(Truncate(d.note(), 40))});
            }
          },
          &next);
  if (!status.ok()) return RpcError(global, status);
  if (!global.json) {
    table.Print();
    if (table.empty()) std::cout << "(nothing due)\n";
    PrintMore(next);
  }
  return kExitOk;
}

}  // namespace ledger::ctl
