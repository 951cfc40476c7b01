// Whole-process tests of `ledgerctl import` and `ledgerctl export`: the real
// ledgerctl binary (LEDGERCTL_PATH) against a real customer-ledgerd child
// process, with CSV files as Excel writes them (UTF-8 with BOM, GBK).

#include <iconv.h>

#include <cstdint>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "ledger/v1/customer.pb.h"
#include "ledger/v1/ledger.pb.h"
#include "tests/e2e/ledgerctl_fixture.h"
#include "tests/e2e/ledgerd_process.h"

namespace ledger::testing {
namespace {

namespace v1 = ::ledger::v1;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr absl::Duration kImportTimeout = absl::Seconds(90);
constexpr char kBom[] = "\xEF\xBB\xBF";

// Valid unified social credit codes (tests/services/field_checks_test.cc).
constexpr const char* kCreditCodes[] = {
    "91350100M000100Y43", "91110000600037341L", "91440300708461136T",
    "91110108551385082Q", "9144030071526726XG", "914403007152672630",
    "9144030071526726DY"};
constexpr const char* kCities[] = {"杭州", "上海", "北京",
                                   "深圳", "成都", "武汉"};
constexpr const char* kWords[] = {"示例", "宏达", "华兴", "金石", "远航"};

void WriteFile(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out << bytes;
  ASSERT_TRUE(out.good()) << path;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

// `utf8` in GBK, converted with glibc's iconv.
std::string ToGbk(const std::string& utf8) {
  iconv_t cd = iconv_open("GBK", "UTF-8");
  EXPECT_NE(cd, reinterpret_cast<iconv_t>(-1));
  std::string out(utf8.size() * 2, '\0');
  char* in = const_cast<char*>(utf8.data());
  size_t in_left = utf8.size();
  char* o = out.data();
  size_t out_left = out.size();
  EXPECT_NE(iconv(cd, &in, &in_left, &o, &out_left), static_cast<size_t>(-1));
  iconv_close(cd);
  out.resize(out.size() - out_left);
  return out;
}

// The "row N, column H: …" lines of a text report: row → column.
std::map<int, std::string> ReportedRows(const std::string& out) {
  std::map<int, std::string> rows;
  for (absl::string_view line : absl::StrSplit(out, '\n')) {
    if (!absl::ConsumePrefix(&line, "row ")) continue;
    const size_t comma = line.find(", column ");
    int row = 0;
    if (comma == absl::string_view::npos ||
        !absl::SimpleAtoi(line.substr(0, comma), &row)) {
      continue;
    }
    const absl::string_view rest = line.substr(comma + 9);
    rows[row] = std::string(rest.substr(0, rest.find(':')));
  }
  return rows;
}

// A --json import report: the counts and the rows of its problems.
struct JsonReport {
  std::map<std::string, int> counts;
  std::map<int, std::string> rows;  // row → column
  std::string encoding;
  std::vector<std::string> ignored;
};

JsonReport ParseReport(const std::string& out) {
  const auto report = ParseJson<google::protobuf::Struct>(out);
  JsonReport r;
  for (const auto& [key, value] : report.fields()) {
    if (value.has_number_value()) {
      r.counts[key] = static_cast<int>(value.number_value());
    }
  }
  for (const auto& p : report.fields().at("problems").list_value().values()) {
    const auto& f = p.struct_value().fields();
    r.rows[static_cast<int>(f.at("row").number_value())] =
        f.at("column").string_value();
  }
  r.encoding = report.fields().at("encoding").string_value();
  for (const auto& v :
       report.fields().at("ignoredColumns").list_value().values()) {
    r.ignored.push_back(v.string_value());
  }
  return r;
}

class LedgerctlImportTest : public LedgerctlFixture {
 protected:
  LedgerctlImportTest() : LedgerctlFixture("import-test") {}
  // A test of the client: no fsync per commit keeps 10,000 appends quick.
  std::vector<std::string> ServerFlags() const override {
    return {"--sync=false"};
  }

  uint64_t HeadPosition() {
    const SubprocessResult r = Ctl({"--json", "info"});
    EXPECT_EQ(r.exit_code, 0) << r;
    return ParseJson<v1::GetInfoResponse>(r.out).head_position();
  }

  v1::CustomerProfile Profile(const std::string& customer) {
    const SubprocessResult r = Ctl({"profile", customer, "--json"});
    EXPECT_EQ(r.exit_code, 0) << r;
    return ParseJson<v1::GetProfileResponse>(r.out).profile();
  }
};

TEST_F(LedgerctlImportTest, ImportOf10000RowsReportsExactlyTheBadRows) {
  // 10,000 data rows (spreadsheet rows 2..10001) as Excel's "CSV UTF-8"
  // writes them; row 10 has a note spanning two lines, still one row.
  std::string csv = absl::StrCat(
      kBom,
      "客户编号,客户名称,电话,邮箱,统一社会信用代码,成立日期,城市,备注\r\n");
  const std::map<int, std::string> bad = {{18, "电话"},
                                          {2345, "邮箱"},
                                          {5000, "统一社会信用代码"},
                                          {7777, "客户名称"},
                                          {10001, "成立日期"}};
  for (int i = 0; i < 10000; ++i) {
    const int row = i + 2;
    std::string name =
        absl::StrCat(kCities[i % 6], kWords[i % 5], "科技有限公司第", i, "号");
    if (i % 100 == 1) name = absl::StrCat("\"", name, ", \"\"分公司\"\"\"");
    std::string phone = absl::StrFormat("138%08d", i);
    if (i % 7 == 0) absl::StrAppend(&phone, "／+86 571 8888 6666");
    std::string email = absl::StrFormat("c%05d@example.com", i);
    std::string code = i % 1000 == 0 ? kCreditCodes[(i / 1000) % 7] : "";
    const int year = 1990 + i % 30;
    std::string founded = i % 3 == 0   ? absl::StrCat(year, "-03-05")
                          : i % 3 == 1 ? absl::StrCat(year, "/3/5")
                                       : absl::StrCat(year, "年3月5日");
    const std::string note = row == 10 ? "\"第一行\r\n第二行\"" : "";
    if (row == 18) phone = "1380013800";  // 10 digits
    if (row == 2345) email = "someone@";
    if (row == 5000) code = "91350100M000100Y44";  // check character '3'
    if (row == 7777) name = "";
    if (row == 10001) founded = "去年";
    absl::StrAppend(&csv, absl::StrFormat("IMP-%05d", i), ",", name, ",", phone,
                    ",", email, ",", code, ",", founded, ",", kCities[i % 6],
                    ",", note, "\r\n");
  }
  const std::string file = dir_.Sub("customers.csv");
  WriteFile(file, csv);

  // Dry run: exactly the bad rows, with their columns; nothing appended.
  SubprocessResult r = Ctl({"import", file, "--dry-run"}, kImportTimeout);
  std::cout << "dry run of 10,000 rows: " << last_ctl_duration_ << "\n";
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_EQ(ReportedRows(r.out), bad) << r.out;
  EXPECT_THAT(r.out,
              AllOf(HasSubstr("DRY RUN: NOTHING APPENDED"),
                    HasSubstr("UTF-8 with BOM"), HasSubstr("9995 (would be)")))
      << r.out;
  EXPECT_EQ(HeadPosition(), 0u);

  // The real run registers the other 9,995 and reports the same rows.
  r = Ctl({"--json", "import", file}, kImportTimeout);
  std::cout << "import of 10,000 rows: " << last_ctl_duration_ << "\n";
  EXPECT_EQ(r.exit_code, 3) << r.err;
  JsonReport report = ParseReport(r.out);
  EXPECT_EQ(report.rows, bad);
  EXPECT_EQ(report.counts["rows"], 10000);
  EXPECT_EQ(report.counts["registered"], 9995);
  EXPECT_EQ(report.counts["rejected"], 5);
  EXPECT_EQ(report.counts["notProcessed"], 0);
  EXPECT_EQ(report.encoding, "UTF-8 with BOM");
  EXPECT_EQ(HeadPosition(), 9995u);

  v1::CustomerProfile p = Profile("IMP-00008");  // row 10
  EXPECT_EQ(p.profile().name(), "北京金石科技有限公司第8号");
  EXPECT_EQ(p.profile().notes(), "第一行\r\n第二行");
  p = Profile("IMP-00001");
  EXPECT_EQ(p.profile().name(), "上海宏达科技有限公司第1号, \"分公司\"");
  EXPECT_EQ(p.kind(), v1::CUSTOMER_KIND_ORGANIZATION);
  p = Profile("IMP-00000");
  EXPECT_THAT(p.profile().phones(),
              ElementsAre("13800000000", "+86 571 8888 6666"));
  EXPECT_EQ(p.profile().credit_code(), "91350100M000100Y43");
  EXPECT_EQ(p.profile().founded_on().year(), 1990);
  EXPECT_EQ(p.profile().address().city(), "杭州");

  // Importing the same file again appends nothing.
  r = Ctl({"--json", "import", file}, kImportTimeout);
  std::cout << "second import of 10,000 rows: " << last_ctl_duration_ << "\n";
  EXPECT_EQ(r.exit_code, 3) << r.err;
  report = ParseReport(r.out);
  EXPECT_EQ(report.rows, bad);
  EXPECT_EQ(report.counts["unchanged"], 9995);
  EXPECT_EQ(report.counts["registered"], 0);
  EXPECT_EQ(report.counts["updated"], 0);
  EXPECT_EQ(HeadPosition(), 9995u);
}

TEST_F(LedgerctlImportTest, GbkFileImportsChineseExactly) {
  const std::string text =
      "客户编号,客户名称,电话,城市,客户类型,性别,生日\r\n"
      "G-1,杭州示例科技有限公司,+86 571 8888 6666,杭州,企业,,\r\n"
      "G-2,张三丰,13812345678、13812345679,北京,个人,男,1980年1月2日\r\n";
  const std::string file = dir_.Sub("gbk.csv");
  WriteFile(file, ToGbk(text));
  ASSERT_NE(ReadFile(file), text);

  // Read as UTF-8 it is refused, naming the line; auto detects GB18030.
  SubprocessResult r = Ctl({"import", file, "--encoding", "utf-8"});
  EXPECT_EQ(r.exit_code, 2) << r;
  EXPECT_THAT(r.err, AllOf(HasSubstr("line 1"), HasSubstr("not valid UTF-8")))
      << r;
  EXPECT_EQ(HeadPosition(), 0u);

  r = Ctl({"--json", "import", file});
  ASSERT_EQ(r.exit_code, 0) << r;
  JsonReport report = ParseReport(r.out);
  EXPECT_EQ(report.encoding, "GB18030");
  EXPECT_EQ(report.counts["registered"], 2);
  EXPECT_TRUE(report.rows.empty()) << r.out;

  v1::CustomerProfile p = Profile("G-1");
  EXPECT_EQ(p.profile().name(), "杭州示例科技有限公司");
  EXPECT_EQ(p.profile().address().city(), "杭州");
  EXPECT_EQ(p.kind(), v1::CUSTOMER_KIND_ORGANIZATION);
  p = Profile("G-2");
  EXPECT_EQ(p.profile().name(), "张三丰");
  EXPECT_EQ(p.kind(), v1::CUSTOMER_KIND_INDIVIDUAL);
  EXPECT_EQ(p.profile().gender(), v1::GENDER_MALE);
  EXPECT_EQ(p.profile().birthday().year(), 1980);
  EXPECT_EQ(p.profile().birthday().day(), 2);
  EXPECT_THAT(p.profile().phones(), ElementsAre("13812345678", "13812345679"));

  // The same bytes forced as GB18030 are the same rows: nothing new.
  r = Ctl({"import", file, "--encoding", "gbk"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(HeadPosition(), 2u);
}

TEST_F(LedgerctlImportTest, ExportCsvReimportsWithoutAppending) {
  std::string csv =
      "客户ID,姓名,手机,电子邮件,性别,出生日期,客户类型,省份,邮编\n";
  for (int i = 0; i < 300; ++i) {
    const bool person = i % 2 == 0;
    absl::StrAppend(
        &csv, absl::StrFormat("EXP-%03d", i), ",", kCities[i % 6],
        person ? "王小明" : "示例贸易有限公司", i, ",",
        absl::StrFormat("139%08d", i), i % 5 == 0 ? ";021-12345678" : "", ",",
        absl::StrFormat("e%03d@example.cn", i), ",",
        person ? (i % 4 == 0 ? "女" : "male") : "", ",",
        person ? absl::StrCat(1970 + i % 40, "-0", 1 + i % 9, "-1", i % 10)
               : "",
        ",", person ? "个人" : "企业", ",浙江,310000\n");
  }
  const std::string file = dir_.Sub("small.csv");
  WriteFile(file, csv);
  SubprocessResult r = Ctl({"import", file, "--owner", "sales-li"});
  ASSERT_EQ(r.exit_code, 0) << r;
  ASSERT_EQ(HeadPosition(), 300u);

  const std::string exported = dir_.Sub("export.csv");
  r = Ctl({"export", "--output", exported});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.err, HasSubstr("exported 300 customers")) << r;
  std::string bytes = ReadFile(exported);
  EXPECT_THAT(bytes,
              StartsWith(absl::StrCat(kBom, "\"customer_id\",\"kind\"")));
  const std::vector<std::string> lines =
      absl::StrSplit(bytes, "\r\n", absl::SkipEmpty());
  ASSERT_EQ(lines.size(), 301u);
  EXPECT_THAT(lines[1], AllOf(StartsWith("\"EXP-000\",\"individual\""),
                              HasSubstr("\"sales-li\"")));

  // Export → import round-trips: every row is unchanged.
  r = Ctl({"--json", "import", exported});
  ASSERT_EQ(r.exit_code, 0) << r;
  JsonReport report = ParseReport(r.out);
  EXPECT_EQ(report.counts["unchanged"], 300) << r.out;
  EXPECT_THAT(report.ignored, ElementsAre("grade", "archived", "version"));
  EXPECT_EQ(HeadPosition(), 300u);

  // One changed cell: one ProfileUpdated of just that field.
  const std::string old_phone = "\"13900000007\"";
  ASSERT_THAT(bytes, HasSubstr(old_phone));
  bytes = absl::StrReplaceAll(bytes, {{old_phone, "\"13900009999\""}});
  WriteFile(exported, bytes);
  r = Ctl({"--json", "import", exported});
  ASSERT_EQ(r.exit_code, 0) << r;
  report = ParseReport(r.out);
  EXPECT_EQ(report.counts["updated"], 1) << r.out;
  EXPECT_EQ(report.counts["unchanged"], 299) << r.out;
  EXPECT_EQ(HeadPosition(), 301u);
  v1::CustomerProfile p = Profile("EXP-007");
  EXPECT_THAT(p.profile().phones(), ElementsAre("13900009999"));
  EXPECT_EQ(p.owner_id(), "sales-li");
  EXPECT_EQ(p.version(), 2u);
  r = Ctl({"--json", "read-stream", "EXP-007"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, HasSubstr(R"("updateMask":"phones")")) << r.out;

  // JSON lines: one CustomerProfile per customer.
  r = Ctl({"export", "--format", "jsonl"});
  ASSERT_EQ(r.exit_code, 0) << r;
  const std::vector<std::string> json_lines =
      absl::StrSplit(r.out, '\n', absl::SkipEmpty());
  ASSERT_EQ(json_lines.size(), 300u);
  EXPECT_EQ(ParseJson<v1::CustomerProfile>(json_lines[7]).profile().phones(0),
            "13900009999");
}

TEST_F(LedgerctlImportTest, MappingFileNamesTheColumns) {
  const std::string file = dir_.Sub("de.csv");
  WriteFile(file,
            "Kundennummer,Firma,Telefon,Gruendung,Sonstiges\n"
            "DE-1,Beispiel GmbH,+49 30 1234567,2001.3.5,x\n"
            "DE-2,Zweite GmbH,+49 30 7654321,2001-02-30,y\n");
  const std::string mapping = dir_.Sub("mapping.txt");
  WriteFile(mapping,
            "# German export of the old CRM\n"
            "Kundennummer = customer_id\n"
            "Firma = name   # full name\n"
            "Telefon = phones\n"
            "Gruendung = founded_on\n"
            "Sonstiges = ignore\n");
  SubprocessResult r = Ctl({"--json", "import", file, "--mapping", mapping});
  EXPECT_EQ(r.exit_code, 3) << r;
  JsonReport report = ParseReport(r.out);
  EXPECT_EQ(report.counts["registered"], 1);
  // 30 February passes the local format check; the server refuses it.
  EXPECT_EQ(report.rows, (std::map<int, std::string>{{3, "Gruendung"}}));
  EXPECT_THAT(report.ignored, ElementsAre("Sonstiges"));
  const v1::CustomerProfile p = Profile("DE-1");
  EXPECT_EQ(p.profile().name(), "Beispiel GmbH");
  EXPECT_EQ(p.profile().founded_on().month(), 3);

  WriteFile(mapping, "Firma = firm_name\n");
  r = Ctl({"import", file, "--mapping", mapping});
  EXPECT_EQ(r.exit_code, 2) << r;
  EXPECT_THAT(r.err, AllOf(HasSubstr("line 1"), HasSubstr("firm_name"))) << r;
}

}  // namespace
}  // namespace ledger::testing
