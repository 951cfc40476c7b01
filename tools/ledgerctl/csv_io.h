// CSV files as spreadsheets write and read them: decoding (UTF-8 with or
// without BOM, GB18030/GBK) and parsing with libcsv on import, Excel-friendly
// quoting on export. Plain functions and values; thread-compatible.
#ifndef LEDGER_TOOLS_LEDGERCTL_CSV_IO_H_
#define LEDGER_TOOLS_LEDGERCTL_CSV_IO_H_

#include <string>
#include <string_view>
#include <vector>

namespace ledger::ctl {

enum class CsvEncoding {
  kAuto,     // UTF-8 BOM stripped; valid UTF-8 as is; otherwise GB18030
  kUtf8,     // UTF-8 (a BOM is stripped); invalid bytes are an error
  kGb18030,  // GB18030, a superset of GBK and GB2312
};

// "auto", "utf-8"/"utf8", "gb18030"/"gbk"/"gb2312" (any case). False for
// anything else.
bool ParseCsvEncoding(const std::string& text, CsvEncoding* encoding);

// Converts the bytes of a file to UTF-8 as `encoding` says. *used names what
// was used, for people: "UTF-8", "UTF-8 with BOM" or "GB18030". On failure
// returns false and sets *error to what is wrong and where (line number).
bool DecodeToUtf8(std::string_view bytes, CsvEncoding encoding,
                  std::string* utf8, std::string* used, std::string* error);

// Whether `text` is well-formed UTF-8 (no overlong forms, no surrogates).
bool IsValidUtf8(std::string_view text);

// One record of a CSV file. `row` is its number as a spreadsheet shows it:
// the first line is row 1, blank lines count, and a quoted field spanning
// several lines is still one row.
struct CsvRow {
  int row = 0;
  std::vector<std::string> fields;  // as in the file (libcsv trims unquoted
                                    // leading and trailing blanks)
};

// Parses UTF-8 CSV text (comma-separated, '"' quotes, CR, LF or CRLF line
// ends) with libcsv in strict mode. Blank rows are left out (their numbers
// are skipped). On malformed quoting returns false with *error naming the
// row.
bool ParseCsv(std::string_view utf8, std::vector<CsvRow>* rows,
              std::string* error);

// Reads `path` ("-": standard input) whole, decodes and parses it.
bool ReadCsvFile(const std::string& path, CsvEncoding encoding,
                 std::vector<CsvRow>* rows, std::string* used_encoding,
                 std::string* error);

// Reads `path` ("-": standard input) whole into *bytes.
bool ReadWholeFile(const std::string& path, std::string* bytes);

// The UTF-8 byte order mark, which tells Excel that a CSV file is UTF-8.
inline constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";

// One CSV line for Excel: every field quoted (libcsv's csv_write, doubling
// inner quotes), separated by commas, ended by CRLF.
std::string FormatCsvRow(const std::vector<std::string>& fields);

}  // namespace ledger::ctl

#endif  // LEDGER_TOOLS_LEDGERCTL_CSV_IO_H_
