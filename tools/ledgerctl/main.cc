// ledgerctl: command-line client of customer-ledgerd (ledger.v1).

#include <pwd.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>

#include "CLI/CLI.hpp"
#include "tools/ledgerctl/admin_commands.h"
#include "tools/ledgerctl/audit_commands.h"
#include "tools/ledgerctl/archive_export.h"
#include "tools/ledgerctl/commands.h"
#include "tools/ledgerctl/import_commands.h"
#include "tools/ledgerctl/integrity_commands.h"
#include "tools/ledgerctl/privacy_commands.h"
#include "tools/ledgerctl/query_commands.h"
#include "tools/ledgerctl/record_commands.h"
#include "tools/ledgerctl/report_commands.h"
#include "tools/ledgerctl/rule_commands.h"
#include "tools/ledgerctl/token_commands.h"

namespace {

using namespace ledger::ctl;  // NOLINT: a small main

std::string EnvOr(const char* name, const std::string& fallback) {
  const char* value = std::getenv(name);
  return value != nullptr && *value != '\0' ? value : fallback;
}

int Run(int argc, char** argv) {
  CLI::App app{"ledgerctl: command-line client of the customer ledger"};
  app.require_subcommand(1);
  // Global options may also follow the subcommand ("read-stream C-1 --json").
  app.fallthrough();
  GlobalOptions global;
  global.address = EnvOr("LEDGER_ADDRESS", global.address);
  app.add_option("--address", global.address,
                 "Server address host:port (env LEDGER_ADDRESS)")
      ->capture_default_str();
  app.add_flag("--json", global.json,
               "Print protobuf JSON (one object per line) instead of tables");
  app.add_option("--timeout", global.timeout_seconds,
                 "Deadline of each call in seconds")
      ->capture_default_str();
  ledger::client::AddConnectionFlags(app, &global.connection);

  AppendOptions append;
  const passwd* user = getpwuid(getuid());
  append.actor = EnvOr("LEDGER_ACTOR",
                       EnvOr("USER", user != nullptr ? user->pw_name : ""));
  const std::string default_actor = append.actor;
  auto* append_cmd = app.add_subcommand(
      "append",
      "Append events to one customer. Events come from --event (an "
      "EventPayload as JSON, repeatable) or from an AppendRequest JSON in "
      "--file (default: stdin); flags override the request's fields");
  append_cmd->add_option("--customer,-c", append.customer_id, "Customer id");
  append_cmd->add_option("--event,-e", append.events,
                         "EventPayload JSON, e.g. "
                         "'{\"contactLogged\":{\"channel\":\"CONTACT_CHANNEL_"
                         "PHONE\",\"content\":\"…\"}}'");
  append_cmd->add_option("--file,-f", append.file,
                         "AppendRequest JSON file ('-' for stdin)");
  append_cmd
      ->add_option("--actor", append.actor,
                   "Who makes the change (env LEDGER_ACTOR, then USER; with "
                   "--token or a client certificate the server records the "
                   "authenticated principal)")
      ->capture_default_str();
  append_cmd->add_option("--reason", append.reason, "Why");
  append_cmd->add_option("--request-id", append.request_id,
                         "Idempotency key (default: a new random UUID, "
                         "reused for automatic retries)");
  append_cmd->add_option("--expected-version", append.expected_version,
                         "any, no-stream, exists or a version number");
  append_cmd->add_option("--correlation-id", append.correlation_id);
  append_cmd->add_option("--causation-id", append.causation_id);
  append_cmd->add_option("--service", append.service, "Calling service")
      ->capture_default_str();
  append_cmd->add_option("--occurred-at", append.occurred_at,
                         "Business time of every event (RFC 3339)");

  ReadOptions stream;
  auto* stream_cmd =
      app.add_subcommand("read-stream", "Read one customer's events");
  stream_cmd->add_option("customer", stream.customer_id, "Customer id")
      ->required();
  stream_cmd->add_option("--from", stream.from,
                         "First version (default: start, or end backwards)");
  stream_cmd->add_option("--limit,-n", stream.limit, "Events per page");
  stream_cmd->add_flag("--backwards,-b", stream.backwards, "Newest first");
  stream_cmd->add_flag("--all", stream.all_pages, "Follow every page");
  stream_cmd->add_flag("--raw", stream.raw, "Include raw payload bytes");

  ReadOptions all;
  auto* all_cmd =
      app.add_subcommand("read-all", "Read the global log in position order");
  all_cmd->add_option("--from", all.from, "First position");
  all_cmd->add_option("--limit,-n", all.limit, "Events per page");
  all_cmd->add_option("--type,-t", all.types, "Only this event type (repeat)");
  all_cmd->add_option("--customer,-c", all.customers,
                      "Only this customer (repeat)");
  all_cmd->add_flag("--all", all.all_pages, "Follow every page to the head");
  all_cmd->add_flag("--raw", all.raw, "Include raw payload bytes");

  SubscribeOptions sub;
  auto* sub_cmd = app.add_subcommand(
      "subscribe", "Catch up from a position, then follow new events live");
  sub_cmd->alias("tail");
  sub_cmd->add_option("--from", sub.from, "First position (default 1)");
  sub_cmd->add_flag("--from-end", sub.from_end, "Only events from now on");
  sub_cmd->add_option("--type,-t", sub.types, "Only this event type (repeat)");
  sub_cmd->add_option("--customer,-c", sub.customers,
                      "Only this customer (repeat)");
  sub_cmd->add_option("--count", sub.count, "Stop after this many events");
  sub_cmd->add_flag("--checkpoints", sub.show_checkpoints,
                    "Also print checkpoints");
  sub_cmd->add_option("--duration", sub.duration_seconds,
                      "Stop after this many seconds (default: run until "
                      "Ctrl-C, at most 24 h)");

  VerifyOptions verify;
  auto* verify_cmd = app.add_subcommand(
      "verify-chain",
      "Re-check every hash link and payload digest client-side, trusting "
      "nothing the server says about validity");
  verify_cmd->add_option("--from", verify.from, "First position")
      ->capture_default_str();
  verify_cmd->add_option("--to", verify.to, "Last position (default: head)");
  verify_cmd->add_option("--page", verify.page, "Events per read")
      ->capture_default_str();

  double rebuild_timeout = 3600;
  auto* rebuild_cmd = app.add_subcommand(
      "rebuild-projections",
      "Rebuild every projection from the log on the running server (it keeps "
      "serving the current ones, then switches atomically)");
  rebuild_cmd
      ->add_option("--rebuild-timeout", rebuild_timeout,
                   "Seconds to wait for the rebuild")
      ->capture_default_str();
  auto* cancel_rebuild_cmd = app.add_subcommand(
      "cancel-rebuild",
      "Stop a running projection rebuild (the current projections stay)");
  auto* info_cmd = app.add_subcommand(
      "info", "Server version, head position and hash, commit counters");

  // Queries of the folded customer state (ledger.v1.CustomerQuery).
  // Time travel: one of a commit time or a global position.
  auto add_as_of = [](CLI::App* cmd, std::string* time, uint64_t* position) {
    auto* by_time = cmd->add_option(
        "--as-of-time", *time,
        "Fold only events committed up to this time (RFC 3339)");
    cmd->add_option("--as-of-position", *position,
                    "Fold only events up to this global position")
        ->excludes(by_time);
  };
  auto add_paging = [](CLI::App* cmd, PageOptions* page) {
    cmd->add_option("--page-size,-n", page->page_size,
                    "Results per page (server default 50, max 500)");
    cmd->add_option("--page-token", page->page_token,
                    "Continue after an earlier page");
    cmd->add_flag("--all", page->all_pages, "Follow every page");
  };

  ProfileOptions profile;
  auto* profile_cmd = app.add_subcommand(
      "profile", "A customer's current profile, or as it was at a time");
  profile_cmd->add_option("customer", profile.customer_id, "Customer id")
      ->required();
  add_as_of(profile_cmd, &profile.as_of_time, &profile.as_of_position);
  profile_cmd->add_option("--min-position", profile.min_position,
                          "Read-your-writes: reflect at least this position "
                          "(an earlier append's last position)");

  TimelineOptions timeline;
  auto* timeline_cmd =
      app.add_subcommand("timeline", "A customer's contacts, newest first");
  timeline_cmd->add_option("customer", timeline.customer_id, "Customer id")
      ->required();
  timeline_cmd->add_option("--channel", timeline.channels,
                           "Only this channel (repeat): visit, phone, email, "
                           "wechat, meeting, exhibition, inbound-visit, "
                           "other");
  timeline_cmd->add_option("--from", timeline.from,
                           "Contacts at or after this time (RFC 3339)");
  timeline_cmd->add_option("--to", timeline.to,
                           "Contacts before this time (RFC 3339)");
  timeline_cmd->add_flag("--oldest-first", timeline.oldest_first,
                         "Oldest contact first");
  add_paging(timeline_cmd, &timeline.page);

  ClassificationOptions classification;
  auto* classification_cmd = app.add_subcommand(
      "classification",
      "A customer's classification and every change of it (who or which "
      "rule, and why)");
  classification_cmd
      ->add_option("customer", classification.customer_id, "Customer id")
      ->required();
  add_as_of(classification_cmd, &classification.as_of_time,
            &classification.as_of_position);

  SearchOptions search;
  auto* search_cmd = app.add_subcommand(
      "search", "Customers matching every given filter, by customer id");
  search_cmd->add_option("--owner", search.owner, "Owner (salesperson) id");
  search_cmd->add_option("--grade", search.grade, "A, B, C, D or K");
  search_cmd->add_option("--tier", search.tier,
                         "strategic, high, medium or low");
  search_cmd->add_option("--stage", search.stage,
                         "potential, new, active, dormant or churned");
  search_cmd->add_option("--tag", search.tag, "Has this tag");
  search_cmd->add_option("--industry", search.industry, "Industry");
  search_cmd->add_option("--region", search.region, "Region");
  search_cmd->add_option("--name", search.name_prefix,
                         "Name starts with (case-insensitive)");
  search_cmd->add_option("--missing", search.missing_field,
                         "Lacks this important field (phones, credit_code, "
                         "address.city, … see README \"Completeness\")");
  search_cmd->add_flag("--include-archived", search.include_archived,
                       "Also archived customers");
  search_cmd->add_option("--purpose", search.purpose,
                         "Only customers with a live consent for this "
                         "purpose (e.g. marketing)");
  add_paging(search_cmd, &search.page);

  DueOptions due;
  auto* due_cmd = app.add_subcommand(
      "due",
      "Customers due for contact on a day: follow-up date reached, or not "
      "contacted within the revisit interval");
  due_cmd->add_option("--as-of", due.as_of, "The day (YYYY-MM-DD)")->required();
  due_cmd->add_option("--owner", due.owner, "Owner (salesperson) id");
  due_cmd->add_option("--revisit-days", due.revisit_days,
                      "Revisit interval in days (default: the server's)");
  due_cmd->add_option("--greeting-lead-days", due.greeting_lead_days,
                      "Also greetings (birthdays, anniversaries) up to this "
                      "many days ahead (max 31)");
  add_paging(due_cmd, &due.page);

  // The records of the customer file.
  TransactionsOptions transactions;
  auto* transactions_cmd = app.add_subcommand(
      "transactions", "A customer's transactions, newest date first");
  transactions_cmd
      ->add_option("customer", transactions.customer_id, "Customer id")
      ->required();
  transactions_cmd->add_option("--from", transactions.from,
                               "On or after this day (YYYY-MM-DD)");
  transactions_cmd->add_option("--to", transactions.to,
                               "On or before this day (YYYY-MM-DD)");
  add_paging(transactions_cmd, &transactions.page);

  RecordOptions opportunities;
  auto* opportunities_cmd = app.add_subcommand(
      "opportunities", "A customer's sales opportunities and their stages");
  opportunities_cmd
      ->add_option("customer", opportunities.customer_id, "Customer id")
      ->required();
  opportunities_cmd->add_flag("--include-closed", opportunities.include_closed,
                              "Also won and lost ones");

  RecordOptions cases;
  auto* cases_cmd = app.add_subcommand(
      "cases", "A customer's service cases: complaints, suggestions, repairs");
  cases_cmd->add_option("customer", cases.customer_id, "Customer id")
      ->required();
  cases_cmd->add_option("--status", cases.statuses,
                        "Only this status (repeat): open, in-progress, "
                        "resolved, closed");

  DuplicatesOptions duplicates;
  auto* duplicates_cmd = app.add_subcommand(
      "duplicates",
      "Possible duplicate customers: same phone, e-mail, credit code, ID or "
      "tax number, or very similar names in the same city");
  duplicates_cmd->add_option("customer", duplicates.customer_id,
                             "Only duplicates of this customer");
  duplicates_cmd->add_option("--min-similarity", duplicates.min_similarity,
                             "Name similarity 1-100 that counts (default 85)");
  add_paging(duplicates_cmd, &duplicates.page);

  RuleCommands rule_commands;
  rule_commands.Register(app, append.actor);
  TokenCommands token_commands;
  token_commands.Register(app);

  // Who changed what (ledger.v1.Audit).
  AuditCommands audit_commands;
  audit_commands.Register(app);
  PrivacyCommands privacy_commands;
  privacy_commands.Register(app, append.actor);

  RecordOptions cards;
  auto* cards_cmd =
      app.add_subcommand("cards", "A customer's member cards and their state");
  cards_cmd->add_option("customer", cards.customer_id, "Customer id")
      ->required();

  // Customer files to and from spreadsheets.
  ImportOptions import_options;
  import_options.actor = append.actor;
  auto* import_cmd = app.add_subcommand(
      "import",
      "Import customers from a CSV file (Excel: UTF-8 with or without BOM, "
      "or GBK/GB18030), one per row: new ones are registered, existing ones "
      "get the mapped fields updated (an empty cell clears its field). Each "
      "row's request id comes from its content, so importing a file again "
      "appends nothing. Headers are mapped automatically (客户编号/"
      "customer_id, 客户名称/name, 电话/phones, …; export's header); exit "
      "code 3 when rows were rejected");
  import_cmd
      ->add_option("file", import_options.file, "CSV file ('-' for stdin)")
      ->required();
  import_cmd->add_option("--mapping", import_options.mapping,
                         "Mapping file: lines 'CSV header = field name' "
                         "(export's header names, or 'ignore'); '#' "
                         "comments; other columns are still auto-mapped");
  import_cmd
      ->add_option("--encoding", import_options.encoding,
                   "auto (UTF-8 if the bytes are UTF-8, else GB18030), "
                   "utf-8 or gb18030 (also reads GBK)")
      ->capture_default_str();
  import_cmd->add_flag("--dry-run", import_options.dry_run,
                       "Validate every row on the server (validate_only) "
                       "and report; append nothing");
  import_cmd
      ->add_option("--actor", import_options.actor,
                   "Who makes the change (env LEDGER_ACTOR, then USER)")
      ->capture_default_str();
  import_cmd->add_option("--reason", import_options.reason,
                         "Why (default: \"import <file name>\")");
  import_cmd
      ->add_option("--kind", import_options.kind,
                   "Customer kind when the file has no kind column: "
                   "organization or individual")
      ->capture_default_str();
  import_cmd->add_option("--owner", import_options.owner,
                         "Owner (salesperson) id when the file has no owner "
                         "column or the cell is empty");
  import_cmd
      ->add_option("--concurrency", import_options.concurrency,
                   "Appends in flight at once")
      ->capture_default_str();

  ExportOptions export_options;
  ArchiveExportOptions archive_options;
  std::string export_file;
  auto* export_cmd = app.add_subcommand(
      "export",
      "Export every customer: CSV for Excel (UTF-8 with BOM, a header that "
      "import maps back) or JSON lines of the profile. With --from/--to (or "
      "--format archive): an archive of events P..Q with the signed digest "
      "and inclusion proof, for `ledgerctl verify-archive` offline");
  export_cmd
      ->add_option("--format", export_options.format, "csv, jsonl or archive")
      ->capture_default_str();
  export_cmd
      ->add_option("--output,-o", export_options.output,
                   "File to write ('-' for stdout)")
      ->capture_default_str();
  export_cmd->add_option("file", export_file, "File to write (as --output)");
  export_cmd->add_flag("--include-archived", export_options.include_archived,
                       "Also archived customers");
  auto* from_opt =
      export_cmd->add_option("--from", archive_options.from,
                             "Archive: first event position (default 1)");
  auto* to_opt =
      export_cmd->add_option("--to", archive_options.to,
                             "Archive: last event position (default: "
                             "the head)");
  for (CLI::Option* option : export_cmd->get_options()) {
    if (option->get_positional() || option == from_opt || option == to_opt ||
        option->get_name() == "--format" || option->get_name() == "--output") {
      option->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
    }
  }

  IntegrityCommands integrity_commands;
  integrity_commands.Register(app);

  // Management reports (ledger.v1.Reports).
  ReportCommands reports(app);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help exits 0; every usage error exits kExitUsage (not CLI11's codes).
    return app.exit(e) == 0 ? kExitOk : kExitUsage;
  }
  if (std::string error;
      !ledger::client::LoadFiles(&global.connection, &error)) {
    return UsageError(error);
  }
  append.on_behalf_of = global.connection.on_behalf_of;
  if (global.connection.Authenticates()) {
    // The server records the authenticated principal; a default actor
    // (LEDGER_ACTOR or the login name) would differ from it and be refused.
    // Only an explicit --actor is sent.
    if (append.actor == default_actor) append.actor.clear();
    if (import_options.actor == default_actor) import_options.actor.clear();
    rule_commands.ClearActorIf(default_actor);
  }
  if (const int code = token_commands.Run(global); code >= 0) return code;
  if (append_cmd->parsed()) return RunAppend(global, append);
  if (stream_cmd->parsed()) return RunReadStream(global, stream);
  if (all_cmd->parsed()) return RunReadAll(global, all);
  if (sub_cmd->parsed()) return RunSubscribe(global, sub);
  if (verify_cmd->parsed()) return RunVerifyChain(global, verify);
  if (info_cmd->parsed()) return RunInfo(global);
  if (rebuild_cmd->parsed()) {
    return RunRebuildProjections(global, rebuild_timeout);
  }
  if (cancel_rebuild_cmd->parsed()) {
    return RunCancelRebuild(global);
  }
  if (profile_cmd->parsed()) return RunProfile(global, profile);
  if (const int code = rule_commands.Run(global); code >= 0) return code;
  if (const int code = audit_commands.Run(global); code >= 0) return code;
  if (const int code = privacy_commands.Run(global); code >= 0) return code;
  if (timeline_cmd->parsed()) return RunTimeline(global, timeline);
  if (classification_cmd->parsed()) {
    return RunClassification(global, classification);
  }
  if (search_cmd->parsed()) return RunSearch(global, search);
  if (due_cmd->parsed()) return RunDue(global, due);
  if (transactions_cmd->parsed()) {
    return RunTransactions(global, transactions);
  }
  if (opportunities_cmd->parsed()) {
    return RunOpportunities(global, opportunities);
  }
  if (cases_cmd->parsed()) return RunServiceCases(global, cases);
  if (cards_cmd->parsed()) return RunMemberCards(global, cards);
  if (duplicates_cmd->parsed()) return RunDuplicates(global, duplicates);
  if (import_cmd->parsed()) return RunImport(global, import_options);
  if (export_cmd->parsed()) {
    if (!export_file.empty()) {
      if (export_options.output != "-" &&
          export_options.output != export_file) {
        return UsageError("give the output file once: --output " +
                          export_options.output + " or " + export_file);
      }
      export_options.output = export_file;
    }
    if (export_options.format == "archive" || from_opt->count() > 0 ||
        to_opt->count() > 0) {
      if (export_options.format != "archive" &&
          export_options.format != "csv") {
        return UsageError("--from/--to export an archive; --format " +
                          export_options.format + " does not apply");
      }
      archive_options.output = export_options.output;
      return RunExportArchive(global, archive_options);
    }
    return RunExport(global, export_options);
  }
  if (const int code = integrity_commands.Run(global); code >= 0) return code;
  if (int code = kExitOk; reports.Run(global, &code)) return code;
  return kExitUsage;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return Run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "ledgerctl: fatal: %s\n", e.what());
    return 1;
  }
}
