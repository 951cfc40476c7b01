// Whole-process tests of the auditor's commands: `ledgerctl verify`,
// `digest`, `consistency`, `proof`, `export --from/--to` and
// `verify-archive`, with the real ledgerctl binary against a real
// customer-ledgerd child process (and, for verify-archive, none at all).

#include <signal.h>
#include <sys/wait.h>

#include <cstdint>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "ledger/v1/archive.pb.h"
#include "ledger/v1/integrity.pb.h"
#include "tests/e2e/ledgerctl_fixture.h"
#include "tests/e2e/ledgerd_process.h"
#include "tests/testing/raw_db.h"

namespace ledger::testing {
namespace {

namespace v1 = ::ledger::v1;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr absl::Duration kCommandTimeout = absl::Seconds(20);
constexpr absl::string_view kMagic = "customer-ledger-archive v1\n";

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

void WriteFile(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
}

std::string Registered(const std::string& name) {
  return absl::StrCat(
      R"({"customerRegistered": {"kind": "CUSTOMER_KIND_ORGANIZATION",)",
      R"( "profile": {"name": ")", name, R"("}}})");
}

std::string Call(int n) {
  return absl::StrCat(
      R"({"contactLogged": {"channel": "CONTACT_CHANNEL_PHONE", "content": )",
      R"("follow-up call )", n, R"("}})");
}

// One framed record of an archive file and where its bytes are.
struct FramedRecord {
  size_t begin = 0;  // offset of the length prefix
  size_t body = 0;   // offset of the message bytes
  size_t end = 0;    // one past them
  v1::ArchiveRecord record;
};

// Splits an archive into its records (format of archive.proto), written
// here independently of ledgerctl's reader.
std::vector<FramedRecord> SplitArchive(const std::string& bytes) {
  std::vector<FramedRecord> records;
  EXPECT_TRUE(absl::StartsWith(bytes, kMagic));
  size_t pos = kMagic.size();
  while (pos < bytes.size()) {
    FramedRecord r;
    r.begin = pos;
    uint64_t length = 0;
    int shift = 0;
    while (pos < bytes.size()) {
      const uint8_t b = static_cast<uint8_t>(bytes[pos++]);
      length |= static_cast<uint64_t>(b & 0x7f) << shift;
      shift += 7;
      if ((b & 0x80) == 0) break;
    }
    r.body = pos;
    r.end = pos + length;
    EXPECT_LE(r.end, bytes.size());
    EXPECT_TRUE(r.record.ParseFromString(bytes.substr(r.body, length)));
    records.push_back(std::move(r));
    pos = r.end;
  }
  return records;
}

// Changes one byte of the stored Merkle node (level, index) in the closed
// data directory (key u64be(last position it covers) || u8(level) in the
// "merkle" column family, storage/internal/merkle_store.h).
void TamperWithMerkleNode(const std::string& data_dir, int level,
                          uint64_t index) {
  RawDb raw(data_dir);
  const uint64_t last = (index + 1) << level;
  std::string key;
  for (int shift = 56; shift >= 0; shift -= 8) {
    key.push_back(static_cast<char>((last >> shift) & 0xff));
  }
  key.push_back(static_cast<char>(level));
  std::string value = raw.Get("merkle", key);
  ASSERT_EQ(value.size(), 32u) << "node is not 32 bytes";
  value[0] ^= 0x01;
  raw.Put("merkle", key, value);
}

class LedgerctlIntegrityTest : public LedgerctlFixture {
 protected:
  LedgerctlIntegrityTest()
      : LedgerctlFixture("integrity-test", kCommandTimeout) {}

  // Appends a registration and `calls` contact events for `customer` in
  // one append; call contents are numbered from `first_call`.
  void AppendCustomer(const std::string& customer, int calls,
                      int first_call = 1) {
    std::vector<std::string> args = {"append", "-c", customer, "-e",
                                     Registered(customer)};
    for (int i = 0; i < calls; ++i) {
      args.push_back("-e");
      args.push_back(Call(first_call + i));
    }
    const SubprocessResult r = Ctl(args);
    ASSERT_EQ(r.exit_code, 0) << r;
  }

  // Seven events: C-1 at positions 1..4, C-2 at 5..7.
  void AppendSeven() {
    ASSERT_NO_FATAL_FAILURE(AppendCustomer("C-1", 3, 1));
    ASSERT_NO_FATAL_FAILURE(AppendCustomer("C-2", 2, 4));
  }

  v1::SignedDigest Digest() {
    const SubprocessResult r = Ctl({"--json", "digest"});
    EXPECT_EQ(r.exit_code, 0) << r;
    return ParseJson<v1::SignedDigest>(r.out);
  }

  void StopServer() {
    server_->Signal(SIGTERM);
    const std::optional<int> stopped = server_->Wait(absl::Seconds(10));
    ASSERT_TRUE(stopped.has_value()) << server_->LogTail();
  }
};

TEST_F(LedgerctlIntegrityTest, VerifyPassesOnAGoodLogAndChecksThePinnedKey) {
  ASSERT_NO_FATAL_FAILURE(AppendSeven());
  SubprocessResult r = Ctl({"verify"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, AllOf(HasSubstr("verify OK: 7 events"),
                           HasSubstr("trusted on first use")))
      << r;

  const v1::SignedDigest digest = Digest();
  EXPECT_EQ(digest.tree_size(), 7u);
  const std::string key = absl::BytesToHexString(digest.public_key());
  r = Ctl({"verify", "--public-key", key});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, AllOf(HasSubstr("(pinned)"),
                           Not(HasSubstr("trusted on first use"))))
      << r;

  r = Ctl({"--json", "verify", "--public-key", key});
  ASSERT_EQ(r.exit_code, 0) << r;
  const auto json = ParseJson<google::protobuf::Struct>(r.out);
  EXPECT_TRUE(json.fields().at("ok").bool_value()) << r;
  EXPECT_EQ(json.fields().at("events").number_value(), 7) << r;
  EXPECT_TRUE(json.fields().at("keyPinned").bool_value()) << r;

  const std::string wrong(64, 'a');
  r = Ctl({"verify", "--public-key", wrong});
  EXPECT_EQ(r.exit_code, 3) << r;
  EXPECT_THAT(r.out, AllOf(HasSubstr("verify FAILED"),
                           HasSubstr("not with the pinned key")))
      << r;
  r = Ctl({"verify", "--public-key", "no-such-file"});
  EXPECT_EQ(r.exit_code, 2) << r;

  // The chain-only check still works as before.
  r = Ctl({"verify-chain"});
  EXPECT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, HasSubstr("chain OK: 7 events")) << r;
}

TEST_F(LedgerctlIntegrityTest, ProofOfOneEventIsCheckedLocally) {
  ASSERT_NO_FATAL_FAILURE(AppendSeven());
  SubprocessResult r = Ctl({"proof", "2"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, HasSubstr("event 2 is in the signed log of size 7")) << r;
  r = Ctl({"proof", "3", "--tree-size", "4"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, HasSubstr("event 3 is in the signed log of size 4")) << r;
  r = Ctl({"proof", "9"});
  EXPECT_EQ(r.exit_code, 1) << r;
}

TEST_F(LedgerctlIntegrityTest, ExportedArchiveVerifiesWithoutAServer) {
  ASSERT_NO_FATAL_FAILURE(AppendSeven());
  const std::string key = absl::BytesToHexString(Digest().public_key());
  const std::string whole = dir_.Sub("whole.archive");
  const std::string part = dir_.Sub("part.archive");
  SubprocessResult r = Ctl({"export", "--from", "1", "--to", "7", whole});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.err, HasSubstr("exported events 1..7")) << r;
  r = Ctl({"export", "--from", "3", "--to", "5", "--output", part});
  ASSERT_EQ(r.exit_code, 0) << r;
  // The customer export keeps working, with the file as a positional too.
  const std::string csv = dir_.Sub("customers.csv");
  r = Ctl({"export", csv});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(ReadFile(csv), HasSubstr("C-1"));

  StopServer();
  r = Ctl({"verify-archive", whole, "--public-key", key});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, HasSubstr("verify-archive OK: 7 events")) << r;
  r = Ctl({"--json", "verify-archive", part});
  ASSERT_EQ(r.exit_code, 0) << r;
  const auto json = ParseJson<google::protobuf::Struct>(r.out);
  EXPECT_TRUE(json.fields().at("ok").bool_value()) << r;
  EXPECT_EQ(json.fields().at("from").number_value(), 3) << r;
  EXPECT_EQ(json.fields().at("to").number_value(), 5) << r;

  r = Ctl({"verify-archive", whole, "--public-key", std::string(64, 'b')});
  EXPECT_EQ(r.exit_code, 3) << r;
  EXPECT_THAT(r.out, HasSubstr("pinned key")) << r;
}

TEST_F(LedgerctlIntegrityTest, TamperedArchiveNamesTheBadPosition) {
  ASSERT_NO_FATAL_FAILURE(AppendSeven());
  const std::string file = dir_.Sub("log.archive");
  SubprocessResult r = Ctl({"export", "--from", "1", "--to", "7", file});
  ASSERT_EQ(r.exit_code, 0) << r;
  StopServer();
  const std::string good = ReadFile(file);
  const std::vector<FramedRecord> records = SplitArchive(good);
  ASSERT_EQ(records.size(), 9u);  // header, 7 events, trailer
  ASSERT_TRUE(records[4].record.has_event());
  ASSERT_EQ(records[4].record.event().position(), 4u);

  // One byte of event 4's payload.
  std::string bad = good;
  const std::string& raw = records[4].record.event().raw_payload();
  const size_t at = good.find(raw, records[4].body);
  ASSERT_NE(at, std::string::npos);
  bad[at + raw.size() / 2] ^= 0x01;
  WriteFile(file, bad);
  r = Ctl({"verify-archive", file});
  EXPECT_EQ(r.exit_code, 3) << r;
  EXPECT_THAT(r.out, HasSubstr("FAILED at position 4")) << r;

  // One byte of event 6's stored hash.
  bad = good;
  const std::string& hash = records[6].record.event().hash();
  const size_t hash_at = good.find(hash, records[6].body);
  ASSERT_NE(hash_at, std::string::npos);
  bad[hash_at + 3] ^= 0x40;
  WriteFile(file, bad);
  r = Ctl({"--json", "verify-archive", file});
  EXPECT_EQ(r.exit_code, 3) << r;
  auto json = ParseJson<google::protobuf::Struct>(r.out);
  EXPECT_EQ(json.fields().at("badPosition").number_value(), 6) << r;

  // Event 5 removed.
  WriteFile(file,
            good.substr(0, records[5].begin) + good.substr(records[5].end));
  r = Ctl({"verify-archive", file});
  EXPECT_EQ(r.exit_code, 3) << r;
  EXPECT_THAT(r.out, AllOf(HasSubstr("position 5"), HasSubstr("missing"))) << r;

  // Events 2 and 3 swapped.
  WriteFile(
      file,
      good.substr(0, records[2].begin) +
          good.substr(records[3].begin, records[3].end - records[3].begin) +
          good.substr(records[2].begin, records[2].end - records[2].begin) +
          good.substr(records[3].end));
  r = Ctl({"verify-archive", file});
  EXPECT_EQ(r.exit_code, 3) << r;
  EXPECT_THAT(r.out, HasSubstr("position 2")) << r;

  // Cut off in the middle of event 7, and without the trailer.
  WriteFile(file, good.substr(0, records[7].body + 5));
  r = Ctl({"verify-archive", file});
  EXPECT_EQ(r.exit_code, 3) << r;
  EXPECT_THAT(r.out, HasSubstr("position 7")) << r;
  WriteFile(file, good.substr(0, records[8].begin));
  r = Ctl({"verify-archive", file});
  EXPECT_EQ(r.exit_code, 3) << r;
  EXPECT_THAT(r.out, HasSubstr("trailer")) << r;

  WriteFile(file, good);
  r = Ctl({"verify-archive", file});
  EXPECT_EQ(r.exit_code, 0) << r;
}

TEST_F(LedgerctlIntegrityTest, SavedDigestProvesLaterLogOnlyAppended) {
  ASSERT_NO_FATAL_FAILURE(AppendCustomer("C-1", 2, 1));  // 3 events
  const std::string saved = dir_.Sub("digest-day1.json");
  SubprocessResult r = Ctl({"digest", "--save", saved});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, AllOf(HasSubstr("signature OK"), HasSubstr(saved)));

  ASSERT_NO_FATAL_FAILURE(AppendCustomer("C-2", 3, 10));  // 4 more
  r = Ctl({"consistency", "--since", saved});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, HasSubstr("the log at size 7 only appended to the log "
                               "at size 3"))
      << r;
  r = Ctl({"--json", "consistency", "--since", saved, "--public-key", saved});
  ASSERT_EQ(r.exit_code, 0) << r;
  const auto json = ParseJson<google::protobuf::Struct>(r.out);
  EXPECT_TRUE(json.fields().at("ok").bool_value()) << r;
  EXPECT_EQ(json.fields().at("newSize").number_value(), 7) << r;

  // A doctored saved digest (another root) is refused.
  v1::SignedDigest doctored = ParseJson<v1::SignedDigest>(ReadFile(saved));
  (*doctored.mutable_root_hash())[0] ^= 0x01;
  std::string json_text;
  ASSERT_TRUE(
      google::protobuf::util::MessageToJsonString(doctored, &json_text).ok());
  const std::string bad = dir_.Sub("doctored.json");
  WriteFile(bad, json_text);
  r = Ctl({"consistency", "--since", bad});
  EXPECT_EQ(r.exit_code, 3) << r;
  EXPECT_THAT(r.out, HasSubstr("consistency FAILED")) << r;

  // --save moves the saved digest forward.
  r = Ctl({"consistency", "--since", saved, "--save", saved});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(ParseJson<v1::SignedDigest>(ReadFile(saved)).tree_size(), 7u);
  r = Ctl({"consistency", "--since", saved});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, HasSubstr("the log at size 7 only appended to the log "
                               "at size 7"))
      << r;
}

TEST_F(LedgerctlIntegrityTest, TamperedMerkleNodeIsNamedByVerify) {
  ASSERT_NO_FATAL_FAILURE(AppendSeven());
  ASSERT_EQ(Ctl({"verify"}).exit_code, 0);
  StopServer();
  // Node (level 1, index 2) covers positions 5..6: the roots of sizes 6 and
  // 7 use it, the root of size 5 does not.
  ASSERT_NO_FATAL_FAILURE(TamperWithMerkleNode(data_dir(), 1, 2));
  const absl::Status restarted = server_->Start();
  ASSERT_TRUE(restarted.ok()) << restarted;
  const SubprocessResult r = Ctl({"verify"});
  EXPECT_EQ(r.exit_code, 3) << r;
  EXPECT_THAT(r.out, AllOf(HasSubstr("verify FAILED at position 6"),
                           HasSubstr("disagrees with its events from "
                                     "position 6")))
      << r;
}

}  // namespace
}  // namespace ledger::testing
