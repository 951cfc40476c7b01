#include "tools/ledgerctl/admin_commands.h"

#include <cstdio>
#include <iostream>

#include "grpcpp/grpcpp.h"
#include "ledger/v1/admin.grpc.pb.h"
#include "tools/ledgerctl/output.h"

namespace ledger::ctl {

namespace v1 = ::ledger::v1;

int RunRebuildProjections(const GlobalOptions& global, double timeout_seconds) {
  auto stub = v1::Admin::NewStub(NewChannel(global));
  grpc::ClientContext context;
  SetDeadline(context, timeout_seconds);
  v1::RebuildProjectionsResponse response;
  grpc::Status status = stub->RebuildProjections(
      &context, v1::RebuildProjectionsRequest(), &response);
  if (!status.ok()) return RpcError(global, status);
  if (global.json) {
    std::cout << ToJson(response) << "\n";
    return kExitOk;
  }
  char seconds[32];
  std::snprintf(seconds, sizeof(seconds), "%.2f", response.seconds());
  std::cout << "projections " << response.version()
            << " rebuilt up to position " << response.head_position() << " in "
            << seconds << " s; the server kept serving meanwhile\n";
  return kExitOk;
}

int RunCancelRebuild(const GlobalOptions& global) {
  auto stub = v1::Admin::NewStub(NewChannel(global));
  grpc::ClientContext context;
  SetDeadline(context, global.timeout_seconds);
  v1::CancelRebuildProjectionsResponse response;
  grpc::Status status = stub->CancelRebuildProjections(
      &context, v1::CancelRebuildProjectionsRequest(), &response);
  if (!status.ok()) return RpcError(global, status);
  if (global.json) {
    std::cout << ToJson(response) << "\n";
    return kExitOk;
  }
  std::cout << (response.was_running()
                    ? "the running projection rebuild was cancelled; the "
                      "current projections stay in force\n"
                    : "no projection rebuild was running\n");
  return kExitOk;
}

}  // namespace ledger::ctl
