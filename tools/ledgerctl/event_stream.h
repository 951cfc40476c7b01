#ifndef LEDGER_TOOLS_LEDGERCTL_EVENT_STREAM_H_
#define LEDGER_TOOLS_LEDGERCTL_EVENT_STREAM_H_

#include <cstdint>
#include <functional>
#include <string>

#include "grpcpp/support/status.h"
#include "ledger/v1/ledger.grpc.pb.h"
#include "tools/ledgerctl/commands.h"

namespace ledger::ctl {

// Pages through ReadAll over positions [from, to] with raw payloads, each
// page under its own deadline (global.timeout_seconds), and calls
// `on_event` for each event in the order the server sends them. Stops
// early when `on_event` returns false. If the server runs out of events
// before `to`, sets *missing to the first position it did not send and
// stops. Returns the first failed call's status (OK otherwise).
grpc::Status ForEachEvent(
    ledger::v1::Ledger::Stub& stub, const GlobalOptions& global, uint64_t from,
    uint64_t to, uint32_t page,
    const std::function<bool(const ledger::v1::Event&)>& on_event,
    uint64_t* missing);

}  // namespace ledger::ctl

#endif  // LEDGER_TOOLS_LEDGERCTL_EVENT_STREAM_H_
