// Reading the cells of a customer spreadsheet: blanks, lists, dates,
// numbers and enum words as people type them in Excel (Chinese or English).
// Pure functions; thread-safe.
#ifndef LEDGER_TOOLS_LEDGERCTL_CELL_VALUES_H_
#define LEDGER_TOOLS_LEDGERCTL_CELL_VALUES_H_

#include <cstdint>
#include <string>
#include <vector>

#include "ledger/v1/events.pb.h"

namespace ledger::ctl {

// `s` without leading and trailing blanks: ASCII white space, the
// ideographic space U+3000 and the no-break space U+00A0.
std::string Trim(const std::string& s);

// A cell holding several values ("138…;0571-…", "a／b", "x、y"): split at
// ; ； / ／ 、 , ， and line breaks, each value trimmed, empty ones dropped.
std::vector<std::string> SplitList(const std::string& cell);

// A header as compared for auto-mapping: trimmed, a trailing '*', '＊', ':'
// or '：' removed, ASCII lower-cased, without ' ', '_' and '-'.
std::string NormalizeHeader(const std::string& header);

// YYYY-MM-DD, YYYY/M/D, YYYY.M.D or YYYY年M月D日, optionally followed by a
// time of day (ignored). Checks month 1..12 and day 1..31 only; the server
// checks the calendar. False for anything else.
bool ParseDateCell(const std::string& cell, ledger::v1::Date* date);

// A whole number 0..4294967295; ',' and '，' separators and a trailing "人"
// are allowed.
bool ParseCount(const std::string& cell, uint32_t* value);

// 男/male/m/先生, 女/female/f/女士, 其他/other (ASCII case-insensitive).
bool ParseGender(const std::string& cell, ledger::v1::Gender* gender);

// A customer kind word: 个人/自然人/individual/person → INDIVIDUAL;
// 企业/公司/单位/机构/organization/company/org → ORGANIZATION. False for
// anything else.
bool ParseCustomerKind(const std::string& text, ledger::v1::CustomerKind* kind);

}  // namespace ledger::ctl

#endif  // LEDGER_TOOLS_LEDGERCTL_CELL_VALUES_H_
