#include "tools/ledgerctl/archive_verifier.h"

#include <sstream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ledger/v1/archive.pb.h"
#include "tests/tools/test_log.h"
#include "tools/ledgerctl/archive_file.h"
#include "tools/ledgerctl/merkle_verifier.h"

namespace ledger::ctl {
namespace {

namespace v1 = ::ledger::v1;
using ledger::testing::MakeChain;
using ledger::testing::ReferencePath;
using ledger::testing::TestSigner;
using ::testing::HasSubstr;

// The records of an archive of events from..to of `events`.
struct Archive {
  v1::ArchiveHeader header;
  std::vector<v1::Event> events;
  v1::ArchiveTrailer trailer;

  std::string Bytes() const {
    std::ostringstream out;
    EXPECT_TRUE(WriteArchiveMagic(out).ok());
    v1::ArchiveRecord record;
    *record.mutable_header() = header;
    EXPECT_TRUE(WriteArchiveRecord(out, record).ok());
    for (const v1::Event& e : events) {
      record.Clear();
      *record.mutable_event() = e;
      EXPECT_TRUE(WriteArchiveRecord(out, record).ok());
    }
    record.Clear();
    *record.mutable_trailer() = trailer;
    EXPECT_TRUE(WriteArchiveRecord(out, record).ok());
    return out.str();
  }
};

Archive MakeArchive(const TestSigner& signer, const std::vector<v1::Event>& log,
                    uint64_t from, uint64_t to) {
  Archive a;
  a.header.set_format_version(1);
  a.header.set_from_position(from);
  a.header.set_to_position(to);
  a.header.set_public_key(signer.public_key());
  for (uint64_t p = from; p <= to; ++p) a.events.push_back(log[p - 1]);
  a.trailer.set_event_count(to - from + 1);
  *a.trailer.mutable_digest() = signer.Sign(log, to);
  std::vector<std::string> leaves;
  for (uint64_t i = 0; i < to; ++i) leaves.push_back(LeafHash(log[i].hash()));
  for (const std::string& node : ReferencePath(leaves, to - 1, 0, to)) {
    a.trailer.add_audit_path(node);
  }
  return a;
}

ArchiveReport Verify(const std::string& bytes, const std::string& key = "") {
  std::istringstream in(bytes);
  return VerifyArchive(in, key);
}

class ArchiveVerifierTest : public ::testing::Test {
 protected:
  TestSigner signer_;
  std::vector<v1::Event> log_ = MakeChain(12);
};

TEST_F(ArchiveVerifierTest, AcceptsWholeLogAndMidLogRanges) {
  for (auto [from, to] : std::vector<std::pair<uint64_t, uint64_t>>{
           {1, 12}, {1, 1}, {4, 9}, {12, 12}, {5, 7}}) {
    const ArchiveReport r = Verify(MakeArchive(signer_, log_, from, to).Bytes(),
                                   signer_.public_key());
    EXPECT_TRUE(r.ok) << from << ".." << to << ": " << r.error;
    EXPECT_EQ(r.events, to - from + 1);
    EXPECT_EQ(r.from, from);
    EXPECT_EQ(r.to, to);
  }
}

TEST_F(ArchiveVerifierTest, FlippedPayloadByteNamesThePosition) {
  std::string bytes = MakeArchive(signer_, log_, 1, 12).Bytes();
  const size_t at = bytes.find("call number 6");
  ASSERT_NE(at, std::string::npos);
  bytes[at] ^= 0x01;
  const ArchiveReport r = Verify(bytes);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.bad_position, 6u) << r.error;
  EXPECT_THAT(r.error, HasSubstr("payload"));
}

TEST_F(ArchiveVerifierTest, TamperedHashOrMetadataNamesThePosition) {
  Archive a = MakeArchive(signer_, log_, 1, 12);
  a.events[2].mutable_hash()->at(0) ^= 1;
  EXPECT_EQ(Verify(a.Bytes()).bad_position, 3u);
  a = MakeArchive(signer_, log_, 1, 12);
  a.events[8].mutable_metadata()->set_actor("someone-else");
  EXPECT_EQ(Verify(a.Bytes()).bad_position, 9u);
  // Rewriting a whole consistent chain from position 9 on moves the
  // failure to the signed head.
  a = MakeArchive(signer_, log_, 1, 12);
  for (size_t i = 8; i < a.events.size(); ++i) {
    if (i == 8) a.events[i].mutable_metadata()->set_actor("someone-else");
    if (i > 8) a.events[i].set_prev_hash(a.events[i - 1].hash());
    a.events[i].set_hash(ledger::testing::ChainHash(a.events[i]));
  }
  const ArchiveReport r = Verify(a.Bytes());
  EXPECT_FALSE(r.ok);
  EXPECT_THAT(r.error, HasSubstr("signed head hash"));
}

TEST_F(ArchiveVerifierTest, MissingReorderedOrExtraEventsAreNamed) {
  Archive a = MakeArchive(signer_, log_, 1, 12);
  a.events.erase(a.events.begin() + 4);
  ArchiveReport r = Verify(a.Bytes());
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.bad_position, 5u) << r.error;
  EXPECT_THAT(r.error, HasSubstr("missing"));

  a = MakeArchive(signer_, log_, 1, 12);
  std::swap(a.events[6], a.events[7]);
  r = Verify(a.Bytes());
  EXPECT_EQ(r.bad_position, 7u) << r.error;

  a = MakeArchive(signer_, log_, 1, 12);
  a.events.pop_back();
  r = Verify(a.Bytes());
  EXPECT_EQ(r.bad_position, 12u) << r.error;

  a = MakeArchive(signer_, log_, 1, 11);
  a.events.push_back(log_[11]);
  r = Verify(a.Bytes());
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.bad_position, 12u) << r.error;
}

TEST_F(ArchiveVerifierTest, TruncatedFileFails) {
  const std::string bytes = MakeArchive(signer_, log_, 1, 12).Bytes();
  for (size_t cut : {bytes.size() - 1, bytes.size() - 120, bytes.size() / 2,
                     size_t{30}, size_t{10}}) {
    const ArchiveReport r = Verify(bytes.substr(0, cut));
    EXPECT_FALSE(r.ok) << "cut at " << cut;
  }
  EXPECT_FALSE(Verify(bytes + "x").ok);
  EXPECT_THAT(Verify("PK\x03\x04").error, HasSubstr("not a customer-ledger"));
}

TEST_F(ArchiveVerifierTest, BadProofSignatureOrKeyFails) {
  Archive a = MakeArchive(signer_, log_, 3, 10);
  a.trailer.mutable_audit_path(0)->at(5) ^= 1;
  EXPECT_THAT(Verify(a.Bytes()).error, HasSubstr("inclusion proof"));

  a = MakeArchive(signer_, log_, 3, 10);
  a.trailer.mutable_digest()->mutable_root_hash()->at(0) ^= 1;
  EXPECT_THAT(Verify(a.Bytes()).error, HasSubstr("signature"));

  TestSigner other;
  a = MakeArchive(signer_, log_, 3, 10);
  EXPECT_THAT(Verify(a.Bytes(), other.public_key()).error,
              HasSubstr("pinned key"));
  // Re-signing everything with another key passes only without a pin.
  a = MakeArchive(other, log_, 3, 10);
  EXPECT_TRUE(Verify(a.Bytes()).ok);
  EXPECT_FALSE(Verify(a.Bytes(), signer_.public_key()).ok);

  // A digest of a larger tree does not prove the archive's last event.
  a = MakeArchive(signer_, log_, 3, 10);
  *a.trailer.mutable_digest() = signer_.Sign(log_, 11);
  EXPECT_FALSE(Verify(a.Bytes()).ok);
}

}  // namespace
}  // namespace ledger::ctl
