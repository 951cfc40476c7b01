// Helpers shared by the ledgerctl query commands: enum labels, dates and
// times, paging.
#ifndef LEDGER_TOOLS_LEDGERCTL_QUERY_UTIL_H_
#define LEDGER_TOOLS_LEDGERCTL_QUERY_UTIL_H_

#include <algorithm>
#include <iostream>
#include <string>

#include "google/protobuf/descriptor.h"
#include "google/protobuf/repeated_field.h"
#include "google/protobuf/timestamp.pb.h"
#include "grpcpp/grpcpp.h"
#include "ledger/v1/events.pb.h"
#include "tools/ledgerctl/commands.h"
#include "tools/ledgerctl/output.h"

namespace ledger::ctl {

std::string Lower(std::string s);
std::string Upper(std::string s);

// "CONTACT_CHANNEL_INBOUND_VISIT" -> "inbound-visit" for prefix
// "CONTACT_CHANNEL_"; "" for the UNSPECIFIED value.
std::string Label(const std::string& enum_name, const std::string& prefix);
std::string GradeLabel(ledger::v1::Grade g);
std::string TierLabel(ledger::v1::ValueTier t);
std::string StageLabel(ledger::v1::LifecycleStage s);
std::string NatureLabel(ledger::v1::CustomerNature n);

// Maps a user-typed label ("inbound-visit", "Inbound_Visit") to the enum
// value, trying every named value of the enum. False when none matches;
// `valid` then lists the accepted labels.
template <typename Enum>
bool ParseLabel(const std::string& text, const std::string& prefix,
                const google::protobuf::EnumDescriptor* descriptor, bool upper,
                Enum* value, std::string* valid) {
  std::string wanted = Lower(text);
  std::replace(wanted.begin(), wanted.end(), '_', '-');
  valid->clear();
  for (int i = 0; i < descriptor->value_count(); ++i) {
    const auto* v = descriptor->value(i);
    const std::string label = Label(v->name(), prefix);
    if (label.empty()) continue;
    if (label == wanted) {
      *value = static_cast<Enum>(v->number());
      return true;
    }
    const std::string shown = upper ? Upper(label) : label;
    *valid += (valid->empty() ? "" : ", ") + shown;
  }
  return false;
}

// `s`, or `fallback` when it is empty.
std::string Or(const std::string& s, const char* fallback = "-");
std::string Join(const google::protobuf::RepeatedPtrField<std::string>& items,
                 const char* separator = ", ");

// "YYYY-MM-DD"; empty for an unset date.
std::string FormatDate(const ledger::v1::Date& d);
std::string TimeOrEmpty(bool has, const google::protobuf::Timestamp& ts);

// Parse a flag's RFC 3339 time / YYYY-MM-DD date; on failure print a usage
// error, set *exit_code and return false.
bool ParseTime(const std::string& flag, const std::string& text,
               google::protobuf::Timestamp* ts, int* exit_code);
bool ParseDate(const std::string& flag, const std::string& text,
               ledger::v1::Date* d, int* exit_code);

// Calls one page after another (all of them with --all), each under its own
// deadline. With --json each response is printed as one line; otherwise
// `on_page` gets it. `next_token` is the token after the last page fetched.
template <typename Request, typename Response, typename Call, typename OnPage>
grpc::Status FetchPages(const GlobalOptions& global, bool all_pages,
                        Request request, Call call, OnPage on_page,
                        std::string* next_token) {
  for (;;) {
    grpc::ClientContext context;
    SetDeadline(context, global.timeout_seconds);
    Response response;
    grpc::Status status = call(&context, request, &response);
    if (!status.ok()) return status;
    if (global.json) {
      std::cout << ToJson(response) << "\n";
    } else {
      on_page(response);
    }
    *next_token = response.next_page_token();
    if (!all_pages || next_token->empty()) return status;
    request.set_page_token(*next_token);
  }
}

// One unary call under a deadline of `timeout_seconds`; with --json the
// response is printed as one line. kExitOk, or RpcError's exit code.
template <typename Response, typename Call>
int CallUnary(const GlobalOptions& global, double timeout_seconds, Call call,
              Response* response) {
  grpc::ClientContext context;
  SetDeadline(context, timeout_seconds);
  const grpc::Status status = call(&context, response);
  if (!status.ok()) return RpcError(global, status);
  if (global.json) std::cout << ToJson(*response) << "\n";
  return kExitOk;
}

// As above, under the global --timeout.
template <typename Response, typename Call>
int CallUnary(const GlobalOptions& global, Call call, Response* response) {
  return CallUnary(global, global.timeout_seconds, call, response);
}

// "(more: --page-token …)" when there is a next page.
void PrintMore(const std::string& next_token);

}  // namespace ledger::ctl

#endif  // LEDGER_TOOLS_LEDGERCTL_QUERY_UTIL_H_
