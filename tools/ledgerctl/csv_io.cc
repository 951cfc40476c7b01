#include "tools/ledgerctl/csv_io.h"

#include <csv.h>
#include <iconv.h>

#include <cerrno>
#include <cstdio>
#include <utility>

#include "tools/ledgerctl/query_util.h"

namespace ledger::ctl {

namespace {

constexpr size_t kValid = std::string_view::npos;

// Offset of the first byte that is not part of well-formed UTF-8, or kValid.
size_t FirstInvalidUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    int len = 0;
    uint32_t cp = 0;
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
      cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      cp = c & 0x07;
    } else {
      return i;
    }
    if (i + len > s.size()) return i;
    for (int k = 1; k < len; ++k) {
      const unsigned char t = static_cast<unsigned char>(s[i + k]);
      if ((t & 0xC0) != 0x80) return i;
      cp = (cp << 6) | (t & 0x3F);
    }
    const bool overlong =
        (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000);
    if (overlong || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return i;
    i += len;
  }
  return kValid;
}

// 1-based line of byte `offset`.
int LineAt(std::string_view bytes, size_t offset) {
  int line = 1;
  for (size_t i = 0; i < offset && i < bytes.size(); ++i) {
    if (bytes[i] == '\n') ++line;
  }
  return line;
}

std::string HexByte(unsigned char c) {
  char buf[8];
  std::snprintf(buf, sizeof(buf), "0x%02X", c);
  return buf;
}

bool Gb18030ToUtf8(std::string_view bytes, std::string* utf8,
                   std::string* error) {
  iconv_t cd = iconv_open("UTF-8", "GB18030");
  if (cd == reinterpret_cast<iconv_t>(-1)) {
    *error = "this system's iconv cannot convert from GB18030";
    return false;
  }
  std::string out(bytes.size() * 2 + 16, '\0');
  char* in = const_cast<char*>(bytes.data());
  size_t in_left = bytes.size();
  char* o = out.data();
  size_t out_left = out.size();
  bool ok = true;
  while (in_left > 0) {
    if (iconv(cd, &in, &in_left, &o, &out_left) != static_cast<size_t>(-1)) {
      continue;
    }
    if (errno == E2BIG) {
      const size_t used = static_cast<size_t>(o - out.data());
      out.resize(out.size() * 2);
      o = out.data() + used;
      out_left = out.size() - used;
      continue;
    }
    const size_t at = static_cast<size_t>(in - bytes.data());
    *error = "line " + std::to_string(LineAt(bytes, at)) + " (byte " +
             std::to_string(at + 1) + ", " +
             HexByte(static_cast<unsigned char>(bytes[at])) +
             ") is neither UTF-8 nor GB18030/GBK";
    ok = false;
    break;
  }
  iconv_close(cd);
  if (!ok) return false;
  out.resize(static_cast<size_t>(o - out.data()));
  *utf8 = std::move(out);
  return true;
}

struct ParseState {
  std::vector<CsvRow>* rows;
  std::vector<std::string> fields;
  int row = 1;        // spreadsheet number of the row being read
  int last_term = 0;  // the character that ended the previous row
};

void OnField(void* data, size_t len, void* state) {
  auto* s = static_cast<ParseState*>(state);
  s->fields.emplace_back(data != nullptr ? static_cast<const char*>(data) : "",
                         len);
}

// With CSV_REPALL_NL libcsv reports every unquoted CR and LF as a row end,
// so blank lines are seen (and counted) too; the LF of a CRLF is not a row.
void OnRow(int term, void* state) {
  auto* s = static_cast<ParseState*>(state);
  if (s->fields.empty() && term == '\n' && s->last_term == '\r') {
    s->last_term = 0;
    return;
  }
  s->last_term = term;
  if (!s->fields.empty()) {
    s->rows->push_back(CsvRow{s->row, std::move(s->fields)});
    s->fields.clear();
  }
  ++s->row;
}

}  // namespace

bool ParseCsvEncoding(const std::string& text, CsvEncoding* encoding) {
  const std::string t = Lower(text);
  if (t == "auto") {
    *encoding = CsvEncoding::kAuto;
  } else if (t == "utf-8" || t == "utf8") {
    *encoding = CsvEncoding::kUtf8;
  } else if (t == "gb18030" || t == "gbk" || t == "gb2312") {
    *encoding = CsvEncoding::kGb18030;
  } else {
    return false;
  }
  return true;
}

bool IsValidUtf8(std::string_view text) {
  return FirstInvalidUtf8(text) == kValid;
}

bool DecodeToUtf8(std::string_view bytes, CsvEncoding encoding,
                  std::string* utf8, std::string* used, std::string* error) {
  if (bytes.size() >= 2 && ((bytes[0] == '\xFF' && bytes[1] == '\xFE') ||
                            (bytes[0] == '\xFE' && bytes[1] == '\xFF'))) {
    *error =
        "the file is UTF-16 (Excel's \"Unicode text\"); save it as \"CSV "
        "UTF-8 (comma delimited)\" or plain CSV instead";
    return false;
  }
  const bool bom = bytes.substr(0, kUtf8Bom.size()) == kUtf8Bom;
  if (encoding == CsvEncoding::kGb18030) {
    *used = "GB18030";
    return Gb18030ToUtf8(bytes, utf8, error);
  }
  const std::string_view body = bom ? bytes.substr(kUtf8Bom.size()) : bytes;
  const size_t bad = FirstInvalidUtf8(body);
  if (bad == kValid) {
    *used = bom ? "UTF-8 with BOM" : "UTF-8";
    utf8->assign(body);
    return true;
  }
  if (encoding == CsvEncoding::kUtf8 || bom) {
    *error = "line " + std::to_string(LineAt(body, bad)) + " (byte " +
             std::to_string(bad + 1 + (bom ? kUtf8Bom.size() : 0)) + ", " +
             HexByte(static_cast<unsigned char>(body[bad])) +
             ") is not valid UTF-8; for a GBK file use --encoding gb18030";
    return false;
  }
  *used = "GB18030";
  return Gb18030ToUtf8(bytes, utf8, error);
}

bool ParseCsv(std::string_view utf8, std::vector<CsvRow>* rows,
              std::string* error) {
  csv_parser parser;
  if (csv_init(&parser, CSV_STRICT | CSV_STRICT_FINI | CSV_REPALL_NL) != 0) {
    *error = "cannot initialise the CSV parser";
    return false;
  }
  ParseState state{rows, {}, 1, 0};
  const size_t parsed =
      csv_parse(&parser, utf8.data(), utf8.size(), OnField, OnRow, &state);
  bool ok = true;
  if (parsed != utf8.size()) {
    *error = "row " + std::to_string(state.row) +
             ": malformed quoting (a '\"' inside an unquoted field, or text "
             "after a closing quote); quote the whole field and double the "
             "quotes inside it";
    ok = false;
  } else if (csv_fini(&parser, OnField, OnRow, &state) != 0) {
    *error = "row " + std::to_string(state.row) +
             ": a quoted field is never closed (a '\"' is missing)";
    ok = false;
  }
  csv_free(&parser);
  return ok;
}

bool ReadWholeFile(const std::string& path, std::string* bytes) {
  const bool from_stdin = path == "-";
  FILE* f = from_stdin ? stdin : std::fopen(path.c_str(), "rb");
  if (f == nullptr) return false;
  bytes->clear();
  char buffer[1 << 16];
  size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof(buffer), f)) > 0) {
    bytes->append(buffer, n);
  }
  const bool ok = std::ferror(f) == 0;
  if (!from_stdin) std::fclose(f);
  return ok;
}

bool ReadCsvFile(const std::string& path, CsvEncoding encoding,
                 std::vector<CsvRow>* rows, std::string* used_encoding,
                 std::string* error) {
  std::string bytes;
  if (!ReadWholeFile(path, &bytes)) {
    *error = "cannot read " + path;
    return false;
  }
  std::string utf8;
  if (!DecodeToUtf8(bytes, encoding, &utf8, used_encoding, error) ||
      !ParseCsv(utf8, rows, error)) {
    *error = path + ": " + *error;
    return false;
  }
  return true;
}

std::string FormatCsvRow(const std::vector<std::string>& fields) {
  std::string line;
  std::string quoted;
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) line.push_back(',');
    // Worst case: every byte a quote (doubled) plus the enclosing pair.
    quoted.resize(fields[i].size() * 2 + 2);
    const size_t n = csv_write(quoted.data(), quoted.size(), fields[i].data(),
                               fields[i].size());
    line.append(quoted.data(), n);
  }
  line.append("\r\n");
  return line;
}

}  // namespace ledger::ctl
