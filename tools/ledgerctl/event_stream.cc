#include "tools/ledgerctl/event_stream.h"

#include "grpcpp/grpcpp.h"

namespace ledger::ctl {

namespace v1 = ::ledger::v1;

grpc::Status ForEachEvent(v1::Ledger::Stub& stub, const GlobalOptions& global,
                          uint64_t from, uint64_t to, uint32_t page,
                          const std::function<bool(const v1::Event&)>& on_event,
                          uint64_t* missing) {
  *missing = 0;
  v1::ReadAllRequest request;
  request.set_from_position(from);
  request.set_limit(page);
  request.set_include_raw_payload(true);
  uint64_t next = from;
  while (next <= to) {
    grpc::ClientContext context;
    SetDeadline(context, global.timeout_seconds);
    v1::ReadAllResponse response;
    grpc::Status status = stub.ReadAll(&context, request, &response);
    if (!status.ok()) return status;
    if (response.events_size() == 0) {
      *missing = next;
      return grpc::Status::OK;
    }
    for (const v1::Event& e : response.events()) {
      if (e.position() > to) return grpc::Status::OK;
      if (!on_event(e)) return grpc::Status::OK;
      next = e.position() + 1;
    }
    // A server that repeats itself must not keep us here forever.
    if (next <= request.from_position()) {
      *missing = request.from_position();
      return grpc::Status::OK;
    }
    request.set_from_position(next);
  }
  return grpc::Status::OK;
}

}  // namespace ledger::ctl
