#ifndef LEDGER_PROJECTIONS_FIELD_CHECKS_H_
#define LEDGER_PROJECTIONS_FIELD_CHECKS_H_

// Checks and normalisations of single customer-file fields: credit codes,
// identity card numbers, phones, e-mails, currencies, postcodes, free text,
// dates and names. Pure functions, safe to call from any thread.
//
// Every Check* returns OK or INVALID_ARGUMENT. Except for CheckUtf8 and
// CheckNotAfter the message is
//   <field>: "<value>" <why>; <what a valid value looks like>
// e.g.
//   profile.credit_code: "91350100M000100Y44" has check character '4',
//   expected '3'; expected 18 digits and capital letters except I, O, S, V,
//   Z, e.g. "91350100M000100Y43"
// where <field> is the caller's path (such as
// "events[0].payload.customer_registered.profile.credit_code") and <value>
// is C-escaped (UTF-8 text is kept if the value is valid UTF-8, otherwise
// every byte >= 0x80 is escaped) and cut after 64 bytes, at a character
// boundary, with "...". Character positions count from 1, byte offsets
// from 0.
//
// The Normalize* functions build keys for duplicate detection, not text for
// display.

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"

namespace ledger::projections {

// Unified social credit code (统一社会信用代码, GB 32100-2015): exactly 18
// characters of "0123456789ABCDEFGHJKLMNPQRTUWXY" (no I, O, S, V, Z). The
// 18th is the check character: with value(c) the index of c in the alphabet
// and w_i = 3^i mod 31, check = 31 - (sum of value(c_i) * w_i, i = 0..16)
// mod 31, where 31 stands for 0. Only the check character is verified, not
// the authority, type or region parts. The messages tell apart a wrong
// length (in characters), a character outside the alphabet (with its
// position), lower case (rejected with "use upper case") and a wrong check
// character (with the expected one).
[[nodiscard]] absl::Status CheckUscc(absl::string_view field,
                                     absl::string_view code);

// Mainland resident identity card number (GB 11643-1999): 17 digits and a
// check character, ISO 7064 MOD 11-2 with weights 7 9 10 5 8 4 2 1 6 3 7 9
// 10 5 8 4 2 and check = "10X98765432"[sum % 11]; a lower-case 'x' is
// rejected with "use upper case". Checked in this order: length, characters,
// check character, then the birth date in positions 7-14 (YYYYMMDD), which
// must be a real date from 1900-01-01 to `today`. The region code
// (positions 1-6) is not checked.
[[nodiscard]] absl::Status CheckResidentId(absl::string_view field,
                                           absl::string_view id,
                                           absl::CivilDay today);

// A phone number in one of these forms, where a single ' ' or '-' may
// separate groups of digits:
//  - mainland mobile: 11 digits 1[3-9]xxxxxxxxx, optionally after +86,
//    0086 or 86 ("13800138000", "+86 138 0013 8000", "8613800138000");
//  - mainland landline: area code 0 + 2-3 digits (not 00) and a 7-8 digit
//    number, either as one run of 10-12 digits or as two groups
//    ("010-12345678", "0755 1234567"), optionally followed by an extension
//    of 1-6 digits as "-1234" or " ext 1234" ("ext" in any case, "ext." and
//    "ext1234" too);
//  - international: "+" or "00", then 8-15 digits in all, not starting
//    with 0, optionally with " ext 1234" ("+44 20 7946 0958"). A +86 (or
//    0086) number must be a mainland mobile or a landline whose area code
//    is written without its 0 ("+86 10 12345678").
// The message lists the accepted forms.
[[nodiscard]] absl::Status CheckPhone(absl::string_view field,
                                      absl::string_view phone);

// The duplicate-detection key of a phone that CheckPhone accepts: mainland
// mobiles as their 11 digits (prefixes dropped), mainland landlines as their
// digits including the area code's 0 (also when written as +86), other
// numbers as "+" and their digits. Extensions are dropped. "" for anything
// CheckPhone rejects.
std::string NormalizePhone(absl::string_view phone);

// A pragmatic RFC 5321 address: valid UTF-8, at most 254 bytes (so the
// domain has at most 252), exactly one '@'. Local part: 1-64 bytes of
// [A-Za-z0-9.!#$%&'*+/=?^_`{|}~-] or non-ASCII, no '.' at either end, no
// "..". Domain: at least two '.'-separated labels of 1-63 bytes of
// [A-Za-z0-9-] or non-ASCII, no '-' at either end; the last label (TLD) is
// at least 2 characters, all ASCII letters or all non-ASCII ("中国"; the
// "xn--" form is not accepted). Quoted local parts and address literals are
// not accepted.
[[nodiscard]] absl::Status CheckEmail(absl::string_view field,
                                      absl::string_view email);

// `email` without leading and trailing ASCII whitespace and with ASCII
// letters lower-cased (in the local part too); other bytes unchanged.
std::string NormalizeEmail(absl::string_view email);

// Three upper-case letters naming a circulating currency in ISO 4217 (the
// built-in list of 2025). Funds, precious metals, test codes and withdrawn
// codes, such as XTS, XXX, XAU or HRK, are rejected, as is lower case. The
// message says "is not an ISO 4217 currency code this server knows".
[[nodiscard]] absl::Status CheckCurrency(absl::string_view field,
                                         absl::string_view code);

// A mainland China postcode: 6 ASCII digits, or empty (unset).
[[nodiscard]] absl::Status CheckPostcode(absl::string_view field,
                                         absl::string_view postcode);

// Valid UTF-8 (no overlong forms, surrogates or code points above
// U+10FFFF), without NUL or other C0 control characters except tab, line
// feed and carriage return (DEL is allowed). The message names the first
// problem, its byte offset and up to 24 bytes of text before it:
//   <field>: byte 0xC0 at byte offset 6 (after "北京") starts an overlong
//   encoding; text must be UTF-8 without control characters except tab,
//   CR, LF
[[nodiscard]] absl::Status CheckUtf8(absl::string_view field,
                                     absl::string_view text);

// OK unless `day` is after `today`; then
//   <field>: 2031-01-02 is in the future (today is 2026-11-23); a <what>
//   cannot be
// `what` names the date for people, e.g. "birthday" or "founding date".
[[nodiscard]] absl::Status CheckNotAfter(absl::string_view field,
                                         absl::CivilDay day,
                                         absl::CivilDay today,
                                         absl::string_view what);

// The duplicate-detection key of an organisation or person name:
//  1. Decode UTF-8. Map U+FF01..U+FF5E (full-width ASCII) to U+0021..U+007E
//     and ASCII upper case to lower case; nothing else changes case.
//  2. Drop separators, which also end words: every ASCII character other
//     than [a-z0-9] (spaces, punctuation, controls), U+00A0, U+3000
//     (ideographic space), · U+00B7, ・ U+30FB, 、 U+3001, 。 U+3002,
//     ‘ ’ “ ” U+2018/9/C/D, 《 》 U+300A/B, 【 】 U+3010/1, — U+2014,
//     … U+2026, and bytes that are not UTF-8. Full-width （ ） ， are covered
//     by step 1.
//  3. Repeatedly remove the first of these that ends the name, unless it is
//     the whole name: 股份有限公司, 有限责任公司, 有限公司, 集团, 公司,
//     incorporated, corporation, limited, company, corp, ltd, inc, llc, co.
//     The English ones only count as a whole word or right after a
//     non-ASCII character: "Acme Co., Ltd." -> "acme", "华为Ltd" -> "华为",
//     but "Costco", "Bancorp" and "Zinc" stay.
//  4. Return the remaining characters, without separators, as UTF-8.
// Example: "腾讯科技（深圳）有限公司" -> "腾讯科技深圳". Idempotent.
std::string NormalizeName(absl::string_view name);

// Similarity of two NormalizeName results (the arguments are not normalised
// again), 0..100: floor(100 * (1 - d / n)), where d is the Levenshtein
// distance over Unicode code points (bytes that are not UTF-8 count as
// U+FFFD) and n the longer length in code points. 100 only for equal
// strings; 0 when either is empty. Takes O(len(a) * len(b)) time.
int NameSimilarity(absl::string_view a, absl::string_view b);

}  // namespace ledger::projections

#endif  // LEDGER_PROJECTIONS_FIELD_CHECKS_H_
