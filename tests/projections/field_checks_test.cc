// Field checks and normalisations of customer files. Every code and number
// used as "valid" below was computed with an independent implementation of
// its check algorithm; the invalid ones differ from a valid one as noted.

#include "projections/field_checks.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ledger::projections {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr absl::string_view kField =
    "events[0].payload.customer_registered.profile.credit_code";
const absl::CivilDay kToday(2026, 11, 23);

// The message of an INVALID_ARGUMENT status (a failure for anything else).
std::string Invalid(const absl::Status& status) {
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  return std::string(status.message());
}

// How a message about `value` (which needs no escaping) begins.
std::string Head(absl::string_view value) {
  return absl::StrCat(kField, ": \"", value, "\" ");
}

// ---- Unified social credit code ----

TEST(FieldChecksTest, UsccAcceptsValidCodes) {
  for (const char* code :
       {"91350100M000100Y43", "91110000600037341L", "91440300708461136T",
        "91110108551385082Q", "9144030071526726XG",
        "914403007152672630",  // sum % 31 == 0: check value 31 means '0'
        "9144030071526726DY"}) {
    EXPECT_TRUE(CheckUscc(kField, code).ok()) << code;
  }
}

TEST(FieldChecksTest, UsccRejectsWrongCheckDigit) {
  // Last character of 91350100M000100Y43 changed.
  EXPECT_EQ(Invalid(CheckUscc(kField, "91350100M000100Y44")),
            absl::StrCat(Head("91350100M000100Y44"),
                         "has check character '4', expected '3'; expected 18 "
                         "digits and capital letters except I, O, S, V, Z, "
                         "e.g. \"91350100M000100Y43\""));
  // Often quoted as an example, but its check character should be '1'.
  EXPECT_THAT(Invalid(CheckUscc(kField, "911100001000302264")),
              HasSubstr("has check character '4', expected '1'"));
  // A changed body character (M -> N) is caught by the check character.
  EXPECT_THAT(Invalid(CheckUscc(kField, "91350100N000100Y43")),
              HasSubstr("has check character '3', expected"));
  // The check computed on "9144030071526726X" is 'G', not '0'.
  EXPECT_THAT(Invalid(CheckUscc(kField, "9144030071526726X0")),
              HasSubstr("expected 'G'"));
}

TEST(FieldChecksTest, UsccRejectsWrongLength) {
  EXPECT_THAT(Invalid(CheckUscc(kField, "91350100M000100Y4")),
              AllOf(StartsWith(Head("91350100M000100Y4")),
                    HasSubstr("has 17 characters, not 18"),
                    HasSubstr("e.g. \"91350100M000100Y43\"")));
  EXPECT_THAT(Invalid(CheckUscc(kField, "91350100M000100Y433")),
              HasSubstr("has 19 characters, not 18"));
  EXPECT_THAT(Invalid(CheckUscc(kField, "")),
              AllOf(StartsWith(Head("")), HasSubstr("has 0 characters")));
}

TEST(FieldChecksTest, UsccRejectsLettersOutsideTheAlphabet) {
  for (char c : {'I', 'O', 'Z', 'S', 'V', '-', '*', ' '}) {
    std::string code = "91350100M000100Y43";
    code[8] = c;
    EXPECT_THAT(Invalid(CheckUscc(kField, code)),
                AllOf(StartsWith(Head(code)),
                      HasSubstr(absl::StrCat("has '", std::string(1, c),
                                             "' at position 9, which is not "
                                             "allowed")),
                      HasSubstr("except I, O, S, V, Z")));
  }
  EXPECT_THAT(Invalid(CheckUscc(kField, std::string("91350100M00010\x01"
                                                    "Y43"))),
              AllOf(StartsWith(Head("91350100M00010\\x01Y43")),
                    HasSubstr("has byte 0x01 at position 15")));
}

TEST(FieldChecksTest, UsccRejectsLowerCase) {
  EXPECT_THAT(Invalid(CheckUscc(kField, "91350100m000100Y43")),
              StartsWith(absl::StrCat(Head("91350100m000100Y43"),
                                      "has 'm' at position 9; use upper "
                                      "case;")));
}

TEST(FieldChecksTest, UsccRejectsNonAscii) {
  // A full-width Ｍ (3 bytes) in place of M: 18 characters, 20 bytes.
  EXPECT_THAT(Invalid(CheckUscc(kField, "91350100Ｍ000100Y43")),
              AllOf(StartsWith(Head("91350100Ｍ000100Y43")),
                    HasSubstr("has a non-ASCII character at position 9")));
}

// ---- Resident identity card number ----

TEST(FieldChecksTest, ResidentIdAcceptsValidNumbers) {
  for (const char* id :
       {"11010519491231002X", "110105200002290013", "320102198808081237",
        "110101190001010022", "44030120201231987X", "11010519000228002X",
        "110105202611230015",  // born today
        // Non-zero digits in every position, so that every weight matters.
        "513427198711234569", "654321199909157899", "372985197612318643",
        "234568195406173950"}) {
    EXPECT_TRUE(CheckResidentId(kField, id, kToday).ok()) << id;
  }
}

TEST(FieldChecksTest, ResidentIdRejectsWrongCheckDigit) {
  EXPECT_EQ(Invalid(CheckResidentId(kField, "110105194912310021", kToday)),
            absl::StrCat(Head("110105194912310021"),
                         "has check character '1', expected 'X'; expected 17 "
                         "digits and a check digit or X, e.g. "
                         "\"11010519491231002X\""));
  EXPECT_THAT(Invalid(CheckResidentId(kField, "320102198808081236", kToday)),
              HasSubstr("has check character '6', expected '7'"));
}

TEST(FieldChecksTest, ResidentIdRejectsLowerCaseX) {
  EXPECT_THAT(Invalid(CheckResidentId(kField, "11010519491231002x", kToday)),
              StartsWith(absl::StrCat(Head("11010519491231002x"),
                                      "has 'x' at position 18; use upper "
                                      "case;")));
}

TEST(FieldChecksTest, ResidentIdRejectsBadCharactersAndLength) {
  EXPECT_THAT(Invalid(CheckResidentId(kField, "1101051949123100X2", kToday)),
              HasSubstr("has 'X' at position 17, which is not allowed"));
  EXPECT_THAT(Invalid(CheckResidentId(kField, "11010519491231002Y", kToday)),
              HasSubstr("has 'Y' at position 18, which is not allowed"));
  EXPECT_THAT(Invalid(CheckResidentId(kField, "110105491231002", kToday)),
              AllOf(StartsWith(Head("110105491231002")),
                    HasSubstr("has 15 characters, not 18")));
  EXPECT_THAT(Invalid(CheckResidentId(kField, "11010519491231002Ｘ", kToday)),
              HasSubstr("has a non-ASCII character at position 18"));
}

TEST(FieldChecksTest, ResidentIdRejectsImpossibleBirthDates) {
  // Check characters are right, so only the dates are wrong.
  EXPECT_EQ(Invalid(CheckResidentId(kField, "110105194902300012", kToday)),
            absl::StrCat(Head("110105194902300012"),
                         "has birth date 1949-02-30 (positions 7-14), not "
                         "from 1900 to 2026-11-23; expected 17 digits and a "
                         "check digit or X, e.g. \"11010519491231002X\""));
  // 1900 was not a leap year.
  EXPECT_THAT(Invalid(CheckResidentId(kField, "110101190002290011", kToday)),
              HasSubstr("has birth date 1900-02-29"));
  EXPECT_THAT(Invalid(CheckResidentId(kField, "110105199902290013", kToday)),
              HasSubstr("has birth date 1999-02-29"));
  // ISO 7064's example number: the check is right, the year too early.
  EXPECT_THAT(Invalid(CheckResidentId(kField, "440524188001010014", kToday)),
              HasSubstr("has birth date 1880-01-01"));
}

TEST(FieldChecksTest, ResidentIdRejectsBirthAfterToday) {
  EXPECT_THAT(Invalid(CheckResidentId(kField, "110105202611240010", kToday)),
              AllOf(StartsWith(Head("110105202611240010")),
                    HasSubstr("has birth date 2026-11-24 (positions 7-14), "
                              "not from 1900 to 2026-11-23")));
}

// ---- Phone numbers ----

TEST(FieldChecksTest, PhoneAcceptsMainlandMobiles) {
  for (const char* phone :
       {"13800138000", "+8613800138000", "+86 13800138000", "+86-13800138000",
        "008613800138000", "0086 13800138000", "0086-13800138000",
        "8613800138000", "86 13800138000", "86-13800138000", "138 0013 8000",
        "138-0013-8000", "+86 138 0013 8000"}) {
    EXPECT_TRUE(CheckPhone(kField, phone).ok()) << phone;
    EXPECT_EQ(NormalizePhone(phone), "13800138000") << phone;
  }
  EXPECT_TRUE(CheckPhone(kField, "19912345678").ok());
  EXPECT_EQ(NormalizePhone("199 1234 5678"), "19912345678");
}

TEST(FieldChecksTest, PhoneAcceptsLandlines) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"010-12345678", "01012345678"},
      {"010 12345678", "01012345678"},
      {"01012345678", "01012345678"},
      {"0755-1234567", "07551234567"},
      {"0755 12345678", "075512345678"},
      {"0755-12345678-1234", "075512345678"},
      {"0755-1234-1234", ""},  // a 4-digit number is no number
      {"01012345678-12", "01012345678"},
      {"010-12345678 ext 123456", "01012345678"},
      {"010-12345678 EXT.12", "01012345678"},
      {"010-12345678 ext1234", "01012345678"},
      {"0086 10 12345678", "01012345678"},
      {"+86 10 12345678", "01012345678"},
      {"+86-755-12345678 ext 9", "075512345678"},
      {"(010) 12345678", "01012345678"},
      {"(0755)12345678", "075512345678"},
      {"+86 (10) 1234-5678", "01012345678"},
  };
  for (const auto& [phone, key] : cases) {
    EXPECT_EQ(CheckPhone(kField, phone).ok(), !key.empty()) << phone;
    EXPECT_EQ(NormalizePhone(phone), key) << phone;
  }
}

TEST(FieldChecksTest, PhoneAcceptsInternationalNumbers) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"+44 20 7946 0958", "+442079460958"},
      {"+1-212-555-0100", "+12125550100"},
      {"+4915112345678", "+4915112345678"},
      {"+852 2123 4567", "+85221234567"},
      {"001 212 555 0100", "+12125550100"},
      {"+1 212 555 0100 ext 12", "+12125550100"},
      {"+12345678", "+12345678"},                // 8 digits
      {"+123456789012345", "+123456789012345"},  // 15 digits
      {"+1 (415) 555-0100", "+14155550100"},
  };
  for (const auto& [phone, key] : cases) {
    EXPECT_TRUE(CheckPhone(kField, phone).ok()) << phone;
    EXPECT_EQ(NormalizePhone(phone), key) << phone;
  }
}

TEST(FieldChecksTest, PhoneRejectsMalformedNumbers) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", "has no digits"},
      {"+", "has no digits"},
      {"12800138000", "is neither a mobile nor a number with area code"},
      {"1380013800", "is neither a mobile nor a number with area code"},
      {"138001380001", "is neither a mobile nor a number with area code"},
      {"62345678", "is neither a mobile nor a number with area code"},
      {std::string(41, '1'), "is neither a mobile nor a number with area"},
      {"1380013800a", "has 'a' at position 11"},
      {"tel 13800138000", "has 't' at position 1"},
      {"010_12345678", "has '_' at position 4"},
      {"+44 20 7946 O958", "has 'O' at position 13"},
      {"1380013800０", "has a non-ASCII character at position 11"},
      {"13800138000 ext 12", "is a mobile with an extension"},
      {"+86 13800138000 ext 12", "is a mobile with an extension"},
      {"+86 1380013800", "is not a valid +86 number"},
      {"+86 0755 1234567", "is not a valid +86 number"},
      {"010-123456", "is not a landline"},            // 6-digit number
      {"010-123456789", "is not a landline"},         // 9-digit number
      {"01-12345678", "is not a landline"},           // 1-digit area code
      {"010-12345678-1234567", "is not a landline"},  // 7-digit extension
      {"010-12345678 ext", "has a bad extension"},
      {"010-12345678 ext 1234567", "has a bad extension"},
      {"010 12345678 ext 12x", "has a bad extension"},
      {"010-12345678-12 ext 34", "has two extensions"},
      {"010--12345678", "has a misplaced space or '-'"},
      {"(010 12345678", "has unbalanced or misplaced parentheses"},
      {"010) 12345678", "has ')' at position 4"},
      {"010-12345678-", "has a misplaced space or '-'"},
      {"-13800138000", "has a misplaced space or '-'"},
      {"+ 44 20 7946 0958", "has a misplaced space or '-'"},
      {"+44 123", "has 5 digits after +"},
      {"+1234567", "has 7 digits after +"},
      {"010123456", "is not a landline"},      // 9 digits without separator
      {"0755123456789", "is not a landline"},  // 13 digits without separator
      {"+1234567890123456", "has 16 digits after +"},
      {"+0123456789", "has a country code starting with 0"},
  };
  for (const auto& [phone, why] : cases) {
    EXPECT_THAT(Invalid(CheckPhone(kField, phone)),
                AllOf(StartsWith(absl::StrCat(Head(phone), why)),
                      HasSubstr("; accepted: mobile 13812345678")))
        << phone;
    EXPECT_EQ(NormalizePhone(phone), "") << phone;
  }
}

// ---- E-mail ----

TEST(FieldChecksTest, EmailAcceptsAddresses) {
  const std::string local64(64, 'a');
  const std::string label63(63, 'b');
  for (const std::string& email :
       {std::string("alice@example.com"),
        std::string("a.b+tag@sub.example.co.uk"),
        std::string("o'brien@example.org"), std::string("x@a-b.cn"),
        std::string("!#$%&'*+/=?^_`{|}~-@example.com"),
        std::string("张三@例子.中国"), std::string("müller@bücher.de"),
        local64 + "@example.com", "a@" + label63 + ".com"}) {
    EXPECT_TRUE(CheckEmail(kField, email).ok()) << email;
  }
}

TEST(FieldChecksTest, EmailRejectsMalformedAddresses) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"alice.example.com", "has no '@'"},
      {"a@b@example.com", "has more than one '@'"},
      {"@example.com", "has local part \"\" (1-64 bytes"},
      {".alice@example.com", "has local part \".alice\" (1-64 bytes, no '.'"},
      {"alice.@example.com", "has local part \"alice.\""},
      {"al..ice@example.com", "has local part \"al..ice\""},
      {"al ice@example.com", "has ' ' at position 3 before '@'"},
      {"al(ice@example.com", "has '(' at position 3 before '@'"},
      {" alice@example.com", "has ' ' at position 1 before '@'"},
      {"alice@exa_mple.com", "has '_' at position 10;"},
      {"alice@", "has domain label \"\" (1-63 bytes"},
      {"alice@example..com", "has domain label \"\""},
      {"alice@example.com.", "has domain label \"\""},
      {"alice@-example.com", "has domain label \"-example\" (1-63 bytes, no"},
      {"alice@example-.com", "has domain label \"example-\""},
      {"alice@localhost", "has a domain without a '.'"},
      {"alice@example.c", "has top-level domain \"c\", not 2+ letters"},
      {"alice@example.123", "has top-level domain \"123\""},
      {"alice@example.xn--fiqs8s", "has top-level domain \"xn--fiqs8s\""},
      {"alice@例子.中", "has top-level domain \"中\""},
  };
  for (const auto& [email, why] : cases) {
    EXPECT_THAT(Invalid(CheckEmail(kField, email)),
                AllOf(StartsWith(absl::StrCat(Head(email), why)),
                      HasSubstr("; expected an address like a@example.com")))
        << email;
  }
  EXPECT_THAT(Invalid(CheckEmail(kField, "a\xff@example.com")),
              StartsWith(Head("a\\xff@example.com") + "is not valid UTF-8"));
}

TEST(FieldChecksTest, EmailRejectsLongParts) {
  EXPECT_THAT(
      Invalid(CheckEmail(kField, std::string(65, 'a') + "@example.com")),
      AllOf(StartsWith(absl::StrCat(kField, ": \"", std::string(64, 'a'),
                                    "...\" has local part \"")),
            HasSubstr("(1-64 bytes")));
  EXPECT_THAT(
      Invalid(CheckEmail(kField, "a@" + std::string(64, 'b') + ".com")),
      HasSubstr("has domain label \"" + std::string(64, 'b') + "\" (1-63"));
  // 254 bytes in all is the most.
  const std::string domain = std::string(63, 'a') + "." + std::string(63, 'a') +
                             "." + std::string(63, 'a') + "." +
                             std::string(57, 'a') + ".co";
  ASSERT_EQ(domain.size(), 252u);
  EXPECT_TRUE(CheckEmail(kField, "a@" + domain).ok());
  EXPECT_THAT(Invalid(CheckEmail(kField, "ab@" + domain)),
              HasSubstr("is longer than 254 bytes"));
}

TEST(FieldChecksTest, NormalizeEmailTrimsAndLowerCasesAscii) {
  EXPECT_EQ(NormalizeEmail("  Alice.Smith@Example.COM \n"),
            "alice.smith@example.com");
  EXPECT_EQ(NormalizeEmail("ÄB@例子.中国"), "Äb@例子.中国");
  EXPECT_EQ(NormalizeEmail(""), "");
}

// ---- Currency and postcode ----

TEST(FieldChecksTest, CurrencyAcceptsRequiredCodes) {
  for (const char*
           code : {"CNY", "HKD", "MOP", "TWD", "USD", "EUR", "GBP", "JPY",
                   "KRW", "SGD", "AUD", "CAD", "CHF", "NZD", "RUB", "INR",
                   "THB", "MYR", "IDR", "PHP", "VND", "AED", "SAR", "BRL",
                   "MXN", "ZAR", "SEK", "NOK", "DKK", "PLN", "CZK", "HUF",
                   "TRY", "ILS", "ZWG"}) {  // AED and ZWG are the first and
                                            // last in the list
    EXPECT_TRUE(CheckCurrency(kField, code).ok()) << code;
  }
}

TEST(FieldChecksTest, CurrencyRejectsUnknownAndMalformedCodes) {
  // Unknown, not circulating, and pieces of the built-in list ("AED AFN").
  for (const char* code :
       {"ABC", "XTS", "XXX", "XAU", "HRK", "RMB", "D A", "ED ", " AF", "EDA",
        "cny", "Cny", "", "CN", "CNYY", "C1Y", "人民币", "AED AFN"}) {
    EXPECT_EQ(Invalid(CheckCurrency(kField, code)),
              absl::StrCat(Head(code),
                           "is not an ISO 4217 currency code this server "
                           "knows; expected three upper-case letters like "
                           "\"CNY\" or \"USD\""))
        << code;
  }
}

TEST(FieldChecksTest, PostcodeAcceptsSixDigitsOrEmpty) {
  for (const char* postcode : {"", "100000", "518057", "999077"}) {
    EXPECT_TRUE(CheckPostcode(kField, postcode).ok()) << postcode;
  }
  for (const char* postcode :
       {"10000", "1000000", "10000a", " 100000", "１０００００", "100 000"}) {
    EXPECT_EQ(Invalid(CheckPostcode(kField, postcode)),
              absl::StrCat(Head(postcode),
                           "is not a postcode; expected 6 digits like "
                           "\"100000\" (empty when unknown)"))
        << postcode;
  }
}

TEST(FieldChecksTest, LongAndOddValuesAreQuotedSafely) {
  EXPECT_THAT(Invalid(CheckPostcode(kField, std::string(100, '1'))),
              StartsWith(absl::StrCat(kField, ": \"", std::string(64, '1'),
                                      "...\" is not a postcode")));
  EXPECT_THAT(Invalid(CheckUscc(kField, "a\"b\\")),
              StartsWith(absl::StrCat(kField, ": \"a\\\"b\\\\\" has 4")));
  // Cut at a character boundary: 21 CJK characters are 63 bytes.
  std::string chinese;
  for (int i = 0; i < 30; ++i) chinese += "中";
  std::string cut;
  for (int i = 0; i < 21; ++i) cut += "中";
  EXPECT_THAT(Invalid(CheckPostcode(kField, chinese)),
              StartsWith(absl::StrCat(kField, ": \"", cut, "...\" ")));
}

// ---- UTF-8 text ----

TEST(FieldChecksTest, Utf8AcceptsValidText) {
  for (const char* text :
       {"", "hello", "北京市朝阳区建国路88号", "tab\tline\ncr\r", "😀 emoji",
        "\xF4\x8F\xBF\xBF",  // U+10FFFF
        "\xEF\xBF\xBF",      // U+FFFF
        "\xC2\x80",          // U+0080, the smallest two-byte character
        "\x7F"}) {
    EXPECT_TRUE(CheckUtf8(kField, text).ok()) << text;
  }
}

TEST(FieldChecksTest, Utf8RejectsMalformedSequences) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"北京\xC0\xAF",
       "0xC0 at byte offset 6 (after \"北京\") starts an overlong"},
      {"\xE0\x80\xAF", "0xE0 at byte offset 0 (after \"\") starts an overlong"},
      {"ab\xF0\x80\x80\xAF",
       "0xF0 at byte offset 2 (after \"ab\") starts an "
       "overlong"},
      {"\xED\xA0\x80",
       "0xED at byte offset 0 (after \"\") starts a UTF-16 "
       "surrogate"},
      {"x\xF4\x90\x80\x80",
       "0xF4 at byte offset 1 (after \"x\") starts a "
       "value above U+10FFFF"},
      {"\xF5\x80\x80\x80",
       "0xF5 at byte offset 0 (after \"\") starts a value "
       "above"},
      {"北\xE4\xBA",
       "0xE4 at byte offset 3 (after \"北\") starts an "
       "incomplete"},
      {"北\xE4\xBAx",
       "0xE4 at byte offset 3 (after \"北\") starts an "
       "incomplete"},
      {"a\x80", "0x80 at byte offset 1 (after \"a\") cannot start a character"},
      {"\xFF", "0xFF at byte offset 0 (after \"\") cannot start a character"},
  };
  for (const auto& [text, why] : cases) {
    EXPECT_THAT(Invalid(CheckUtf8(kField, text)),
                StartsWith(absl::StrCat(kField, ": byte ", why)))
        << text;
  }
  EXPECT_EQ(Invalid(CheckUtf8(kField, "北京\xC0\xAF")),
            absl::StrCat(kField,
                         ": byte 0xC0 at byte offset 6 (after \"北京\") starts "
                         "an overlong encoding; text must be UTF-8 without "
                         "control characters except tab, CR, LF"));
}

TEST(FieldChecksTest, Utf8RejectsControlCharacters) {
  EXPECT_EQ(Invalid(CheckUtf8(kField, std::string("a\0b", 3))),
            absl::StrCat(kField,
                         ": control character U+0000 at byte offset 1 (after "
                         "\"a\") is not allowed; text must be UTF-8 without "
                         "control characters except tab, CR, LF"));
  EXPECT_THAT(Invalid(CheckUtf8(kField, "北京\x1b[31m")),
              HasSubstr("control character U+001B at byte offset 6 (after "
                        "\"北京\")"));
  EXPECT_THAT(Invalid(CheckUtf8(kField, "ok\n\x01")),
              HasSubstr("control character U+0001 at byte offset 3 (after "
                        "\"ok\\n\")"));
}

TEST(FieldChecksTest, Utf8QuotesTheTextBeforeALateProblem) {
  // 40 Chinese characters (120 bytes), then a bad byte at offset 120: the
  // quote starts 24 bytes before it.
  std::string text;
  for (int i = 0; i < 40; ++i) text += "中";
  EXPECT_THAT(Invalid(CheckUtf8(kField, text + "\xFF tail")),
              StartsWith(absl::StrCat(kField,
                                      ": byte 0xFF at byte offset 120 (after "
                                      "...\"中中中中中中中中\") cannot")));
  // Offset 122: 24 bytes before is inside a character, so the quote starts
  // at the next one.
  EXPECT_THAT(Invalid(CheckUtf8(kField, text + "ab\xFF")),
              HasSubstr("offset 122 (after ...\"中中中中中中中ab\")"));
}

// ---- Dates ----

TEST(FieldChecksTest, NotAfterAcceptsTodayAndThePast) {
  EXPECT_TRUE(CheckNotAfter(kField, kToday, kToday, "birthday").ok());
  EXPECT_TRUE(
      CheckNotAfter(kField, absl::CivilDay(1900, 1, 1), kToday, "birthday")
          .ok());
}

TEST(FieldChecksTest, NotAfterRejectsTheFuture) {
  const absl::Status status = CheckNotAfter(
      "profile.birthday", absl::CivilDay(2031, 1, 2), kToday, "birthday");
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(),
            "profile.birthday: 2031-01-02 is in the future (today is "
            "2026-11-23); a birthday cannot be");
  EXPECT_THAT(Invalid(CheckNotAfter(kField, absl::CivilDay(2026, 11, 24),
                                    kToday, "founding date")),
              HasSubstr("2026-11-24 is in the future"));
}

// ---- Names ----

TEST(FieldChecksTest, NormalizeNameStripsChineseCompanySuffixes) {
  EXPECT_EQ(NormalizeName("北京字节跳动科技有限公司"), "北京字节跳动科技");
  EXPECT_EQ(NormalizeName("华为技术有限责任公司"), "华为技术");
  EXPECT_EQ(NormalizeName("中国平安保险（集团）股份有限公司"), "中国平安保险");
  EXPECT_EQ(NormalizeName("腾讯科技（深圳）有限公司"), "腾讯科技深圳");
  EXPECT_EQ(NormalizeName("阿里巴巴集团"), "阿里巴巴");
  EXPECT_EQ(NormalizeName("某某公司"), "某某");
  EXPECT_EQ(NormalizeName("北京 有限公司"), "北京");
  // Never stripped to nothing.
  EXPECT_EQ(NormalizeName("有限公司"), "有限公司");
  EXPECT_EQ(NormalizeName("公司"), "公司");
  // Only at the end.
  EXPECT_EQ(NormalizeName("公司法研究所"), "公司法研究所");
}

TEST(FieldChecksTest, NormalizeNameStripsEnglishSuffixWords) {
  EXPECT_EQ(NormalizeName("  ACME Co., Ltd. "), "acme");
  EXPECT_EQ(NormalizeName("Acme, Inc."), "acme");
  EXPECT_EQ(NormalizeName("Acme Corp"), "acme");
  EXPECT_EQ(NormalizeName("ACME LLC"), "acme");
  EXPECT_EQ(NormalizeName("Beijing ABC Technology Company Limited"),
            "beijingabctechnology");
  EXPECT_EQ(NormalizeName("华为Ltd."), "华为");
  EXPECT_EQ(NormalizeName("华为技术有限公司 Huawei Co., Ltd."),
            "华为技术有限公司huawei");
  // Suffix letters inside a word stay, also across word boundaries.
  EXPECT_EQ(NormalizeName("Costco"), "costco");
  EXPECT_EQ(NormalizeName("Bancorp"), "bancorp");
  EXPECT_EQ(NormalizeName("Zinc"), "zinc");
  EXPECT_EQ(NormalizeName("Ab C O"), "abco");
  EXPECT_EQ(NormalizeName("Ltd"), "ltd");
}

TEST(FieldChecksTest, NormalizeNameFoldsWidthCaseSpacesAndPunctuation) {
  EXPECT_EQ(NormalizeName("ＡＣＭＥ　ｔｅｃｈ"), "acmetech");
  EXPECT_EQ(NormalizeName("Ｏｎｅ－Ｔｗｏ１２３"), "onetwo123");
  EXPECT_EQ(NormalizeName("张三·李四"), "张三李四");
  EXPECT_EQ(NormalizeName("山田・太郎"), "山田太郎");
  EXPECT_EQ(NormalizeName("北京、上海，广州。"), "北京上海广州");
  EXPECT_EQ(NormalizeName("《读者》【杂志】“社”"), "读者杂志社");
  EXPECT_EQ(NormalizeName("Coca-Cola (China)"), "cocacolachina");
  EXPECT_EQ(NormalizeName("Café ÉCLAIR"), "caféÉclair");  // ASCII only
  EXPECT_EQ(NormalizeName("\t!?()  "), "");
  EXPECT_EQ(NormalizeName(""), "");
  EXPECT_EQ(NormalizeName("a\xff"
                          "b"),
            "ab");  // invalid bytes dropped
}

TEST(FieldChecksTest, NameSimilarityUsesCodePoints) {
  EXPECT_EQ(NameSimilarity("北京字节跳动", "北京字节跳动"), 100);
  // One of six characters differs: 100 * 5 / 6 = 83.
  EXPECT_EQ(NameSimilarity("北京字节跳动", "北京字节跳跃"), 83);
  // 北 and 南 differ in one of three bytes; on bytes this would be 83.
  EXPECT_EQ(NameSimilarity("北京", "南京"), 50);
  EXPECT_EQ(NameSimilarity("北京", "北京市"), 66);
  EXPECT_EQ(NameSimilarity("kitten", "sitting"), 57);
  EXPECT_EQ(NameSimilarity("sitting", "kitten"), 57);
  EXPECT_EQ(NameSimilarity("abc", "xyz"), 0);
  EXPECT_EQ(NameSimilarity("abc", ""), 0);
  EXPECT_EQ(NameSimilarity("", "abc"), 0);
  EXPECT_EQ(NameSimilarity("", ""), 0);
  // Nearly equal long names stay below 100.
  const std::string a(300, 'a');
  EXPECT_EQ(NameSimilarity(a, a + "b"), 99);
}

TEST(FieldChecksTest, NameSimilarityOfNormalizedCompanyNames) {
  EXPECT_EQ(NameSimilarity(NormalizeName("华为技术有限公司"),
                           NormalizeName("华为技术有限责任公司")),
            100);
  EXPECT_EQ(NameSimilarity(NormalizeName("ACME Co., Ltd."),
                           NormalizeName("acme inc")),
            100);
  EXPECT_EQ(NameSimilarity(NormalizeName("腾讯科技（深圳）有限公司"),
                           NormalizeName("腾讯科技(上海)有限公司")),
            66);
}

}  // namespace
}  // namespace ledger::projections
