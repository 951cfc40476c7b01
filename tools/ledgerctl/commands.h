#ifndef LEDGER_TOOLS_LEDGERCTL_COMMANDS_H_
#define LEDGER_TOOLS_LEDGERCTL_COMMANDS_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "grpcpp/channel.h"
#include "grpcpp/client_context.h"
#include "grpcpp/support/status.h"
#include "tools/common/client_connection.h"

namespace ledger::ctl {

// Exit codes of ledgerctl.
inline constexpr int kExitOk = 0;
inline constexpr int kExitRpcError = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitVerifyFailed = 3;
// Some items failed while the others were done (import: rejected rows).
inline constexpr int kExitPartial = 3;

struct GlobalOptions {
  std::string address = "127.0.0.1:50051";
  bool json = false;
  double timeout_seconds = 10;
  // TLS, token, purpose, on-behalf-of (LoadFiles done after parsing).
  client::ConnectionOptions connection;
};

struct AppendOptions {
  std::string customer_id;
  std::string file;                 // AppendRequest JSON; "-" is stdin
  std::vector<std::string> events;  // EventPayload JSON each
  std::string actor;
  std::string reason;
  std::string request_id;
  std::string expected_version;  // any | no-stream | exists | N
  std::string correlation_id;
  std::string causation_id;
  std::string service = "ledgerctl";
  std::string on_behalf_of;
  std::string occurred_at;  // RFC 3339
};

struct ReadOptions {
  std::string customer_id;
  uint64_t from = 0;
  uint32_t limit = 0;
  bool backwards = false;
  bool all_pages = false;
  bool raw = false;
  std::vector<std::string> types;
  std::vector<std::string> customers;
};

struct SubscribeOptions {
  uint64_t from = 0;
  bool from_end = false;
  std::vector<std::string> types;
  std::vector<std::string> customers;
  uint64_t count = 0;  // stop after this many events (0: never)
  bool show_checkpoints = false;
  double duration_seconds = 0;  // 0: until interrupted (24 h deadline)
};

struct VerifyOptions {
  uint64_t from = 1;
  uint64_t to = 0;  // 0: the head at start
  uint32_t page = 1000;
};

// A channel to the server at global.address with global.connection's
// credentials and metadata; every command dials this way.
std::shared_ptr<grpc::Channel> NewChannel(const GlobalOptions& global);

// Sets a deadline of `seconds` from now on `context`.
void SetDeadline(grpc::ClientContext& context, double seconds);

// Prints a failed call's status to stderr; returns kExitRpcError.
int RpcError(const GlobalOptions& global, const grpc::Status& status);

// Prints "error: message" to stderr; returns kExitUsage.
int UsageError(const std::string& message);

// A random (version 4) UUID, for request ids.
std::string NewUuid();

int RunAppend(const GlobalOptions& global, const AppendOptions& options);
int RunReadStream(const GlobalOptions& global, const ReadOptions& options);
int RunReadAll(const GlobalOptions& global, const ReadOptions& options);
int RunSubscribe(const GlobalOptions& global, const SubscribeOptions& options);
int RunVerifyChain(const GlobalOptions& global, const VerifyOptions& options);
int RunInfo(const GlobalOptions& global);

}  // namespace ledger::ctl

#endif  // LEDGER_TOOLS_LEDGERCTL_COMMANDS_H_
