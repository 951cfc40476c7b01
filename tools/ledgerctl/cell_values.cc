#include "tools/ledgerctl/cell_values.h"

#include <cstdint>
#include <string>

#include "absl/strings/numbers.h"
#include "tools/ledgerctl/query_util.h"

namespace ledger::ctl {

namespace {

namespace v1 = ::ledger::v1;

// Lengths of the UTF-8 blanks and separators at s[i], 0 if none.
size_t BlankAt(const std::string& s, size_t i) {
  const unsigned char c = static_cast<unsigned char>(s[i]);
  if (c == ' ' || (c >= '\t' && c <= '\r')) return 1;
  if (s.compare(i, 3, "\xE3\x80\x80") == 0) return 3;  // U+3000
  if (s.compare(i, 2, "\xC2\xA0") == 0) return 2;      // no-break space
  return 0;
}

size_t SeparatorAt(const std::string& s, size_t i) {
  const char c = s[i];
  if (c == ';' || c == '/' || c == ',' || c == '\n' || c == '\r') return 1;
  for (const char* sep : {"；", "／", "、", "，"}) {
    const size_t n = std::char_traits<char>::length(sep);
    if (s.compare(i, n, sep) == 0) return n;
  }
  return 0;
}

bool AllDigits(const std::string& s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

std::string ReplaceAll(std::string s, const std::string& from,
                       const std::string& to) {
  for (size_t at = s.find(from); at != std::string::npos;
       at = s.find(from, at + to.size())) {
    s.replace(at, from.size(), to);
  }
  return s;
}

}  // namespace

std::string Trim(const std::string& s) {
  size_t begin = 0;
  size_t end = s.size();
  while (begin < end) {
    const size_t n = BlankAt(s, begin);
    if (n == 0) break;
    begin += n;
  }
  // Blanks end in one of their bytes: check the 1-, 2- and 3-byte forms.
  for (bool more = true; more && end > begin;) {
    more = false;
    for (size_t n : {1, 2, 3}) {
      if (end - begin >= n && BlankAt(s, end - n) == n) {
        end -= n;
        more = true;
        break;
      }
    }
  }
  return s.substr(begin, end - begin);
}

std::vector<std::string> SplitList(const std::string& cell) {
  std::vector<std::string> out;
  std::string current;
  for (size_t i = 0; i <= cell.size();) {
    const size_t n = i < cell.size() ? SeparatorAt(cell, i) : 1;
    if (n == 0) {
      current.push_back(cell[i++]);
      continue;
    }
    std::string value = Trim(current);
    if (!value.empty()) out.push_back(std::move(value));
    current.clear();
    i += n;
  }
  return out;
}

// Headers compare without case (ASCII), blanks, '_', '-', and a trailing
// required-marker '*' or colon.
std::string NormalizeHeader(const std::string& header) {
  std::string h = Trim(header);
  for (const char* suffix : {"*", "＊", ":", "："}) {
    const std::string s = suffix;
    if (h.size() > s.size() && h.compare(h.size() - s.size(), s.size(), s) == 0)
      h = Trim(h.substr(0, h.size() - s.size()));
  }
  std::string out;
  for (char c : Lower(h)) {
    if (c != ' ' && c != '_' && c != '-') out.push_back(c);
  }
  return out;
}

bool ParseDateCell(const std::string& cell, v1::Date* date) {
  std::string s = ReplaceAll(ReplaceAll(cell, "年", "-"), "月", "-");
  s = ReplaceAll(s, "日", "");
  // A time of day after the date (Excel writes "2001/3/5 0:00") is dropped.
  if (const size_t space = s.find_first_of(" T"); space != std::string::npos) {
    const std::string time = s.substr(space + 1);
    if (time.find_first_not_of("0123456789:.") != std::string::npos) {
      return false;
    }
    s.resize(space);
  }
  for (char& c : s) {
    if (c == '/' || c == '.') c = '-';
  }
  const size_t a = s.find('-');
  const size_t b = a == std::string::npos ? a : s.find('-', a + 1);
  if (b == std::string::npos) return false;
  const std::string y = s.substr(0, a);
  const std::string m = s.substr(a + 1, b - a - 1);
  const std::string d = s.substr(b + 1);
  if (y.size() != 4 || !AllDigits(y) || m.size() > 2 || !AllDigits(m) ||
      d.size() > 2 || !AllDigits(d)) {
    return false;
  }
  int year = 0, month = 0, day = 0;  // SimpleAtoi: no exceptions
  if (!absl::SimpleAtoi(y, &year) || !absl::SimpleAtoi(m, &month) ||
      !absl::SimpleAtoi(d, &day)) {
    return false;
  }
  if (month < 1 || month > 12 || day < 1 || day > 31) return false;
  date->set_year(year);
  date->set_month(month);
  date->set_day(day);
  return true;
}

bool ParseCount(const std::string& cell, uint32_t* value) {
  std::string s = ReplaceAll(ReplaceAll(cell, ",", ""), "，", "");
  if (s.size() > 3 && s.compare(s.size() - 3, 3, "人") == 0) {
    s = Trim(s.substr(0, s.size() - 3));
  }
  if (!AllDigits(s) || s.size() > 10) return false;
  const uint64_t v = std::stoull(s);
  if (v > UINT32_MAX) return false;
  *value = static_cast<uint32_t>(v);
  return true;
}

bool ParseGender(const std::string& cell, v1::Gender* gender) {
  const std::string g = Lower(cell);
  if (g == "男" || g == "male" || g == "m" || g == "先生") {
    *gender = v1::GENDER_MALE;
  } else if (g == "女" || g == "female" || g == "f" || g == "女士") {
    *gender = v1::GENDER_FEMALE;
  } else if (g == "其他" || g == "other") {
    *gender = v1::GENDER_OTHER;
  } else {
    return false;
  }
  return true;
}

bool ParseCustomerKind(const std::string& text, v1::CustomerKind* kind) {
  const std::string k = Lower(Trim(text));
  for (const char* w : {"个人", "自然人", "individual", "person"}) {
    if (k == w) {
      *kind = v1::CUSTOMER_KIND_INDIVIDUAL;
      return true;
    }
  }
  for (const char* w : {"企业", "公司", "单位", "机构", "organization",
                        "organisation", "company", "org"}) {
    if (k == w) {
      *kind = v1::CUSTOMER_KIND_ORGANIZATION;
      return true;
    }
  }
  return false;
}

}  // namespace ledger::ctl
