#ifndef LEDGER_TOOLS_LEDGERCTL_OUTPUT_H_
#define LEDGER_TOOLS_LEDGERCTL_OUTPUT_H_

#include <string>
#include <vector>

#include "google/protobuf/message.h"
#include "ledger/v1/ledger.pb.h"

namespace ledger::ctl {

// Protobuf JSON mapping of `message` on one line (or indented).
std::string ToJson(const google::protobuf::Message& message,
                   bool pretty = false);

// A simple left-aligned text table for people. Not thread-safe.
class Table {
 public:
  explicit Table(std::vector<std::string> header);
  void AddRow(std::vector<std::string> row);
  // Prints to stdout; columns are padded by display width (CJK-aware).
  void Print() const;
  bool empty() const { return rows_.empty(); }

 private:
  std::vector<std::string> header_;
  std::vector<std::vector<std::string>> rows_;
};

// The table columns used for events, and one event's row.
std::vector<std::string> EventHeader();
std::vector<std::string> EventRow(const ledger::v1::Event& event);
// The SUMMARY column of an event with this payload.
std::string PayloadSummary(const ledger::v1::EventPayload& payload);

// "2026-11-23 18:25:41.123" in UTC.
std::string FormatTime(const google::protobuf::Timestamp& ts);

// "1234.50 CNY"; empty for an unset amount.
std::string MoneyText(const ledger::v1::Money& money);
// MoneyText of each, comma-separated ("1200.00 CNY, 300.00 USD").
std::string MoneyList(
    const google::protobuf::RepeatedPtrField<ledger::v1::Money>& amounts);

// An enum value's name without its prefix: Short("GRADE_A", "GRADE_") "A".
std::string Short(const std::string& enum_name, const std::string& prefix);

// Cuts `text` to at most `max_width` display columns, adding "…".
std::string Truncate(const std::string& text, size_t max_width);

}  // namespace ledger::ctl

#endif  // LEDGER_TOOLS_LEDGERCTL_OUTPUT_H_
