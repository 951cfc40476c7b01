// The AES-256-GCM primitives (projections/aead.h), which reuse one cipher
// context per thread.

#include "projections/aead.h"

#include <string>
#include <thread>
#include <vector>

#include "absl/strings/escaping.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace ledger::projections {
namespace {

using ::ledger::testing::IsOk;

// NIST GCM test vector (gcmEncryptExtIV256.rsp, Count 0 with 128-bit PT,
// no AAD), so that the reused context is checked against known output.
constexpr char kNistKey[] =
    "31bdadd96698c204aa9ce1448ea94ae1fb4a9a0b3c9d773b51bb1822666b8f22";
constexpr char kNistNonce[] = "0d18e06c7c725ac9e362e1ce";
constexpr char kNistPlaintext[] = "2db5168e932556f8089a0622981d017d";
constexpr char kNistSealed[] =
    "fa4362189661d163fcd6a56d8bf0405a"   // ciphertext
    "d636ac1bbedd5cc3ee727dc2ab4a9489";  // tag

TEST(AeadTest, SealMatchesAKnownAnswer) {
  absl::StatusOr<std::string> sealed = AeadSeal(
      absl::HexStringToBytes(kNistKey), absl::HexStringToBytes(kNistNonce),
      absl::HexStringToBytes(kNistPlaintext), "");
  ASSERT_THAT(sealed.status(), IsOk());
  EXPECT_EQ(absl::BytesToHexString(*sealed), kNistSealed);
}

// A run of calls under one key loads the key once; the answers must be
// those of a context given the key afresh (the NIST vector above), also
// after other nonces and data under the same key.
TEST(AeadTest, RunsUnderOneKeyGiveTheKnownAnswer) {
  const std::string key = absl::HexStringToBytes(kNistKey);
  const std::string nonce = absl::HexStringToBytes(kNistNonce);
  const std::string plaintext = absl::HexStringToBytes(kNistPlaintext);
  for (int i = 0; i < 3; ++i) {
    ASSERT_THAT(AeadSeal(key, std::string(12, 'n'), "other data", "aad"),
                IsOk());
    absl::StatusOr<std::string> sealed = AeadSeal(key, nonce, plaintext, "");
    ASSERT_THAT(sealed.status(), IsOk());
    EXPECT_EQ(absl::BytesToHexString(*sealed), kNistSealed) << "run " << i;
    absl::StatusOr<std::string> opened = AeadOpen(key, nonce, *sealed, "");
    ASSERT_THAT(opened.status(), IsOk());
    EXPECT_EQ(*opened, plaintext);
    std::string flipped = *sealed;
    flipped[0] ^= 1;
    EXPECT_FALSE(AeadOpen(key, nonce, flipped, "").ok());
  }
}

// Keys and nonces change from call to call on one thread, a failed open
// leaves nothing behind for the next call, and threads do not share state.
TEST(AeadTest, EveryCallUsesItsOwnKeyNonceAndData) {
  auto run = [](char salt, std::vector<std::string>* errors) {
    for (int i = 0; i < 200; ++i) {
      const std::string key(32, static_cast<char>(salt + i % 7));
      const std::string nonce(12, static_cast<char>(i));
      const std::string aad = "aad-" + std::to_string(i % 3);
      const std::string plaintext(i, static_cast<char>('a' + i % 26));
      absl::StatusOr<std::string> sealed = AeadSeal(key, nonce, plaintext, aad);
      if (!sealed.ok()) {
        errors->push_back("seal: " + sealed.status().ToString());
        continue;
      }
      // Wrong key, wrong data and a flipped tag bit all fail...
      const std::string other_key(32, static_cast<char>(salt + i % 7 + 1));
      std::string flipped = *sealed;
      flipped.back() ^= 1;
      if (AeadOpen(other_key, nonce, *sealed, aad).ok() ||
          AeadOpen(key, nonce, *sealed, aad + "x").ok() ||
          AeadOpen(key, nonce, flipped, aad).ok()) {
        errors->push_back("opened with something wrong at " +
                          std::to_string(i));
      }
      // ...and the right call after them still opens.
      absl::StatusOr<std::string> opened = AeadOpen(key, nonce, *sealed, aad);
      if (!opened.ok() || *opened != plaintext) {
        errors->push_back("did not round-trip at " + std::to_string(i));
      }
    }
  };
  std::vector<std::string> errors_a;
  std::vector<std::string> errors_b;
  std::thread a(run, 'A', &errors_a);
  std::thread b(run, 'q', &errors_b);
  a.join();
  b.join();
  EXPECT_THAT(errors_a, ::testing::IsEmpty());
  EXPECT_THAT(errors_b, ::testing::IsEmpty());
}

TEST(AeadTest, HmacSha256MatchesRfc4231) {
  // RFC 4231, test case 2.
  EXPECT_EQ(absl::BytesToHexString(
                HmacSha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  // Test case 6: a key longer than the block.
  EXPECT_EQ(absl::BytesToHexString(HmacSha256(
                std::string(131, '\xaa'),
                "Test Using Larger Than Block-Size Key - Hash Key First")),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

TEST(AeadTest, RejectsWrongSizes) {
  EXPECT_FALSE(
      AeadSeal(std::string(31, 'k'), std::string(12, 'n'), "p", "").ok());
  EXPECT_FALSE(AeadOpen(std::string(32, 'k'), std::string(11, 'n'),
                        std::string(20, 'c'), "")
                   .ok());
  EXPECT_FALSE(AeadOpen(std::string(32, 'k'), std::string(12, 'n'),
                        std::string(15, 'c'), "")
                   .ok());
}

}  // namespace
}  // namespace ledger::projections
