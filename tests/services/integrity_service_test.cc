// ledger.v1.Integrity over a real server: signed tree heads checked with
// OpenSSL over the bytes integrity.proto documents, inclusion and
// consistency proofs checked by the test-only RFC 6962 verifier against
// roots computed from the events' hashes, errors, and the signing key
// file's rules.

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sys/stat.h>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ledger/v1/integrity.grpc.pb.h"
#include "services/ledger_server.h"
#include "tests/services/service_test_util.h"
#include "tests/testing/rfc6962_verifier.h"

namespace ledger::testing {
namespace {

namespace v1 = ::ledger::v1;
using ::testing::AllOf;
using ::testing::HasSubstr;

// The signed bytes, written from integrity.proto's comment (not from the
// server's code): "customer-ledger/digest/v1" 0x00 || u64be tree_size ||
// root (32) || head (32) || i64be signed_at micros.
std::string DocumentedSignedBytes(const v1::SignedDigest& d) {
  std::string out = std::string("customer-ledger/digest/v1") + '\0';
  auto put64 = [&out](uint64_t v) {
    for (int i = 7; i >= 0; --i) out.push_back(static_cast<char>(v >> (8 * i)));
  };
  put64(d.tree_size());
  out += d.root_hash();
  out += d.head_hash();
  put64(static_cast<uint64_t>(Micros(d.signed_at())));
  return out;
}

bool Ed25519Verify(const std::string& public_key, const std::string& message,
                   const std::string& signature) {
  EVP_PKEY* key = EVP_PKEY_new_raw_public_key(
      EVP_PKEY_ED25519, nullptr,
      reinterpret_cast<const unsigned char*>(public_key.data()),
      public_key.size());
  if (key == nullptr) return false;
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  const bool ok =
      EVP_DigestVerifyInit(ctx, nullptr, nullptr, nullptr, key) == 1 &&
      EVP_DigestVerify(ctx,
                       reinterpret_cast<const unsigned char*>(signature.data()),
                       signature.size(),
                       reinterpret_cast<const unsigned char*>(message.data()),
                       message.size()) == 1;
  EVP_MD_CTX_free(ctx);
  EVP_PKEY_free(key);
  return ok;
}

class IntegrityServiceTest : public LedgerTestBase {
 protected:
  std::unique_ptr<v1::Integrity::Stub> Integrity() {
    return v1::Integrity::NewStub(channel());
  }

  grpc::Status GetDigest(uint64_t tree_size, v1::GetDigestResponse* out) {
    v1::GetDigestRequest request;
    request.set_tree_size(tree_size);
    return Integrity()->GetDigest(Context().get(), request, out);
  }
  grpc::Status GetInclusion(uint64_t position, uint64_t tree_size,
                            v1::GetInclusionProofResponse* out) {
    v1::GetInclusionProofRequest request;
    request.set_position(position);
    request.set_tree_size(tree_size);
    return Integrity()->GetInclusionProof(Context().get(), request, out);
  }
  grpc::Status GetConsistency(uint64_t old_size, uint64_t new_size,
                              v1::GetConsistencyProofResponse* out) {
    v1::GetConsistencyProofRequest request;
    request.set_old_size(old_size);
    request.set_new_size(new_size);
    return Integrity()->GetConsistencyProof(Context().get(), request, out);
  }

  // Appends 100 events: 20 customers, each registered and then given 4
  // contacts in one append.
  void AppendHundredEvents() {
    for (int c = 0; c < 20; ++c) {
      const std::string id = absl::StrCat("cust-", c);
      AppendOk(RegisterRequest(id));
      AppendOk(ContactsRequest(id, 4, "call"));
    }
    ASSERT_EQ(HeadPosition(), 100u);
  }

  // The events' chain hashes, read through the Ledger API.
  std::vector<std::string> Hashes() {
    std::vector<std::string> out;
    for (const v1::Event& e : AllEvents()) out.push_back(e.hash());
    return out;
  }

  std::string Root(const std::vector<std::string>& hashes, size_t n) {
    return Rfc6962Root(
        std::vector<std::string>(hashes.begin(), hashes.begin() + n));
  }

  // A digest is well formed, signed over the documented bytes by the key it
  // names, and covers the expected tree.
  void ExpectDigest(const v1::SignedDigest& d, uint64_t size,
                    const std::vector<std::string>& hashes) {
    SCOPED_TRACE(absl::StrCat("digest of size ", size));
    EXPECT_EQ(d.tree_size(), size);
    EXPECT_EQ(absl::BytesToHexString(d.root_hash()),
              absl::BytesToHexString(Root(hashes, size)));
    EXPECT_EQ(d.head_hash(), size == 0 ? ZeroHash() : hashes[size - 1]);
    ASSERT_EQ(d.public_key().size(), 32u);
    ASSERT_EQ(d.signature().size(), 64u);
    EXPECT_EQ(d.key_id(),
              absl::BytesToHexString(Sha256(d.public_key())).substr(0, 16));
    EXPECT_NEAR(Micros(d.signed_at()), NowMicros(), 60'000'000);
    EXPECT_TRUE(
        Ed25519Verify(d.public_key(), DocumentedSignedBytes(d), d.signature()));
  }

  std::string KeyFile() const { return options_.data_dir + "/signing-key.pem"; }
};

TEST_F(IntegrityServiceTest, DigestIsSignedOverTheDocumentedBytes) {
  v1::GetDigestResponse empty;
  ASSERT_THAT(GetDigest(0, &empty), GrpcOk());
  ASSERT_NO_FATAL_FAILURE(ExpectDigest(empty.digest(), 0, {}));
  EXPECT_EQ(empty.digest().root_hash(), Sha256(""));

  AppendOk(RegisterRequest("c"));
  for (int i = 0; i < 2; ++i) AppendOk(ContactsRequest("c", 4, "x"));
  const std::vector<std::string> hashes = Hashes();
  v1::GetDigestResponse head;
  ASSERT_THAT(GetDigest(0, &head), GrpcOk());
  ASSERT_NO_FATAL_FAILURE(ExpectDigest(head.digest(), 9, hashes));
  v1::GetDigestResponse five;
  ASSERT_THAT(GetDigest(5, &five), GrpcOk());
  ASSERT_NO_FATAL_FAILURE(ExpectDigest(five.digest(), 5, hashes));
  EXPECT_EQ(five.digest().public_key(), head.digest().public_key());

  // Any change to the signed fields breaks the signature.
  for (int field = 0; field < 4; ++field) {
    v1::SignedDigest forged = head.digest();
    switch (field) {
      case 0:
        forged.set_tree_size(8);
        break;
      case 1:
        forged.mutable_root_hash()->at(3) ^= 1;
        break;
      case 2:
        forged.mutable_head_hash()->at(30) ^= 1;
        break;
      case 3:
        forged.mutable_signed_at()->set_seconds(forged.signed_at().seconds() +
                                                1);
        break;
    }
    EXPECT_FALSE(Ed25519Verify(
        forged.public_key(), DocumentedSignedBytes(forged), forged.signature()))
        << "field " << field;
  }
}

TEST_F(IntegrityServiceTest, KeyIsGeneratedOwnerOnlyAndKeptAcrossRestarts) {
  struct stat st;
  ASSERT_EQ(::stat(KeyFile().c_str(), &st), 0) << KeyFile();
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  v1::GetDigestResponse before;
  ASSERT_THAT(GetDigest(0, &before), GrpcOk());
  RestartServer();
  v1::GetDigestResponse after;
  ASSERT_THAT(GetDigest(0, &after), GrpcOk());
  EXPECT_EQ(after.digest().public_key(), before.digest().public_key());
  EXPECT_EQ(after.digest().key_id(), before.digest().key_id());
}

TEST_F(IntegrityServiceTest, InclusionProofsOfEveryPositionVerify) {
  ASSERT_NO_FATAL_FAILURE(AppendHundredEvents());
  const std::vector<std::string> hashes = Hashes();
  ASSERT_EQ(hashes.size(), 100u);
  for (uint64_t size : {0, 1, 2, 31, 64, 65, 99, 100}) {
    const uint64_t tree = size == 0 ? 100 : size;
    for (uint64_t position = 1; position <= tree; ++position) {
      SCOPED_TRACE(absl::StrCat("position ", position, " of ", tree));
      v1::GetInclusionProofResponse r;
      ASSERT_THAT(GetInclusion(position, size, &r), GrpcOk());
      EXPECT_EQ(r.position(), position);
      EXPECT_EQ(r.tree_size(), tree);
      EXPECT_EQ(r.event_hash(), hashes[position - 1]);
      // The verifier trusts only what it computes: the leaf hash from the
      // event hash, the root from the events read through the Ledger API.
      const std::vector<std::string> path(r.audit_path().begin(),
                                          r.audit_path().end());
      EXPECT_TRUE(VerifyRfc6962Inclusion(position - 1, tree,
                                         Rfc6962LeafHash(hashes[position - 1]),
                                         path, Root(hashes, tree)));
      if (position == 1 || position == tree) {
        ASSERT_NO_FATAL_FAILURE(ExpectDigest(r.digest(), tree, hashes));
      } else {
        EXPECT_EQ(r.digest().root_hash(), Root(hashes, tree));
      }
    }
  }
}

TEST_F(IntegrityServiceTest, ConsistencyProofsBetweenManySizesVerify) {
  ASSERT_NO_FATAL_FAILURE(AppendHundredEvents());
  const std::vector<std::string> hashes = Hashes();
  int checked = 0;
  for (uint64_t old_size = 1; old_size <= 100; old_size += 3) {
    for (uint64_t new_size :
         {old_size, old_size + 1, uint64_t{64}, uint64_t{97}, uint64_t{0}}) {
      const uint64_t tree = new_size == 0 ? 100 : new_size;
      if (tree < old_size || tree > 100) continue;
      SCOPED_TRACE(absl::StrCat(old_size, " -> ", tree));
      v1::GetConsistencyProofResponse r;
      ASSERT_THAT(GetConsistency(old_size, new_size, &r), GrpcOk());
      EXPECT_EQ(r.old_size(), old_size);
      EXPECT_EQ(r.new_size(), tree);
      const std::vector<std::string> proof(r.proof().begin(), r.proof().end());
      EXPECT_TRUE(VerifyRfc6962Consistency(
          old_size, tree, Root(hashes, old_size), Root(hashes, tree), proof));
      EXPECT_EQ(r.old_digest().root_hash(), Root(hashes, old_size));
      EXPECT_EQ(r.new_digest().root_hash(), Root(hashes, tree));
      if (old_size % 10 == 1) {
        ASSERT_NO_FATAL_FAILURE(ExpectDigest(r.old_digest(), old_size, hashes));
        ASSERT_NO_FATAL_FAILURE(ExpectDigest(r.new_digest(), tree, hashes));
      }
      // The proof does not link a different old tree.
      if (old_size > 1 && old_size < tree) {
        EXPECT_FALSE(VerifyRfc6962Consistency(old_size, tree,
                                              Root(hashes, old_size - 1),
                                              Root(hashes, tree), proof));
      }
      ++checked;
    }
  }
  EXPECT_GT(checked, 100);
}

// A digest saved earlier is proven a prefix of the later log.
TEST_F(IntegrityServiceTest, SavedDigestIsConsistentWithTheGrownLog) {
  for (int i = 0; i < 7; ++i) AppendOk(RegisterRequest(absl::StrCat("a", i)));
  v1::GetDigestResponse saved;
  ASSERT_THAT(GetDigest(0, &saved), GrpcOk());
  for (int i = 0; i < 30; ++i) AppendOk(ContactsRequest("a1", 2, "more"));
  RestartServer();
  v1::GetConsistencyProofResponse r;
  ASSERT_THAT(GetConsistency(saved.digest().tree_size(), 0, &r), GrpcOk());
  EXPECT_EQ(r.new_size(), 67u);
  EXPECT_EQ(r.old_digest().root_hash(), saved.digest().root_hash());
  EXPECT_TRUE(VerifyRfc6962Consistency(
      saved.digest().tree_size(), r.new_size(), saved.digest().root_hash(),
      r.new_digest().root_hash(),
      std::vector<std::string>(r.proof().begin(), r.proof().end())));
  ASSERT_NO_FATAL_FAILURE(ExpectDigest(r.new_digest(), 67, Hashes()));
}

TEST_F(IntegrityServiceTest, BadSizesAndPositionsAreRefused) {
  for (int i = 0; i < 10; ++i) AppendOk(RegisterRequest(absl::StrCat("b", i)));
  v1::GetDigestResponse digest;
  EXPECT_THAT(GetDigest(11, &digest),
              GrpcStatusIs(grpc::StatusCode::NOT_FOUND,
                           HasSubstr("tree size 11 is past the log head 10")));
  v1::GetInclusionProofResponse inclusion;
  EXPECT_THAT(GetInclusion(0, 0, &inclusion),
              GrpcStatusIs(grpc::StatusCode::INVALID_ARGUMENT,
                           HasSubstr("position: 0")));
  EXPECT_THAT(GetInclusion(11, 0, &inclusion),
              GrpcStatusIs(grpc::StatusCode::INVALID_ARGUMENT,
                           AllOf(HasSubstr("position: 11"),
                                 HasSubstr("1..10, the current head"))));
  EXPECT_THAT(GetInclusion(6, 5, &inclusion),
              GrpcStatusIs(grpc::StatusCode::INVALID_ARGUMENT));
  EXPECT_THAT(GetInclusion(5, 11, &inclusion),
              GrpcStatusIs(grpc::StatusCode::NOT_FOUND));
  v1::GetConsistencyProofResponse consistency;
  EXPECT_THAT(GetConsistency(0, 5, &consistency),
              GrpcStatusIs(grpc::StatusCode::INVALID_ARGUMENT,
                           HasSubstr("old_size: 0")));
  EXPECT_THAT(GetConsistency(6, 5, &consistency),
              GrpcStatusIs(grpc::StatusCode::INVALID_ARGUMENT));
  EXPECT_THAT(GetConsistency(11, 0, &consistency),
              GrpcStatusIs(grpc::StatusCode::INVALID_ARGUMENT));
  EXPECT_THAT(GetConsistency(5, 12, &consistency),
              GrpcStatusIs(grpc::StatusCode::NOT_FOUND));
}

TEST_F(IntegrityServiceTest, ServerRefusesAKeyFileOthersCanRead) {
  StopServer();
  ASSERT_EQ(::chmod(KeyFile().c_str(), 0644), 0);
  absl::StatusOr<std::unique_ptr<services::LedgerServer>> server =
      services::LedgerServer::Start(options_);
  ASSERT_FALSE(server.ok());
  EXPECT_EQ(server.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(server.status().message(),
              AllOf(HasSubstr(KeyFile()), HasSubstr("mode 0644"),
                    HasSubstr("chmod 600")));
  ASSERT_EQ(::chmod(KeyFile().c_str(), 0640), 0);
  EXPECT_EQ(services::LedgerServer::Start(options_).status().code(),
            absl::StatusCode::kFailedPrecondition);
  ASSERT_EQ(::chmod(KeyFile().c_str(), 0600), 0);
  StartServer();
  v1::GetDigestResponse digest;
  EXPECT_THAT(GetDigest(0, &digest), GrpcOk());
}

TEST_F(IntegrityServiceTest, ServerRefusesAKeyFileWithoutAnEd25519Key) {
  StopServer();
  const std::string path = dir_.Sub("not-a-key.pem");
  {
    std::ofstream out(path);
    out << "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n";
  }
  ASSERT_EQ(::chmod(path.c_str(), 0600), 0);
  options_.signing_key_file = path;
  EXPECT_EQ(services::LedgerServer::Start(options_).status().code(),
            absl::StatusCode::kFailedPrecondition);
}

// A key made with OpenSSL (as `openssl genpkey -algorithm ed25519` does)
// and named by the option is the one that signs.
TEST_F(IntegrityServiceTest, ConfiguredKeyFileSigns) {
  StopServer();
  EVP_PKEY* key = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
  ASSERT_NE(key, nullptr);
  unsigned char raw[32];
  size_t raw_len = sizeof(raw);
  ASSERT_EQ(EVP_PKEY_get_raw_public_key(key, raw, &raw_len), 1);
  const std::string path = dir_.Sub("keys/ledger-ed25519.pem");
  std::filesystem::create_directories(dir_.Sub("keys"));
  FILE* file = std::fopen(path.c_str(), "w");
  ASSERT_NE(file, nullptr);
  ASSERT_EQ(
      PEM_write_PrivateKey(file, key, nullptr, nullptr, 0, nullptr, nullptr),
      1);
  std::fclose(file);
  EVP_PKEY_free(key);
  ASSERT_EQ(::chmod(path.c_str(), 0400), 0);
  options_.signing_key_file = path;
  StartServer();
  AppendOk(RegisterRequest("k"));
  v1::GetDigestResponse digest;
  ASSERT_THAT(GetDigest(0, &digest), GrpcOk());
  EXPECT_EQ(digest.digest().public_key(),
            std::string(reinterpret_cast<const char*>(raw), raw_len));
  ASSERT_NO_FATAL_FAILURE(ExpectDigest(digest.digest(), 1, Hashes()));
}

}  // namespace
}  // namespace ledger::testing
