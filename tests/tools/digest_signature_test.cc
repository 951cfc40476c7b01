#include "tools/ledgerctl/digest_signature.h"

#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/temp_dir.h"
#include "tests/tools/test_log.h"

namespace ledger::ctl {
namespace {

namespace v1 = ::ledger::v1;
using ledger::testing::MakeChain;
using ledger::testing::TempDir;
using ledger::testing::TestSigner;
using ::testing::HasSubstr;

void WriteFile(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary);
  out << content;
}

TEST(DigestSignatureTest, SignedBytesAreTheDocumentedLayout) {
  v1::SignedDigest d;
  d.set_tree_size(0x0102030405060708ULL);
  d.set_root_hash(std::string(32, 'r'));
  d.set_head_hash(std::string(32, 'h'));
  d.mutable_signed_at()->set_seconds(1);
  d.mutable_signed_at()->set_nanos(2000);  // 1,000,002 µs = 0x0f4242
  const std::string bytes = DigestSignedBytes(d);
  const std::string want =
      std::string("customer-ledger/digest/v1") + std::string(1, '\0') +
      absl::HexStringToBytes("0102030405060708") + std::string(32, 'r') +
      std::string(32, 'h') + absl::HexStringToBytes("00000000000f4242");
  EXPECT_EQ(absl::BytesToHexString(bytes), absl::BytesToHexString(want));
}

TEST(DigestSignatureTest, AcceptsAGoodSignatureAndRejectsEveryChangedField) {
  TestSigner signer;
  const std::vector<v1::Event> events = MakeChain(5);
  const v1::SignedDigest good = signer.Sign(events, 5);
  EXPECT_TRUE(VerifyDigest(good, "").ok());
  EXPECT_TRUE(VerifyDigest(good, signer.public_key()).ok());

  v1::SignedDigest d = good;
  d.set_tree_size(4);
  EXPECT_THAT(VerifyDigest(d, "").message(), HasSubstr("does not verify"));
  d = good;
  d.mutable_root_hash()->at(3) ^= 1;
  EXPECT_FALSE(VerifyDigest(d, "").ok());
  d = good;
  d.mutable_head_hash()->at(31) ^= 1;
  EXPECT_FALSE(VerifyDigest(d, "").ok());
  d = good;
  d.mutable_signed_at()->set_seconds(d.signed_at().seconds() + 1);
  EXPECT_FALSE(VerifyDigest(d, "").ok());
  d = good;
  d.mutable_signature()->at(10) ^= 1;
  EXPECT_FALSE(VerifyDigest(d, "").ok());
  d = good;
  d.set_key_id("0000000000000000");
  EXPECT_THAT(VerifyDigest(d, "").message(), HasSubstr("names key"));
  d = good;
  d.set_signature("short");
  EXPECT_FALSE(VerifyDigest(d, "").ok());
}

TEST(DigestSignatureTest, RejectsADigestSignedWithAnotherKeyThanThePinned) {
  TestSigner signer;
  TestSigner other;
  const v1::SignedDigest d = signer.Sign(MakeChain(2), 2);
  const absl::Status s = VerifyDigest(d, other.public_key());
  EXPECT_FALSE(s.ok());
  EXPECT_THAT(s.message(), HasSubstr("not with the pinned key"));
  // A server that swaps in its own key and signature is still caught.
  v1::SignedDigest swapped = other.Sign(MakeChain(2), 2);
  EXPECT_TRUE(VerifyDigest(swapped, "").ok());
  EXPECT_FALSE(VerifyDigest(swapped, signer.public_key()).ok());
}

TEST(DigestSignatureTest, EmptyTreeMustHaveTheEmptyRoot) {
  TestSigner signer;
  v1::SignedDigest d = signer.Sign({}, 0);
  EXPECT_TRUE(VerifyDigest(d, "").ok());
  d.set_root_hash(std::string(32, '\0'));
  signer.Resign(&d);
  EXPECT_FALSE(VerifyDigest(d, "").ok());
}

TEST(DigestSignatureTest, LoadsPublicKeysFromHexPemRawAndSavedDigest) {
  TestSigner signer;
  TempDir dir;
  const std::string hex = absl::BytesToHexString(signer.public_key());
  EXPECT_EQ(*LoadPublicKey(hex), signer.public_key());

  WriteFile(dir.Sub("key.hex"), hex + "\n");
  EXPECT_EQ(*LoadPublicKey(dir.Sub("key.hex")), signer.public_key());
  WriteFile(dir.Sub("key.pem"), signer.PublicKeyPem());
  EXPECT_EQ(*LoadPublicKey(dir.Sub("key.pem")), signer.public_key());
  WriteFile(dir.Sub("key.raw"), signer.public_key());
  EXPECT_EQ(*LoadPublicKey(dir.Sub("key.raw")), signer.public_key());

  const v1::SignedDigest d = signer.Sign(MakeChain(3), 3);
  ASSERT_TRUE(SaveDigest(d, dir.Sub("digest.json")).ok());
  EXPECT_EQ(*LoadPublicKey(dir.Sub("digest.json")), signer.public_key());
  const absl::StatusOr<v1::SignedDigest> loaded =
      LoadSavedDigest(dir.Sub("digest.json"));
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(loaded->SerializeAsString(), d.SerializeAsString());
  EXPECT_TRUE(VerifyDigest(*loaded, signer.public_key()).ok());

  EXPECT_FALSE(LoadPublicKey("abc").ok());
  WriteFile(dir.Sub("junk"), "not a key");
  EXPECT_FALSE(LoadPublicKey(dir.Sub("junk")).ok());
  EXPECT_FALSE(LoadSavedDigest(dir.Sub("junk")).ok());
}

}  // namespace
}  // namespace ledger::ctl
