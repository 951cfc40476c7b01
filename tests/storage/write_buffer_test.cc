// WriteBuffer: the in-memory writes of a rebuild chunk.

#include "storage/internal/write_buffer.h"

#include <map>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ledger::storage::internal {
namespace {

using Found = WriteBuffer::Found;

std::vector<std::string> Describe(const WriteBuffer& buffer) {
  std::vector<std::string> out;
  const std::vector<WriteBuffer::Write> sorted = buffer.Sorted();
  for (size_t i = 0; i < sorted.size(); ++i) {
    if (WriteBuffer::IsSuperseded(sorted, i)) continue;
    const WriteBuffer::Write& w = sorted[i];
    out.push_back(absl::StrCat(static_cast<unsigned char>(w.key[0]), ":",
                               w.key.substr(1), w.deleted ? " deleted" : "=",
                               w.value));
  }
  return out;
}

TEST(WriteBufferTest, LastWriteOfAKeyWins) {
  WriteBuffer buffer(16);
  std::string value;
  EXPECT_EQ(buffer.Find(0, "k", &value), Found::kNo);
  buffer.Put(0, "k", "1");
  buffer.Put(0, "k", "2");
  ASSERT_EQ(buffer.Find(0, "k", &value), Found::kValue);
  EXPECT_EQ(value, "2");
  buffer.Delete(0, "k");
  EXPECT_EQ(buffer.Find(0, "k", &value), Found::kDeleted);
  buffer.Put(0, "k", "3");
  ASSERT_EQ(buffer.Find(0, "k", &value), Found::kValue);
  EXPECT_EQ(value, "3");
  EXPECT_EQ(buffer.size(), 1u);
  EXPECT_THAT(Describe(buffer), ::testing::ElementsAre("0:k=3"));
}

TEST(WriteBufferTest, FamiliesAreSeparateKeySpaces) {
  WriteBuffer buffer(16);
  buffer.Put(1, "k", "one");
  buffer.Delete(2, "k");
  std::string value;
  ASSERT_EQ(buffer.Find(1, "k", &value), Found::kValue);
  EXPECT_EQ(value, "one");
  EXPECT_EQ(buffer.Find(2, "k", &value), Found::kDeleted);
  EXPECT_EQ(buffer.Find(0, "k", &value), Found::kNo);
  EXPECT_EQ(buffer.size(), 2u);
}

// Sorted is bytewise (unsigned) order of family byte + key, like RocksDB's
// default comparator, including keys that differ only after 8 bytes or by a
// trailing NUL, and empty values.
TEST(WriteBufferTest, SortedIsBytewiseKeyOrderOfLiveWrites) {
  WriteBuffer buffer(16);
  buffer.Put(1, "b", "x");
  buffer.Put(0, std::string("a\0", 2), "nul");
  buffer.Put(0, "a", "");
  buffer.Put(0, "customer-0002", "2");
  buffer.Put(0, "customer-0001", "1");
  buffer.Put(0, "\xe4\xb8\xad", "zh");
  buffer.Put(0, "customer-0001", "1b");
  buffer.Delete(1, "a");
  EXPECT_THAT(
      Describe(buffer),
      ::testing::ElementsAre(std::string("0:a="), std::string("0:a\0=nul", 8),
                             "0:customer-0001=1b", "0:customer-0002=2",
                             "0:\xe4\xb8\xad=zh", "1:a deleted", "1:b=x"));
}

// Random keys that share long prefixes and hold NUL and 0xff bytes, on
// both sides of the 8- and 16-byte prefixes the sort compares first: Sorted
// must agree with a bytewise ordered map of family byte + key, last write
// winning.
TEST(WriteBufferTest, SortedMatchesBytewiseOrderOnRandomKeys) {
  std::mt19937 rng(20261125);
  const std::string alphabet(
      "\0\x01"
      "ab\xff",
      5);
  const std::string stems[] = {"", "customer-00001", "customer-000012",
                               "customer-0000123"};
  WriteBuffer buffer(64);
  std::map<std::string, std::string> expected;  // family byte + key
  for (int i = 0; i < 5000; ++i) {
    const int family = static_cast<int>(rng() % 3);
    std::string key = stems[rng() % 4];
    for (size_t n = rng() % 6; n > 0; --n) key += alphabet[rng() % 5];
    const std::string full = std::string(1, static_cast<char>(family)) + key;
    if (rng() % 4 == 0) {
      buffer.Delete(family, key);
      expected[full] = " deleted";
    } else {
      const std::string value = absl::StrCat(i);
      buffer.Put(family, key, value);
      expected[full] = "=" + value;
    }
  }
  std::vector<std::string> want;
  for (const auto& [full, what] : expected) {
    want.push_back(absl::StrCat(static_cast<unsigned char>(full[0]), ":",
                                full.substr(1), what));
  }
  EXPECT_EQ(Describe(buffer), want);
}

// Families never read keep their writes unindexed: repeats of a key stay
// until Sorted picks the last one, and size() counts every write.
TEST(WriteBufferTest, UnreadFamilyRepeatsResolveToTheLastWriteWhenSorted) {
  WriteBuffer buffer(16);
  buffer.Put(3, "k", "1");
  buffer.Put(3, "j", "x");
  buffer.Put(3, "k", "2");
  buffer.Delete(3, "j");
  buffer.Put(4, "k", "other family");
  buffer.Delete(3, "k");
  buffer.Put(3, "k", "3");
  EXPECT_EQ(buffer.size(), 7u);
  EXPECT_THAT(Describe(buffer), ::testing::ElementsAre("3:j deleted", "3:k=3",
                                                       "4:k=other family"));
  // WithPrefix lists every write in the order made: the caller lets the
  // later ones win.
  std::vector<std::string> k;
  for (const WriteBuffer::Write& w : buffer.WithPrefix(std::string("\x03k"))) {
    k.push_back(w.deleted ? "deleted" : std::string(w.value));
  }
  EXPECT_THAT(k, ::testing::ElementsAre("1", "2", "deleted", "3"));
}

// The first read of a family indexes the writes made before it, and from
// then on its repeats stop counting as keys.
TEST(WriteBufferTest, FirstReadOfAFamilyFindsItsEarlierWrites) {
  WriteBuffer buffer(16);
  for (int i = 0; i < 1000; ++i) {
    buffer.Put(0, absl::StrCat("key-", i % 100), std::to_string(i));
  }
  buffer.Put(1, "key-1", "unread family");
  EXPECT_EQ(buffer.size(), 1001u);
  std::string value;
  ASSERT_EQ(buffer.Find(0, "key-7", &value), Found::kValue);
  EXPECT_EQ(value, "907");
  EXPECT_EQ(buffer.size(), 101u);
  buffer.Delete(0, "key-7");
  buffer.Put(0, "key-8", "new");
  EXPECT_EQ(buffer.Find(0, "key-7", &value), Found::kDeleted);
  ASSERT_EQ(buffer.Find(0, "key-8", &value), Found::kValue);
  EXPECT_EQ(value, "new");
  EXPECT_EQ(buffer.Find(0, "key-100", &value), Found::kNo);
  EXPECT_EQ(buffer.size(), 101u);
  // The repeats sort next to their key, oldest first.
  const std::vector<WriteBuffer::Write> sorted = buffer.Sorted();
  ASSERT_EQ(sorted.size(), 1003u);
  size_t live = 0;
  for (size_t i = 0; i < sorted.size(); ++i) {
    if (i > 0) {
      ASSERT_LE(sorted[i - 1].key, sorted[i].key);
    }
    if (!WriteBuffer::IsSuperseded(sorted, i)) ++live;
  }
  EXPECT_EQ(live, 101u);
  EXPECT_EQ(Describe(buffer)[8], "0:key-16=916");
}

TEST(WriteBufferTest, ManyKeysSpanArenaBlocksAndStayFindable) {
  WriteBuffer buffer(16);
  const std::string big(3 << 20, 'v');  // larger values force new blocks
  for (int i = 0; i < 20000; ++i) {
    buffer.Put(i % 3, absl::StrCat("key-", i),
               i % 5000 == 0 ? big : std::to_string(i));
  }
  std::string value;
  for (int i = 0; i < 20000; i += 7) {
    ASSERT_EQ(buffer.Find(i % 3, absl::StrCat("key-", i), &value),
              Found::kValue);
    EXPECT_EQ(value, i % 5000 == 0 ? big : std::to_string(i));
  }
  EXPECT_EQ(buffer.size(), 20000u);
  const std::vector<WriteBuffer::Write> sorted = buffer.Sorted();
  ASSERT_EQ(sorted.size(), 20000u);
  for (size_t i = 1; i < sorted.size(); ++i) {
    ASSERT_LT(sorted[i - 1].key, sorted[i].key);
  }
}

// A cleared buffer is empty to every reader, and the writes after it, into
// the blocks kept from before (a value larger than a block included), read
// back whole: no byte of an earlier chunk shows through.
TEST(WriteBufferTest, ClearForgetsEveryWriteAndReusesTheBlocks) {
  WriteBuffer buffer(16);
  const std::string big(5 << 20, 'b');  // beyond a 4 MB block
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < 30000; ++i) {
      const std::string value =
          i == 10000 ? big : absl::StrCat("r", round, "-", i);
      buffer.Put(i % 2, absl::StrCat("key-", round, "-", i), value);
    }
    std::string value;
    ASSERT_EQ(buffer.Find(0, absl::StrCat("key-", round, "-", 10000), &value),
              Found::kValue);
    EXPECT_EQ(value, big);
    ASSERT_EQ(buffer.Find(1, absl::StrCat("key-", round, "-", 29999), &value),
              Found::kValue);
    EXPECT_EQ(value, absl::StrCat("r", round, "-29999"));
    if (round > 0) {
      EXPECT_EQ(buffer.Find(0, absl::StrCat("key-", round - 1, "-", 2), &value),
                Found::kNo);
    }
    const std::vector<WriteBuffer::Write> sorted = buffer.Sorted();
    ASSERT_EQ(sorted.size(), 30000u);
    for (const WriteBuffer::Write& w : sorted) {
      ASSERT_TRUE(
          absl::StartsWith(w.key.substr(1), absl::StrCat("key-", round)))
          << w.key;
      if (w.value.size() < 100) {
        ASSERT_TRUE(absl::StartsWith(w.value, absl::StrCat("r", round, "-")))
            << w.value;
      }
    }
    EXPECT_EQ(buffer.size(), 30000u);
    buffer.Clear();
    EXPECT_EQ(buffer.size(), 0u);
    EXPECT_EQ(buffer.bytes(), 0u);
    EXPECT_TRUE(buffer.Sorted().empty());
    EXPECT_EQ(buffer.Find(0, absl::StrCat("key-", round, "-", 4), &value),
              Found::kNo);
  }
}

}  // namespace
}  // namespace ledger::storage::internal
