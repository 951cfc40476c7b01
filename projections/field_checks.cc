#include "projections/field_checks.h"

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace ledger::projections {
namespace {

using absl::StrCat;

// A UTF-8 character, or an invalid byte (size 1, U+FFFD, `error` says why).
struct Utf8Char {
  size_t size;
  char32_t cp;
  const char* error;
};

Utf8Char DecodeAt(absl::string_view s, size_t i) {
  const auto bad = [](const char* why) { return Utf8Char{1, 0xFFFD, why}; };
  const auto b = static_cast<unsigned char>(s[i]);
  // Sequence length by the lead byte's high nibble; 0 for 80-BF and F8-FF.
  const size_t n = b >= 0xF8 ? 0 : "\1\1\1\1\1\1\1\1\0\0\0\0\2\2\3\4"[b >> 4];
  if (n == 0) return bad("cannot start a character");
  char32_t cp = b & (0xFF >> (n == 1 ? 1 : n + 1));
  for (size_t k = 1; k < n; ++k) {
    const char next = i + k < s.size() ? s[i + k] : 0;
    if ((next & 0xC0) != 0x80) return bad("starts an incomplete sequence");
    cp = (cp << 6) | (next & 0x3F);
  }
  static constexpr char32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kMin[n]) return bad("starts an overlong encoding");
  if (cp >= 0xD800 && cp <= 0xDFFF) return bad("starts a UTF-16 surrogate");
  if (cp > 0x10FFFF) return bad("starts a value above U+10FFFF");
  return {n, cp, nullptr};
}

// The code points of `s`, invalid bytes as U+FFFD (and *valid set to false).
std::u32string Decode(absl::string_view s, bool* valid = nullptr) {
  std::u32string out;
  for (size_t i = 0; i < s.size();) {
    const Utf8Char c = DecodeAt(s, i);
    if (c.error != nullptr && valid != nullptr) *valid = false;
    out.push_back(c.cp);
    i += c.size;
  }
  return out;
}

std::string Hex(char c) {
  return {"0123456789ABCDEF"[(c >> 4) & 15], "0123456789ABCDEF"[c & 15]};
}

// `s` in double quotes, escaped and cut as the header describes.
std::string Quote(absl::string_view s) {
  size_t n = std::min<size_t>(s.size(), 64);
  while (n > 0 && n < s.size() && (s[n] & 0xC0) == 0x80) --n;
  const absl::string_view head = s.substr(0, n);
  bool valid = true;
  Decode(head, &valid);
  return StrCat("\"",
                valid ? absl::Utf8SafeCHexEscape(head) : absl::CHexEscape(head),
                n < s.size() ? "...\"" : "\"");
}

// Names the byte s[i] and its position (from 1; all bytes before it are
// ASCII where this is used).
std::string At(absl::string_view s, size_t i) {
  const char c = s[i];
  return StrCat((c & 0x80) != 0          ? "a non-ASCII character"
                : absl::ascii_isprint(c) ? StrCat("'", s.substr(i, 1), "'")
                                         : StrCat("byte 0x", Hex(c)),
                " at position ", i + 1);
}

// OK if `why` is empty, else INVALID_ARGUMENT "<field>: <value> <why>; <hint>".
absl::Status Result(absl::string_view field, absl::string_view value,
                    absl::string_view why, absl::string_view hint) {
  if (why.empty()) return absl::OkStatus();
  return absl::InvalidArgumentError(
      StrCat(field, ": ", Quote(value), " ", why, "; ", hint));
}

bool AllDigits(absl::string_view s) {
  return std::all_of(s.begin(), s.end(), absl::ascii_isdigit);
}

bool In(size_t value, size_t min, size_t max) {
  return value >= min && value <= max;
}

// Why `code` is not 17 characters of `alphabet` followed by the check
// character check[sum % check.size()], sum = value(c_i) * weights[i].
std::string Code18Problem(absl::string_view code, absl::string_view alphabet,
                          const int (&weights)[17], absl::string_view check) {
  const size_t n = Decode(code).size();
  if (n != 18) return StrCat("has ", n, " characters, not 18");
  size_t sum = 0;
  for (size_t i = 0; i < 18; ++i) {
    const size_t value = (i < 17 ? alphabet : check).find(code[i]);
    if (value == absl::string_view::npos) {
      return StrCat("has ", At(code, i),
                    absl::ascii_islower(code[i]) ? "; use upper case"
                                                 : ", which is not allowed");
    }
    if (i < 17) sum += value * weights[i];
  }
  const char want = check[sum % check.size()];
  if (code[17] == want) return "";
  return StrCat("has check character '", code.substr(17), "', expected '",
                std::string(1, want), "'");
}

bool IsMobile(absl::string_view d) {
  return d.size() == 11 && d[0] == '1' && d[1] >= '3' && AllDigits(d);
}

// Sets *key to the key of `phone` (see NormalizePhone) and returns "", or
// returns why `phone` is not a phone number.
std::string PhoneProblem(absl::string_view phone, std::string* key) {
  absl::string_view number = phone, ext;
  if (size_t at = absl::AsciiStrToLower(phone).find(" ext");
      at != std::string::npos) {
    number = phone.substr(0, at);
    ext = absl::StripPrefix(absl::StripPrefix(phone.substr(at + 4), "."), " ");
    if (!In(ext.size(), 1, 6) || !AllDigits(ext)) return "has a bad extension";
  }
  const bool plus = absl::ConsumePrefix(&number, "+");
  // An area or country code in parentheses, as spreadsheets write it:
  // "(010) 12345678", "+86 (10) 1234-5678": read as a group of its own.
  std::string unparenthesized;
  if (const size_t open = number.find('('); open != absl::string_view::npos) {
    const size_t close = number.find(')', open);
    if (close == absl::string_view::npos || close == open + 1 ||
        number.find_first_of("()", close + 1) != absl::string_view::npos ||
        !AllDigits(number.substr(open + 1, close - open - 1))) {
      return "has unbalanced or misplaced parentheses";
    }
    unparenthesized = StrCat(
        number.substr(0, open), number.substr(open + 1, close - open - 1), " ",
        absl::StripLeadingAsciiWhitespace(number.substr(close + 1)));
    number = unparenthesized;
  }
  const size_t bad = number.find_first_not_of("0123456789 -");
  if (bad != absl::string_view::npos)
    return StrCat("has ", At(phone, bad + (plus ? 1 : 0)));
  std::vector<absl::string_view> groups =
      absl::StrSplit(number, absl::ByAnyChar(" -"));
  if (std::find(groups.begin(), groups.end(), "") != groups.end())
    return number.empty() ? "has no digits" : "has a misplaced space or '-'";
  const std::string digits = absl::StrJoin(groups, "");
  absl::string_view d = digits;
  if (plus || absl::ConsumePrefix(&d, "00")) {
    if (absl::ConsumePrefix(&d, "86")) {  // mainland: mobile or landline
      const bool landline =
          In(d.size(), 9, 11) && (d[0] >= '2' || absl::StartsWith(d, "10"));
      if (!IsMobile(d) && !landline) return "is not a valid +86 number";
      if (!landline && !ext.empty()) return "is a mobile with an extension";
      *key = landline ? StrCat("0", d) : std::string(d);
      return "";
    }
    if (!In(d.size(), 8, 15))
      return StrCat("has ", d.size(), " digits after +");
    if (d[0] == '0') return "has a country code starting with 0";
    *key = StrCat("+", d);
    return "";
  }
  if (digits[0] == '0') {
    // A last group of at most 6 digits after '-' is an extension.
    const absl::string_view last = groups.back();
    const bool dash_ext = groups.size() > 1 && last.size() <= 6 &&
                          number[number.size() - last.size() - 1] == '-';
    if (dash_ext && !ext.empty()) return "has two extensions";
    if (dash_ext) groups.pop_back();
    const size_t total = digits.size() - (dash_ext ? last.size() : 0);
    *key = digits.substr(0, total);
    const bool ok = (groups.size() == 1 && In(total, 10, 12)) ||
                    (groups.size() == 2 && In(groups[0].size(), 3, 4) &&
                     In(groups[1].size(), 7, 8));
    return ok ? ""
              : "is not a landline (area code, number, optional extension)";
  }
  if (digits.size() == 13 && absl::StartsWith(d, "86")) d.remove_prefix(2);
  if (!IsMobile(d)) return "is neither a mobile nor a number with area code";
  if (!ext.empty()) return "is a mobile with an extension";
  *key = std::string(d);
  return "";
}

}  // namespace

absl::Status CheckUscc(absl::string_view field, absl::string_view code) {
  static constexpr int kWeights[17] = {1,  3,  9,  27, 19, 26, 16, 17, 20,
                                       29, 25, 13, 8,  24, 10, 30, 28};
  // The check character for sum % 31 == k is the alphabet's (31 - k) % 31.
  return Result(field, code,
                Code18Problem(code, "0123456789ABCDEFGHJKLMNPQRTUWXY", kWeights,
                              "0YXWUTRQPNMLKJHGFEDCBA987654321"),
                "expected 18 digits and capital letters except I, O, S, V, Z, "
                "e.g. \"91350100M000100Y43\"");
}

absl::Status CheckResidentId(absl::string_view field, absl::string_view id,
                             absl::CivilDay today) {
  static constexpr int kWeights[17] = {7, 9, 10, 5,  8, 4, 2, 1, 6,
                                       3, 7, 9,  10, 5, 8, 4, 2};
  std::string why = Code18Problem(id, "0123456789", kWeights, "10X98765432");
  if (why.empty()) {
    const std::string date =
        StrCat(id.substr(6, 4), "-", id.substr(10, 2), "-", id.substr(12, 2));
    absl::CivilDay birth;
    if (!absl::ParseCivilTime(date, &birth) || birth.year() < 1900 ||
        birth > today) {
      why = StrCat("has birth date ", date,
                   " (positions 7-14), not from 1900 to ",
                   absl::FormatCivilTime(today));
    }
  }
  return Result(field, id, why,
                "expected 17 digits and a check digit or X, e.g. "
                "\"11010519491231002X\"");
}

absl::Status CheckPhone(absl::string_view field, absl::string_view phone) {
  std::string key;
  return Result(
      field, phone, PhoneProblem(phone, &key),
      "accepted: mobile 13812345678 (optionally after +86, 0086 or 86), "
      "landline 010-12345678 (optionally with extension -1234 or \" ext "
      "1234\"), international +44 20 7946 0958 (8-15 digits)");
}

std::string NormalizePhone(absl::string_view phone) {
  std::string key;
  return PhoneProblem(phone, &key).empty() ? key : "";
}

absl::Status CheckEmail(absl::string_view field, absl::string_view email) {
  const auto bad = [&](absl::string_view why) {
    return Result(field, email, why, "expected an address like a@example.com");
  };
  bool valid = true;
  Decode(email, &valid);
  if (!valid) return bad("is not valid UTF-8");
  if (email.size() > 254) return bad("is longer than 254 bytes");
  const size_t ats = std::count(email.begin(), email.end(), '@');
  if (ats != 1) return bad(ats == 0 ? "has no '@'" : "has more than one '@'");
  const size_t at = email.find('@');
  const absl::string_view local = email.substr(0, at);
  if (!In(local.size(), 1, 64) || local.front() == '.' || local.back() == '.' ||
      absl::StrContains(local, "..")) {
    return bad(StrCat("has local part ", Quote(local),
                      " (1-64 bytes, no '.' at either end, no \"..\")"));
  }
  for (size_t i = 0; i < email.size(); ++i) {
    const absl::string_view allowed =
        i < at ? "!#$%&'*+/=?^_`{|}~-." : (i == at ? "@" : "-.");
    if (!absl::ascii_isalnum(email[i]) && (email[i] & 0x80) == 0 &&
        allowed.find(email[i]) == absl::string_view::npos) {
      return bad(StrCat("has ", At(email, i), i < at ? " before '@'" : ""));
    }
  }
  const std::vector<absl::string_view> labels =
      absl::StrSplit(email.substr(at + 1), '.');
  for (absl::string_view label : labels) {
    if (!In(label.size(), 1, 63) || label.front() == '-' ||
        label.back() == '-') {
      return bad(StrCat("has domain label \"", label,
                        "\" (1-63 bytes, no '-' at either end)"));
    }
  }
  if (labels.size() < 2) return bad("has a domain without a '.'");
  const absl::string_view tld = labels.back();
  const bool letters = std::all_of(tld.begin(), tld.end(), absl::ascii_isalpha);
  const bool unicode = std::none_of(tld.begin(), tld.end(),
                                    [](char c) { return (c & 0x80) == 0; });
  if ((letters || unicode) && Decode(tld).size() >= 2) return absl::OkStatus();
  return bad(StrCat("has top-level domain \"", tld, "\", not 2+ letters"));
}

std::string NormalizeEmail(absl::string_view email) {
  return absl::AsciiStrToLower(absl::StripAsciiWhitespace(email));
}

absl::Status CheckCurrency(absl::string_view field, absl::string_view code) {
  // Circulating currencies of ISO 4217 (2025): no funds, metals or tests.
  static constexpr absl::string_view kCodes =
      "AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND "
      "BOB BRL BSD BTN BWP BYN BZD CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF "
      "DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD "
      "HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW "
      "KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR "
      "MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN "
      "PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN "
      "SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD UYU UZS VED "
      "VES VND VUV WST XAF XCD XCG XOF XPF YER ZAR ZMW ZWG";
  // Only whole codes start at multiples of 4 (and npos % 4 == 3).
  if (code.size() == 3 && kCodes.find(code) % 4 == 0) return absl::OkStatus();
  return Result(field, code,
                "is not an ISO 4217 currency code this server knows",
                "expected three upper-case letters like \"CNY\" or \"USD\"");
}

absl::Status CheckPostcode(absl::string_view field,
                           absl::string_view postcode) {
  const bool ok = postcode.size() == 6 && AllDigits(postcode);
  return Result(field, postcode,
                ok || postcode.empty() ? "" : "is not a postcode",
                "expected 6 digits like \"100000\" (empty when unknown)");
}

absl::Status CheckUtf8(absl::string_view field, absl::string_view text) {
  for (size_t i = 0, n = 0; i < text.size(); i += n) {
    const Utf8Char c = DecodeAt(text, i);
    n = c.size;
    const bool control =
        c.cp < 0x20 && c.cp != '\t' && c.cp != '\n' && c.cp != '\r';
    if (c.error == nullptr && !control) continue;
    size_t begin = i > 24 ? i - 24 : 0;  // quote from a character boundary
    while (begin < i && (text[begin] & 0xC0) == 0x80) ++begin;
    return absl::InvalidArgumentError(StrCat(
        field, ": ", control ? "control character U+00" : "byte 0x",
        Hex(text[i]), " at byte offset ", i, " (after ", begin > 0 ? "..." : "",
        Quote(text.substr(begin, i - begin)), ") ",
        control ? "is not allowed" : c.error,
        "; text must be UTF-8 without control characters except tab, CR, LF"));
  }
  return absl::OkStatus();
}

absl::Status CheckNotAfter(absl::string_view field, absl::CivilDay day,
                           absl::CivilDay today, absl::string_view what) {
  if (day <= today) return absl::OkStatus();
  return absl::InvalidArgumentError(StrCat(
      field, ": ", absl::FormatCivilTime(day), " is in the future (today is ",
      absl::FormatCivilTime(today), "); a ", what, " cannot be"));
}

std::string NormalizeName(absl::string_view name) {
  static constexpr std::u32string_view kSeparators =
      U"\u00A0\u3000\u00B7\u30FB\u3001\u3002\u2018\u2019\u201C\u201D\u300A"
      U"\u300B\u3010\u3011\u2014\u2026\uFFFD";
  // Longest first. ASCII ones only as a whole word or after non-ASCII.
  static constexpr std::u32string_view kSuffixes[] = {
      U"股份有限公司", U"有限责任公司", U"有限公司", U"集团",    U"公司",
      U"incorporated", U"corporation",  U"limited",  U"company", U"corp",
      U"ltd",          U"inc",          U"llc",      U"co"};
  std::u32string cps;         // the kept characters
  std::string out;            // their UTF-8
  std::vector<size_t> words;  // indexes in cps where words start
  bool in_word = false;
  for (size_t i = 0, n; i < name.size(); i += n) {
    const Utf8Char c = DecodeAt(name, i);
    n = c.size;
    char32_t cp = c.cp;
    if (cp >= 0xFF01 && cp <= 0xFF5E) cp -= 0xFEE0;
    if (cp >= 'A' && cp <= 'Z') cp += 'a' - 'A';
    const bool separator =
        (cp < 0x80 && !absl::ascii_isalnum(static_cast<char>(cp))) ||
        kSeparators.find(cp) != std::u32string_view::npos;
    if (!separator && !in_word) words.push_back(cps.size());
    in_word = !separator;
    if (separator) continue;
    cps.push_back(cp);
    out += cp < 0x80 ? std::string(1, static_cast<char>(cp))
                     : std::string(name.substr(i, n));
  }
  for (bool changed = true; changed;) {
    changed = false;
    for (std::u32string_view suffix : kSuffixes) {
      if (!std::u32string_view(cps).ends_with(suffix)) continue;
      const size_t at = cps.size() - suffix.size();
      if (at == 0) break;  // never strip to nothing
      if (suffix[0] < 0x80 && at != words.back() && cps[at - 1] < 0x80)
        continue;
      cps.resize(at);
      // Suffix characters are ASCII (1 byte) or CJK (3 bytes in UTF-8).
      out.resize(out.size() - suffix.size() * (suffix[0] < 0x80 ? 1 : 3));
      while (words.back() >= at) words.pop_back();
      changed = true;
      break;
    }
  }
  return out;
}

int NameSimilarity(absl::string_view a, absl::string_view b) {
  const std::u32string x = Decode(a), y = Decode(b);
  if (x.empty() || y.empty()) return 0;
  std::vector<size_t> row(y.size() + 1);  // Levenshtein, one row at a time
  for (size_t j = 0; j <= y.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= x.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= y.size(); ++j) {
      const size_t substitute = diagonal + (x[i - 1] == y[j - 1] ? 0 : 1);
      diagonal = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, substitute});
    }
  }
  const size_t n = std::max(x.size(), y.size());
  return static_cast<int>(100 * (n - row[y.size()]) / n);
}

}  // namespace ledger::projections
