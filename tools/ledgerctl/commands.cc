#include "tools/ledgerctl/commands.h"

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <random>
#include <sstream>
#include <thread>

#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/time_util.h"
#include "grpcpp/grpcpp.h"
#include "ledger/v1/ledger.grpc.pb.h"
#include "tools/ledgerctl/chain_verifier.h"
#include "tools/ledgerctl/event_stream.h"
#include "tools/ledgerctl/output.h"
#include "tools/ledgerctl/progress_bar.h"

namespace ledger::ctl {

namespace {

namespace v1 = ::ledger::v1;
using google::protobuf::util::JsonStringToMessage;
using google::protobuf::util::TimeUtil;

std::unique_ptr<v1::Ledger::Stub> Connect(const GlobalOptions& global) {
  return v1::Ledger::NewStub(NewChannel(global));
}

const char* CodeName(grpc::StatusCode code) {
  static const char* kNames[] = {"OK",
                                 "CANCELLED",
                                 "UNKNOWN",
                                 "INVALID_ARGUMENT",
                                 "DEADLINE_EXCEEDED",
                                 "NOT_FOUND",
                                 "ALREADY_EXISTS",
                                 "PERMISSION_DENIED",
                                 "RESOURCE_EXHAUSTED",
                                 "FAILED_PRECONDITION",
                                 "ABORTED",
                                 "OUT_OF_RANGE",
                                 "UNIMPLEMENTED",
                                 "INTERNAL",
                                 "UNAVAILABLE",
                                 "DATA_LOSS",
                                 "UNAUTHENTICATED"};
  const int i = static_cast<int>(code);
  return i >= 0 && i < 17 ? kNames[i] : "?";
}

bool ReadInput(const std::string& file, std::string* out) {
  std::stringstream buffer;
  if (file.empty() || file == "-") {
    buffer << std::cin.rdbuf();
  } else {
    std::ifstream in(file);
    if (!in) return false;
    buffer << in.rdbuf();
  }
  *out = buffer.str();
  return true;
}

void PrintEvents(const GlobalOptions& global,
                 const google::protobuf::RepeatedPtrField<v1::Event>& events,
                 Table* table) {
  for (const v1::Event& e : events) {
    if (global.json) {
      std::cout << ToJson(e) << "\n";
    } else {
      table->AddRow(EventRow(e));
    }
  }
}

void FillFilter(const std::vector<std::string>& types,
                const std::vector<std::string>& customers,
                v1::EventFilter* filter) {
  for (const auto& t : types) filter->add_event_types(t);
  for (const auto& c : customers) filter->add_customer_ids(c);
}

}  // namespace

std::string NewUuid() {
  std::random_device rd;
  std::mt19937_64 gen((static_cast<uint64_t>(rd()) << 32) ^ rd());
  uint64_t hi = gen();
  uint64_t lo = gen();
  hi = (hi & 0xffffffffffff0fffULL) | 0x0000000000004000ULL;  // version 4
  lo = (lo & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;  // variant
  char buf[37];
  std::snprintf(buf, sizeof(buf), "%08x-%04x-%04x-%04x-%012llx",
                static_cast<unsigned>(hi >> 32),
                static_cast<unsigned>((hi >> 16) & 0xffff),
                static_cast<unsigned>(hi & 0xffff),
                static_cast<unsigned>(lo >> 48),
                static_cast<unsigned long long>(lo & 0xffffffffffffULL));
  return buf;
}

std::shared_ptr<grpc::Channel> NewChannel(const GlobalOptions& global) {
  return client::NewChannel(global.address, global.connection);
}

void SetDeadline(grpc::ClientContext& context, double seconds) {
  context.set_deadline(
      std::chrono::system_clock::now() +
      std::chrono::milliseconds(static_cast<int64_t>(seconds * 1000)));
}

int RpcError(const GlobalOptions& global, const grpc::Status& status) {
  std::fprintf(stderr, "error: %s: %s\n", CodeName(status.error_code()),
               status.error_message().c_str());
  if (status.error_code() == grpc::StatusCode::UNAVAILABLE) {
    std::fprintf(stderr, "(is customer-ledgerd running at %s%s?)\n",
                 global.address.c_str(),
                 global.connection.UsesTls() ? " with TLS" : "");
  }
  if (status.error_code() == grpc::StatusCode::UNAUTHENTICATED &&
      global.connection.token.empty()) {
    std::fprintf(stderr,
                 "(the server wants credentials: --token or LEDGER_TOKEN)\n");
  }
  return kExitRpcError;
}

int UsageError(const std::string& message) {
  std::fprintf(stderr, "error: %s\n", message.c_str());
  return kExitUsage;
}

int RunAppend(const GlobalOptions& global, const AppendOptions& options) {
  v1::AppendRequest request;
  if (options.events.empty()) {
    std::string json;
    if (!ReadInput(options.file, &json)) {
      return UsageError("cannot read " + options.file);
    }
    auto status = JsonStringToMessage(json, &request);
    if (!status.ok()) {
      return UsageError("the input is not an AppendRequest in JSON: " +
                        status.ToString());
    }
  }
  for (size_t i = 0; i < options.events.size(); ++i) {
    auto status = JsonStringToMessage(options.events[i],
                                      request.add_events()->mutable_payload());
    if (!status.ok()) {
      return UsageError(
          "--event #" + std::to_string(i + 1) +
          " is not an EventPayload in JSON: " + status.ToString());
    }
  }
  if (!options.customer_id.empty()) {
    request.set_customer_id(options.customer_id);
  }
  v1::AppendMetadata* meta = request.mutable_metadata();
  if (!options.actor.empty() && meta->actor().empty()) {
    meta->set_actor(options.actor);
  }
  if (!options.reason.empty()) meta->set_reason(options.reason);
  if (!options.correlation_id.empty()) {
    meta->set_correlation_id(options.correlation_id);
  }
  if (!options.causation_id.empty()) {
    meta->set_causation_id(options.causation_id);
  }
  if (meta->service().empty()) meta->set_service(options.service);
  if (!options.on_behalf_of.empty()) {
    meta->set_on_behalf_of(options.on_behalf_of);
  }
  if (!options.request_id.empty()) request.set_request_id(options.request_id);
  if (request.request_id().empty()) request.set_request_id(NewUuid());
  if (!options.occurred_at.empty()) {
    google::protobuf::Timestamp ts;
    if (!TimeUtil::FromString(options.occurred_at, &ts)) {
      return UsageError("--occurred-at \"" + options.occurred_at +
                        "\" is not RFC 3339 (e.g. 2026-11-23T09:30:00+08:00)");
    }
    for (auto& event : *request.mutable_events()) {
      *event.mutable_occurred_at() = ts;
    }
  }
  const std::string& ev = options.expected_version;
  if (ev == "any") {
    request.mutable_expected_version()->mutable_any();
  } else if (ev == "no-stream") {
    request.mutable_expected_version()->mutable_no_stream();
  } else if (ev == "exists") {
    request.mutable_expected_version()->mutable_stream_exists();
  } else if (!ev.empty()) {
    char* end = nullptr;
    const unsigned long long v = std::strtoull(ev.c_str(), &end, 10);
    if (end == ev.c_str() || *end != '\0') {
      return UsageError("--expected-version \"" + ev +
                        "\": use any, no-stream, exists or a number");
    }
    request.mutable_expected_version()->set_exact(v);
  }

  auto stub = Connect(global);
  v1::AppendResponse response;
  grpc::Status status;
  // The request_id makes retries safe: a committed append is not repeated.
  for (int attempt = 0; attempt < 4; ++attempt) {
    if (attempt > 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(200 << attempt));
    }
    grpc::ClientContext context;
    SetDeadline(context, global.timeout_seconds);
    status = stub->Append(&context, request, &response);
    if (status.error_code() != grpc::StatusCode::UNAVAILABLE) break;
  }
  if (!status.ok()) return RpcError(global, status);
  if (global.json) {
    std::cout << ToJson(response) << "\n";
    return kExitOk;
  }
  const uint64_t n = response.last_position() - response.first_position() + 1;
  std::cout << (response.duplicate() ? "already appended (idempotent retry): "
                                     : "appended ")
            << n << (n == 1 ? " event" : " events") << " to "
            << request.customer_id() << "\n";
  Table table({"POSITIONS", "VERSIONS", "RECORDED (UTC)", "REQUEST ID"});
  table.AddRow({std::to_string(response.first_position()) + ".." +
                    std::to_string(response.last_position()),
                std::to_string(response.first_version()) + ".." +
                    std::to_string(response.last_version()),
                FormatTime(response.recorded_at()), request.request_id()});
  table.Print();
  return kExitOk;
}

int RunReadStream(const GlobalOptions& global, const ReadOptions& options) {
  auto stub = Connect(global);
  v1::ReadStreamRequest request;
  request.set_customer_id(options.customer_id);
  request.set_from_version(options.from);
  request.set_limit(options.limit);
  request.set_include_raw_payload(options.raw);
  request.set_direction(options.backwards ? v1::READ_DIRECTION_BACKWARDS
                                          : v1::READ_DIRECTION_FORWARDS);
  Table table(EventHeader());
  uint64_t stream_version = 0;
  for (;;) {
    grpc::ClientContext context;
    SetDeadline(context, global.timeout_seconds);
    v1::ReadStreamResponse response;
    grpc::Status status = stub->ReadStream(&context, request, &response);
    if (!status.ok()) return RpcError(global, status);
    PrintEvents(global, response.events(), &table);
    stream_version = response.stream_version();
    if (!options.all_pages || response.next_version() == 0) {
      if (!global.json && response.next_version() != 0) {
        table.Print();
        std::cout << "(more: --from " << response.next_version()
                  << " or --all)\n";
        return kExitOk;
      }
      break;
    }
    request.set_from_version(response.next_version());
  }
  if (!global.json) {
    table.Print();
    std::cout << "(customer " << options.customer_id << " is at version "
              << stream_version << ")\n";
  }
  return kExitOk;
}

int RunReadAll(const GlobalOptions& global, const ReadOptions& options) {
  auto stub = Connect(global);
  v1::ReadAllRequest request;
  request.set_from_position(options.from);
  request.set_limit(options.limit);
  request.set_include_raw_payload(options.raw);
  FillFilter(options.types, options.customers, request.mutable_filter());
  Table table(EventHeader());
  v1::ReadAllResponse response;
  for (;;) {
    grpc::ClientContext context;
    SetDeadline(context, global.timeout_seconds);
    response.Clear();
    grpc::Status status = stub->ReadAll(&context, request, &response);
    if (!status.ok()) return RpcError(global, status);
    PrintEvents(global, response.events(), &table);
    if (!options.all_pages || response.end_of_log()) break;
    request.set_from_position(response.next_position());
  }
  if (!global.json) {
    table.Print();
    if (!response.end_of_log()) {
      std::cout << "(more: --from " << response.next_position()
                << " or --all; head is " << response.head_position() << ")\n";
    } else {
      std::cout << "(end of log; head is " << response.head_position() << ")\n";
    }
  }
  return kExitOk;
}

int RunSubscribe(const GlobalOptions& global, const SubscribeOptions& options) {
  auto stub = Connect(global);
  v1::SubscribeRequest request;
  request.set_from_position(options.from);
  request.set_from_end(options.from_end);
  FillFilter(options.types, options.customers, request.mutable_filter());
  grpc::ClientContext context;
  SetDeadline(context, options.duration_seconds > 0 ? options.duration_seconds
                                                    : 24 * 3600.0);
  auto reader = stub->Subscribe(&context, request);
  v1::SubscribeResponse message;
  uint64_t received = 0;
  if (!global.json) {
    Table header(EventHeader());
    header.Print();
  }
  while (reader->Read(&message)) {
    if (message.has_event()) {
      ++received;
      if (global.json) {
        std::cout << ToJson(message) << std::endl;
      } else {
        // Live output cannot know column widths in advance: tab-separate.
        std::string line;
        for (const auto& cell : EventRow(message.event())) {
          line += (line.empty() ? "" : "\t") + cell;
        }
        std::cout << line << std::endl;
      }
      if (options.count != 0 && received >= options.count) {
        context.TryCancel();
        break;
      }
    } else if (options.show_checkpoints || message.has_caught_up()) {
      if (global.json) {
        std::cout << ToJson(message) << std::endl;
      } else if (message.has_caught_up()) {
        std::cerr << "-- caught up at position "
                  << message.caught_up().position() << "; now live --"
                  << std::endl;
      } else {
        std::cerr << "-- checkpoint " << message.checkpoint().position()
                  << " --" << std::endl;
      }
    }
  }
  grpc::Status status = reader->Finish();
  const bool stopped_by_us =
      status.error_code() == grpc::StatusCode::CANCELLED &&
      options.count != 0 && received >= options.count;
  const bool duration_over =
      status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED &&
      options.duration_seconds > 0;
  if (!status.ok() && !stopped_by_us && !duration_over) {
    return RpcError(global, status);
  }
  return kExitOk;
}

int RunVerifyChain(const GlobalOptions& global, const VerifyOptions& options) {
  auto stub = Connect(global);
  v1::GetInfoResponse info;
  {
    grpc::ClientContext context;
    SetDeadline(context, global.timeout_seconds);
    grpc::Status status = stub->GetInfo(&context, v1::GetInfoRequest(), &info);
    if (!status.ok()) return RpcError(global, status);
  }
  const uint64_t from = options.from == 0 ? 1 : options.from;
  const uint64_t to = options.to == 0 ? info.head_position() : options.to;
  std::string prev_hash(32, '\0');
  if (from > 1) {
    // Starting mid-log trusts the hash of from - 1; start at 1 for a full
    // audit.
    grpc::ClientContext context;
    SetDeadline(context, global.timeout_seconds);
    v1::ReadAllRequest request;
    request.set_from_position(from - 1);
    request.set_limit(1);
    v1::ReadAllResponse response;
    grpc::Status status = stub->ReadAll(&context, request, &response);
    if (!status.ok()) return RpcError(global, status);
    if (response.events_size() != 1) {
      return UsageError("position " + std::to_string(from - 1) +
                        " does not exist");
    }
    prev_hash = response.events(0).hash();
  }
  ChainVerifier verifier(prev_hash);
  std::string error;
  bool ok = true;
  uint64_t missing = 0;
  {
    ProgressBar progress(ProgressBar::Wanted(global.json),
                         to >= from ? to - from + 1 : 0, "events");
    grpc::Status status = ForEachEvent(
        *stub, global, from, to, options.page,
        [&](const v1::Event& e) {
          ok = verifier.Check(e, &error);
          progress.Update(verifier.verified());
          return ok;
        },
        &missing);
    if (!status.ok()) return RpcError(global, status);
  }
  if (ok && missing != 0) {
    ok = false;
    error = "the server returned no event at position " +
            std::to_string(missing) + " (expected events up to " +
            std::to_string(to) + ")";
  }
  // When the whole log was checked, the server's advertised head must be
  // the hash we computed ourselves.
  if (ok && to == info.head_position() && from <= to &&
      verifier.last_hash() != info.head_hash()) {
    ok = false;
    error = "GetInfo reports head hash " + ToHex(info.head_hash()) +
            " but the events hash to " + ToHex(verifier.last_hash());
  }
  if (global.json) {
    std::cout << "{\"ok\":" << (ok ? "true" : "false") << ",\"from\":" << from
              << ",\"to\":" << to << ",\"verified\":" << verifier.verified()
              << ",\"lastHash\":\"" << ToHex(verifier.last_hash()) << "\"";
    if (!ok) std::cout << ",\"error\":\"" << error << "\"";
    std::cout << "}\n";
  } else if (ok) {
    std::cout << "chain OK: " << verifier.verified() << " events (positions "
              << from << ".." << to << ") verified client-side\n"
              << "head hash " << ToHex(verifier.last_hash()) << "\n";
  } else {
    std::cout << "chain BROKEN: " << error << "\n";
  }
  return ok ? kExitOk : kExitVerifyFailed;
}

int RunInfo(const GlobalOptions& global) {
  auto stub = Connect(global);
  grpc::ClientContext context;
  SetDeadline(context, global.timeout_seconds);
  v1::GetInfoResponse info;
  grpc::Status status = stub->GetInfo(&context, v1::GetInfoRequest(), &info);
  if (!status.ok()) return RpcError(global, status);
  if (global.json) {
    std::cout << ToJson(info) << "\n";
    return kExitOk;
  }
  Table table({"FIELD", "VALUE"});
  table.AddRow({"server version", info.server_version()});
  table.AddRow({"head position", std::to_string(info.head_position())});
  table.AddRow({"head hash", ToHex(info.head_hash())});
  table.AddRow(
      {"sync writes", info.sync_writes() ? "on" : "OFF (not durable)"});
  table.AddRow({"started at", FormatTime(info.started_at())});
  table.AddRow({"commit groups", std::to_string(info.commit_groups())});
  table.AddRow({"committed appends", std::to_string(info.committed_appends())});
  table.AddRow({"committed events", std::to_string(info.committed_events())});
  if (info.commit_groups() > 0) {
    char avg[32];
    std::snprintf(avg, sizeof(avg), "%.2f",
                  static_cast<double>(info.committed_appends()) /
                      static_cast<double>(info.commit_groups()));
    table.AddRow({"appends per commit", avg});
  }
  table.AddRow({"projections", info.projection_version().empty()
                                   ? "(not built)"
                                   : info.projection_version()});
  table.AddRow(
      {"projections at position", std::to_string(info.projection_position())});
  table.AddRow(
      {"rebuild", info.rebuild_running()
                      ? "running: " + std::to_string(info.rebuild_position()) +
                            " of " + std::to_string(info.rebuild_target()) +
                            " events folded"
                      : "none running"});
  table.Print();
  return kExitOk;
}

}  // namespace ledger::ctl
