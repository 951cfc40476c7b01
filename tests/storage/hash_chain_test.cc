// The hash chain: the documented canonical bytes (storage/hash_chain.h) and
// on-disk layout (storage/internal/record_codec.h) recomputed independently
// with OpenSSL, and VerifyChain against records tampered with in RocksDB.

#include "storage/hash_chain.h"

#include <openssl/sha.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "rocksdb/db.h"
#include "storage/event_log.h"
#include "tests/storage/storage_test_util.h"
#include "tests/testing/raw_db.h"

namespace ledger::storage {
namespace {

using ::ledger::storage::test_util::EventLogFixture;
using ::ledger::storage::test_util::IsOk;
using ::ledger::storage::test_util::MakeEvent;
using ::ledger::storage::test_util::MakeRequest;
using ::ledger::storage::test_util::OneEvent;
using ::ledger::storage::test_util::ReadEverything;
using ::ledger::storage::test_util::StatusIs;
using ::ledger::testing::RawDb;
using ::testing::AllOf;
using ::testing::HasSubstr;

// --- An independent encoder, written from the comment in hash_chain.h -----

void PutU64(std::string* out, uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8) {
    out->push_back(static_cast<char>((v >> shift) & 0xff));
  }
}

void PutString(std::string* out, const std::string& s) {
  const uint32_t n = static_cast<uint32_t>(s.size());
  for (int shift = 24; shift >= 0; shift -= 8) {
    out->push_back(static_cast<char>((n >> shift) & 0xff));
  }
  out->append(s);
}

void PutHash(std::string* out, const Hash256& h) {
  out->append(reinterpret_cast<const char*>(h.data()), h.size());
}

std::string Canonical(const EventRecord& r) {
  std::string out;
  out.push_back('\x01');
  PutU64(&out, r.position);
  PutString(&out, r.stream);
  PutU64(&out, r.version);
  PutString(&out, r.type);
  PutHash(&out, r.payload_sha256);
  PutString(&out, r.metadata.actor);
  PutString(&out, r.metadata.reason);
  PutString(&out, r.metadata.request_id);
  PutString(&out, r.metadata.correlation_id);
  PutString(&out, r.metadata.causation_id);
  PutString(&out, r.metadata.service);
  PutString(&out, r.metadata.on_behalf_of);
  PutU64(&out, static_cast<uint64_t>(r.metadata.occurred_at_micros));
  PutU64(&out, static_cast<uint64_t>(r.metadata.recorded_at_micros));
  return out;
}

Hash256 OpenSslSha256(const std::string& data) {
  Hash256 out;
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(),
         out.data());
  return out;
}

Hash256 ExpectedHash(const Hash256& prev, const EventRecord& r) {
  std::string input(reinterpret_cast<const char*>(prev.data()), prev.size());
  return OpenSslSha256(input + Canonical(r));
}

// The events value documented in record_codec.h.
std::string StoredValue(const EventRecord& r) {
  std::string out = Canonical(r);
  PutHash(&out, r.prev_hash);
  PutHash(&out, r.hash);
  return out + r.payload;
}

std::string PositionKey(uint64_t position) {
  std::string key;
  PutU64(&key, position);
  return key;
}

class HashChainTest : public EventLogFixture {
 protected:
  // Appends eight varied events (positions 1..8); position 3 has a
  // non-empty payload and sits in the middle of the log.
  void AppendVariedEvents() {
    ProposedEvent full =
        MakeEvent("CustomerRegistered", "{\"name\":\"ACME\"}", "alice");
    full.metadata.correlation_id = "corr";
    full.metadata.causation_id = "cause";
    full.metadata.service = "crm";
    full.metadata.on_behalf_of = "bob";
    full.metadata.occurred_at_micros =
        -1'000'000;  // negative: two's complement
    MustAppend(
        MakeRequest("cust-1", ExpectedVersion::NoStream(), {full}, "req-1"));
    MustAppend(OneEvent("kunde-\xc3\xbc", ExpectedVersion::Any(), ""));
    MustAppend(MakeRequest(
        "cust-1", ExpectedVersion::Exact(1),
        {MakeEvent("ContactLogged", std::string("bin\0\xff payload", 13),
                   "carol"),
         MakeEvent("ContactLogged", "second"), MakeEvent("Note", "third")},
        "req-2"));
    MustAppend(OneEvent("cust-2", ExpectedVersion::Any(), "x"));
    MustAppend(OneEvent("cust-2", ExpectedVersion::Any(), "y"));
    MustAppend(OneEvent("cust-3", ExpectedVersion::Any(), "last"));
    ASSERT_EQ(log().last_position(), 8u);
  }
};

TEST(HashChainEncodingTest, CanonicalBytesMatchAHandWrittenVector) {
  EventRecord r;
  r.position = 1;
  r.stream = "s";
  r.version = 2;
  r.type = "T";
  r.payload = "ignored";
  r.payload_sha256.fill(0xab);
  r.metadata.actor = "a";
  r.metadata.occurred_at_micros = -1;
  r.metadata.recorded_at_micros = 3;
  r.prev_hash.fill(0x11);  // neither hash takes part in the bytes
  r.hash.fill(0x22);
  std::string expected("\x01", 1);
  expected += std::string("\0\0\0\0\0\0\0\x01", 8);
  expected += std::string("\0\0\0\x01s", 5);
  expected += std::string("\0\0\0\0\0\0\0\x02", 8);
  expected += std::string("\0\0\0\x01T", 5);
  expected += std::string(32, '\xab');
  expected += std::string("\0\0\0\x01", 4) + "a";
  expected += std::string(6 * 4, '\0');  // six empty strings
  expected += std::string(8, '\xff');
  expected += std::string("\0\0\0\0\0\0\0\x03", 8);
  EXPECT_EQ(Canonical(r), expected) << "the test's own encoder is wrong";
  std::string actual;
  AppendCanonicalBytes(r, &actual);
  EXPECT_EQ(actual, expected);
}

TEST_F(HashChainTest, VerifyChainPassesOnACleanLog) {
  absl::StatusOr<ChainReport> empty = log().VerifyChain(0, 0);
  ASSERT_THAT(empty, IsOk());
  EXPECT_EQ(empty->verified_events, 0u);

  ASSERT_NO_FATAL_FAILURE(AppendVariedEvents());
  absl::StatusOr<ChainReport> all = log().VerifyChain(0, 0);
  ASSERT_THAT(all, IsOk());
  EXPECT_EQ(all->verified_events, 8u);
  EXPECT_EQ(all->last_hash, log().head().hash);

  absl::StatusOr<ChainReport> middle = log().VerifyChain(3, 6);
  ASSERT_THAT(middle, IsOk());
  EXPECT_EQ(middle->verified_events, 4u);
  EXPECT_EQ(middle->last_hash, log().ReadAt(6)->hash);

  absl::StatusOr<ChainReport> clamped = log().VerifyChain(7, 1000);
  ASSERT_THAT(clamped, IsOk());
  EXPECT_EQ(clamped->verified_events, 2u);
  absl::StatusOr<ChainReport> reversed = log().VerifyChain(5, 4);
  ASSERT_THAT(reversed, IsOk());
  EXPECT_EQ(reversed->verified_events, 0u);
}

TEST_F(HashChainTest, HashesFollowTheDocumentedCanonicalBytes) {
  ASSERT_NO_FATAL_FAILURE(AppendVariedEvents());
  std::vector<EventRecord> records = ReadEverything(log());
  ASSERT_EQ(records.size(), 8u);
  Hash256 prev{};  // 32 zero bytes before position 1
  for (const EventRecord& r : records) {
    SCOPED_TRACE(absl::StrCat("position ", r.position));
    EXPECT_EQ(r.payload_sha256, OpenSslSha256(r.payload));
    EXPECT_EQ(r.prev_hash, prev);
    EXPECT_EQ(r.hash, ExpectedHash(prev, r));
    std::string library;
    AppendCanonicalBytes(r, &library);
    EXPECT_EQ(library, Canonical(r));
    prev = r.hash;
  }
  EXPECT_EQ(prev, log().head().hash);
}

TEST_F(HashChainTest, StoredEventsFollowTheRecordCodecLayout) {
  ASSERT_NO_FATAL_FAILURE(AppendVariedEvents());
  std::vector<EventRecord> records = ReadEverything(log());
  CloseLog();
  RawDb raw(options_.path);
  std::unique_ptr<rocksdb::Iterator> it(
      raw.db()->NewIterator(rocksdb::ReadOptions(), raw.cf("events")));
  size_t i = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next(), ++i) {
    ASSERT_LT(i, records.size());
    EXPECT_EQ(it->key().ToString(), PositionKey(records[i].position));
    EXPECT_EQ(it->value().ToString(), StoredValue(records[i]))
        << "position " << records[i].position;
  }
  ASSERT_TRUE(it->status().ok());
  EXPECT_EQ(i, records.size());
}

TEST_F(HashChainTest, VerifyChainDetectsATamperedPayload) {
  ASSERT_NO_FATAL_FAILURE(AppendVariedEvents());
  {
    CloseLog();
    RawDb raw(options_.path);
    std::string value = raw.Get("events", PositionKey(3));
    ASSERT_FALSE(value.empty());
    value.back() ^= 0x01;  // the payload is the tail of the value
    raw.Put("events", PositionKey(3), value);
  }
  ASSERT_NO_FATAL_FAILURE(OpenLog());
  // The tampering took effect: the payload reads back changed.
  ASSERT_EQ(log().ReadAt(3)->payload, std::string("bin\0\xff payloae", 13));
  EXPECT_THAT(log().VerifyChain(0, 0),
              StatusIs(absl::StatusCode::kDataLoss,
                       AllOf(HasSubstr("position 3:"), HasSubstr("payload"))));
  // Ranges that do not include position 3 still verify.
  EXPECT_THAT(log().VerifyChain(1, 2), IsOk());
  EXPECT_THAT(log().VerifyChain(4, 0), IsOk());
}

TEST_F(HashChainTest, VerifyChainDetectsTamperedMetadata) {
  ASSERT_NO_FATAL_FAILURE(AppendVariedEvents());
  absl::StatusOr<EventRecord> target = log().ReadAt(3);
  ASSERT_THAT(target, IsOk());
  ASSERT_EQ(target->metadata.actor, "carol");
  const std::string canonical = Canonical(*target);
  // Offsets from the documented layout.
  const size_t actor_offset =
      1 + 8 + 4 + target->stream.size() + 8 + 4 + target->type.size() + 32 + 4;
  const size_t occurred_offset = canonical.size() - 16 + 7;  // lowest byte
  for (size_t offset : {actor_offset, occurred_offset}) {
    SCOPED_TRACE(absl::StrCat("byte ", offset));
    std::string original;
    {
      CloseLog();
      RawDb raw(options_.path);
      original = raw.Get("events", PositionKey(3));
      ASSERT_EQ(original.substr(0, canonical.size()), canonical);
      std::string tampered = original;
      tampered[offset] ^= 0x01;
      raw.Put("events", PositionKey(3), tampered);
    }
    ASSERT_NO_FATAL_FAILURE(OpenLog());
    absl::StatusOr<EventRecord> changed = log().ReadAt(3);
    ASSERT_THAT(changed, IsOk());
    EXPECT_TRUE(changed->metadata.actor != "carol" ||
                changed->metadata.occurred_at_micros !=
                    target->metadata.occurred_at_micros);
    EXPECT_THAT(
        log().VerifyChain(0, 0),
        StatusIs(absl::StatusCode::kDataLoss,
                 AllOf(HasSubstr("position 3:"), HasSubstr("hashes to"))));
    // Restoring the original bytes makes the chain whole again.
    {
      CloseLog();
      RawDb raw(options_.path);
      raw.Put("events", PositionKey(3), original);
    }
    ASSERT_NO_FATAL_FAILURE(OpenLog());
    EXPECT_THAT(log().VerifyChain(0, 0), IsOk());
  }
}

TEST_F(HashChainTest, RewrittenRecordWithRecomputedHashBreaksTheNextLink) {
  ASSERT_NO_FATAL_FAILURE(AppendVariedEvents());
  absl::StatusOr<EventRecord> forged = log().ReadAt(3);
  ASSERT_THAT(forged, IsOk());
  forged->metadata.actor = "mallory";
  forged->hash = ExpectedHash(forged->prev_hash, *forged);
  {
    CloseLog();
    RawDb raw(options_.path);
    raw.Put("events", PositionKey(3), StoredValue(*forged));
  }
  ASSERT_NO_FATAL_FAILURE(OpenLog());
  EXPECT_EQ(log().ReadAt(3)->metadata.actor, "mallory");
  EXPECT_THAT(log().VerifyChain(0, 0), StatusIs(absl::StatusCode::kDataLoss,
                                                AllOf(HasSubstr("position 4:"),
                                                      HasSubstr("prev_hash"))));
  // Position 3 alone is self-consistent: only the chain betrays it.
  EXPECT_THAT(log().VerifyChain(3, 3), IsOk());
}

TEST_F(HashChainTest, VerifyChainDetectsADeletedRecord) {
  ASSERT_NO_FATAL_FAILURE(AppendVariedEvents());
  {
    CloseLog();
    RawDb raw(options_.path);
    raw.Delete("events", PositionKey(3));
  }
  ASSERT_NO_FATAL_FAILURE(OpenLog());
  EXPECT_EQ(log().last_position(), 8u);
  EXPECT_THAT(log().ReadAt(3), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(log().VerifyChain(0, 0),
              StatusIs(absl::StatusCode::kDataLoss,
                       HasSubstr("position 3 is missing")));
  EXPECT_THAT(log().VerifyChain(5, 0), IsOk());
}

// A range that starts right after the hole cannot check its first link; the
// missing record is data loss too, not a NOT_FOUND of the caller's range.
// Regression test: VerifyChain used to pass ReadAt's NOT_FOUND through.
TEST_F(HashChainTest, VerifyChainFromRightAfterADeletedRecordIsDataLoss) {
  ASSERT_NO_FATAL_FAILURE(AppendVariedEvents());
  {
    CloseLog();
    RawDb raw(options_.path);
    raw.Delete("events", PositionKey(3));
  }
  ASSERT_NO_FATAL_FAILURE(OpenLog());
  EXPECT_THAT(log().VerifyChain(4, 0),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("position 3")));
}

}  // namespace
}  // namespace ledger::storage
