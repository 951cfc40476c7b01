// WriteBuffer: the in-memory writes of a rebuild chunk.

#include "storage/internal/write_buffer.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ledger::storage::internal {
namespace {

using Found = WriteBuffer::Found;

std::vector<std::string> Describe(const WriteBuffer& buffer) {
  std::vector<std::string> out;
  for (const WriteBuffer::Write& w : buffer.Sorted()) {
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

}  // namespace
}  // namespace ledger::storage::internal
