#include "tools/ledgerctl/import_commands.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "google/protobuf/struct.pb.h"
#include "grpcpp/grpcpp.h"
#include "ledger/v1/customer.grpc.pb.h"
#include "tools/ledgerctl/cell_values.h"
#include "tools/ledgerctl/csv_io.h"
#include "tools/ledgerctl/customer_columns.h"
#include "tools/ledgerctl/import_runner.h"
#include "tools/ledgerctl/output.h"

namespace ledger::ctl {

namespace {

namespace v1 = ::ledger::v1;

struct Problem {
  int row;
  std::string column;
  std::string problem;
};

std::string ColumnName(const ColumnMap& map, int column) {
  if (column < 0) return "-";
  const std::string& h = map.headers[column];
  return h.empty() ? "(column " + std::to_string(column + 1) + ")" : h;
}

std::string BaseName(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// Prints the problems and the summary; returns the exit code.
int Report(const GlobalOptions& global, const ImportOptions& options,
           const ColumnMap& map, const std::string& encoding,
           const std::vector<RowJob>& jobs, const grpc::Status& fatal) {
  std::vector<Problem> problems;
  std::map<Outcome, size_t> counts;
  for (const RowJob& job : jobs) {
    ++counts[job.outcome];
    for (const auto& [column, text] : job.row.problems) {
      problems.push_back({job.row.row, ColumnName(map, column), text});
    }
    if (!job.problem.empty()) {
      problems.push_back(
          {job.row.row, ColumnName(map, job.column), job.problem});
    }
  }
  const std::vector<std::pair<const char*, size_t>> numbers = {
      {"rows", jobs.size()},
      {"registered", counts[Outcome::kRegistered]},
      {"updated", counts[Outcome::kUpdated]},
      {"unchanged", counts[Outcome::kUnchanged]},
      {"rejected", counts[Outcome::kRejected]},
      {"notProcessed", counts[Outcome::kNotProcessed]}};
  if (global.json) {
    google::protobuf::Struct out;
    auto& f = *out.mutable_fields();
    f["file"].set_string_value(options.file);
    f["dryRun"].set_bool_value(options.dry_run);
    f["encoding"].set_string_value(encoding);
    for (const auto& [name, n] : numbers) {
      f[name].set_number_value(static_cast<double>(n));
    }
    auto* ignored = f["ignoredColumns"].mutable_list_value();
    for (const auto& h : map.ignored)
      ignored->add_values()->set_string_value(h);
    auto* list = f["problems"].mutable_list_value();
    for (const Problem& p : problems) {
      auto& item =
          *list->add_values()->mutable_struct_value()->mutable_fields();
      item["row"].set_number_value(p.row);
      item["column"].set_string_value(p.column);
      item["problem"].set_string_value(p.problem);
    }
    std::cout << ToJson(out) << "\n";
  } else {
    for (const Problem& p : problems) {
      std::cout << "row " << p.row << ", column " << p.column << ": "
                << p.problem << "\n";
    }
    const char* would = options.dry_run ? " (would be)" : "";
    Table table({options.dry_run ? "DRY RUN: NOTHING APPENDED" : "IMPORTED",
                 BaseName(options.file)});
    table.AddRow({"encoding", encoding});
    for (const auto& [name, n] : numbers) {
      if (std::string(name) == "notProcessed" && n == 0) continue;
      const bool changes =
          std::string(name) == "registered" || std::string(name) == "updated";
      table.AddRow(
          {std::string(name) == "notProcessed" ? "not processed" : name,
           std::to_string(n) + (changes ? would : "")});
    }
    std::string ignored;
    for (const auto& h : map.ignored)
      ignored += (ignored.empty() ? "" : ", ") + h;
    table.AddRow({"ignored columns", ignored.empty() ? "none" : ignored});
    table.Print();
  }
  if (!fatal.ok()) return RpcError(global, fatal);
  return counts[Outcome::kRejected] > 0 ? kExitPartial : kExitOk;
}

}  // namespace

int RunImport(const GlobalOptions& global, const ImportOptions& options) {
  CsvEncoding encoding;
  if (!ParseCsvEncoding(options.encoding, &encoding)) {
    return UsageError("--encoding \"" + options.encoding +
                      "\": use auto, utf-8 or gb18030");
  }
  v1::CustomerKind default_kind;
  if (!ParseCustomerKind(options.kind, &default_kind)) {
    return UsageError("--kind \"" + options.kind +
                      "\": use organization or individual");
  }
  if (options.concurrency < 1 || options.concurrency > 256) {
    return UsageError("--concurrency must be 1..256");
  }
  if (options.actor.empty() && !global.connection.Authenticates()) {
    return UsageError("--actor is required (or set LEDGER_ACTOR or USER)");
  }
  std::map<std::string, std::string> mapping;
  std::string error;
  if (!options.mapping.empty() &&
      !ReadMappingFile(options.mapping, &mapping, &error)) {
    return UsageError(error);
  }
  std::vector<CsvRow> rows;
  std::string used_encoding;
  if (!ReadCsvFile(options.file, encoding, &rows, &used_encoding, &error)) {
    return UsageError(error);
  }
  if (rows.empty()) return UsageError(options.file + " has no header row");
  ColumnMap map;
  std::vector<std::string> unused;
  if (!MapColumns(rows[0].fields, mapping, &map, &unused, &error)) {
    return UsageError(options.file + ": " + error);
  }
  for (const std::string& h : unused) {
    std::fprintf(stderr, "warning: --mapping names \"%s\", which %s lacks\n",
                 h.c_str(), options.file.c_str());
  }

  std::vector<RowJob> jobs;
  std::map<std::string, int> first_row_of;
  for (size_t i = 1; i < rows.size(); ++i) {
    bool blank = true;
    for (const auto& cell : rows[i].fields) {
      blank = blank && cell.find_first_not_of(" \t") == std::string::npos;
    }
    if (blank) continue;  // e.g. ",,," rows below the data
    RowJob job;
    job.row = BuildImportRow(map, rows[i].row, rows[i].fields, default_kind,
                             options.owner);
    const std::string& id = job.row.customer_id;
    if (!id.empty()) {
      auto [it, fresh] = first_row_of.emplace(id, job.row.row);
      if (!fresh) {
        job.row.problems.emplace_back(
            map.id_column, "customer id \"" + id + "\" is also in row " +
                               std::to_string(it->second));
      }
    }
    if (job.row.problems.empty()) job.request_id = RequestIdOf(job.row);
    jobs.push_back(std::move(job));
  }

  v1::AppendMetadata metadata;
  metadata.set_actor(options.actor);
  const std::string file_name =
      options.file == "-" ? "(standard input)" : BaseName(options.file);
  metadata.set_reason(options.reason.empty() ? "import " + file_name
                                             : options.reason);
  metadata.set_service("ledgerctl");
  const int threads = static_cast<int>(
      std::min<size_t>(options.concurrency, std::max<size_t>(jobs.size(), 1)));
  const grpc::Status fatal =
      SendRows(global, map, metadata, options.dry_run, threads,
               isatty(STDERR_FILENO) != 0, &jobs);
  return Report(global, options, map, used_encoding, jobs, fatal);
}

int RunExport(const GlobalOptions& global, const ExportOptions& options) {
  const bool csv = options.format == "csv";
  if (!csv && options.format != "jsonl") {
    return UsageError("--format \"" + options.format + "\": use csv or jsonl");
  }
  const bool to_stdout = options.output.empty() || options.output == "-";
  FILE* out = to_stdout ? stdout : std::fopen(options.output.c_str(), "wb");
  if (out == nullptr) return UsageError("cannot write " + options.output);
  auto write = [out](const std::string& s) {
    std::fwrite(s.data(), 1, s.size(), out);
  };
  if (csv) write(std::string(kUtf8Bom) + FormatCsvRow(ExportHeader()));

  auto stub = v1::CustomerQuery::NewStub(NewChannel(global));
  v1::SearchCustomersRequest request;
  request.mutable_filter()->set_include_archived(options.include_archived);
  request.set_page_size(500);
  uint64_t exported = 0;
  grpc::Status status;
  for (;;) {
    grpc::ClientContext context;
    SetDeadline(context, global.timeout_seconds);
    v1::SearchCustomersResponse response;
    status = stub->SearchCustomers(&context, request, &response);
    if (!status.ok()) break;
    for (const v1::CustomerProfile& p : response.customers()) {
      write(csv ? FormatCsvRow(ExportCells(p)) : ToJson(p) + "\n");
      ++exported;
    }
    if (response.next_page_token().empty()) break;
    request.set_page_token(response.next_page_token());
  }
  const bool write_failed = std::fflush(out) != 0 || std::ferror(out) != 0;
  if (!to_stdout) std::fclose(out);
  if (!status.ok()) return RpcError(global, status);
  if (write_failed) return UsageError("writing " + options.output + " failed");
  std::string done = "exported " + std::to_string(exported) +
                     (exported == 1 ? " customer" : " customers");
  if (!to_stdout) done += " to " + options.output;
  std::fprintf(stderr, "%s\n", done.c_str());
  return kExitOk;
}

}  // namespace ledger::ctl
