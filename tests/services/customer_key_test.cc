// Customer keys through the real server: a new customer's key is stored by
// the commit of the first append it seals (never by a write of its own on
// a handler thread), shared by concurrent first appends, dropped when no
// append that carried it commits, and re-wrapped when a master key rotation
// overtakes it.

#include <fstream>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/key_vault.h"
#include "storage/event_log.h"
#include "tests/services/customer_query_fixture.h"
#include "tests/testing/status_matchers.h"

namespace ledger::testing {
namespace {

namespace v1 = ::ledger::v1;
using ::testing::HasSubstr;
using ::testing::Not;
using Code = ::grpc::StatusCode;

class CustomerKeyTest : public CustomerQueryTest {
 protected:
  services::KeyVault& vault() { return *server().key_vault(); }

  // The stored (wrapped) key of `id`, or nullopt when none is stored.
  std::optional<std::string> StoredKey(const std::string& id) {
    std::string wrapped;
    absl::Status s =
        server().log()->GetSecret(services::KeyVault::SecretName(id), &wrapped);
    EXPECT_TRUE(s.ok() || absl::IsNotFound(s)) << s;
    if (!s.ok()) return std::nullopt;
    return wrapped;
  }

  // A registration with a personal field (the name): it needs a key.
  static v1::AppendRequest NamedRegistration(const std::string& id,
                                             const std::string& name) {
    v1::AppendRequest r;
    r.set_customer_id(id);
    r.mutable_metadata()->set_actor("tester");
    auto* reg =
        r.add_events()->mutable_payload()->mutable_customer_registered();
    reg->set_kind(v1::CUSTOMER_KIND_ORGANIZATION);
    reg->mutable_profile()->set_name(name);
    return r;
  }

  // A contact whose participant (a personal field) is named `who`.
  static v1::AppendRequest NamedContact(const std::string& id,
                                        const std::string& who) {
    v1::AppendRequest r;
    r.set_customer_id(id);
    r.mutable_metadata()->set_actor("tester");
    auto* contact = r.add_events()->mutable_payload()->mutable_contact_logged();
    contact->set_channel(v1::CONTACT_CHANNEL_PHONE);
    contact->set_content("follow-up call");
    contact->add_participants()->set_name(who);
    return r;
  }

  std::optional<projections::DataKey> FindKey(const std::string& id) {
    absl::StatusOr<std::optional<projections::DataKey>> key = vault().Find(id);
    EXPECT_TRUE(key.ok()) << key.status();
    return key.ok() ? *key : std::nullopt;
  }
};

TEST_F(CustomerKeyTest, ARefusedFirstAppendStoresNoKey) {
  // Refused while staging, after its payload was sealed: the request id
  // was already used for another request.
  v1::AppendRequest other = NamedRegistration("K-0", "乙公司");
  other.set_request_id("used-once");
  AppendOk(other);
  v1::AppendRequest refused = NamedRegistration("K-1", "甲公司");
  refused.set_request_id("used-once");
  EXPECT_EQ(Append(refused).error_code(), Code::ALREADY_EXISTS);
  EXPECT_EQ(StoredKey("K-1"), std::nullopt);
  EXPECT_EQ(FindKey("K-1"), std::nullopt) << "an unused new key was kept";

  AppendOk(NamedRegistration("K-1", "甲公司"));
  const std::optional<std::string> stored = StoredKey("K-1");
  ASSERT_TRUE(stored.has_value());
  EXPECT_THAT(*stored, Not(HasSubstr("甲公司")));
  EXPECT_EQ(Profile("K-1").profile().name(), "甲公司");
  // Stored with the events, so the events stay readable after a restart.
  RestartServer();
  query_ = v1::CustomerQuery::NewStub(channel());
  EXPECT_EQ(StoredKey("K-1"), stored);
  EXPECT_EQ(Profile("K-1").profile().name(), "甲公司");
}

TEST_F(CustomerKeyTest, ConcurrentFirstAppendsShareTheKeyThatIsStored) {
  // The registration races contacts that retry until the customer exists:
  // several appends may seal with the new key before any of them commits.
  constexpr int kWriters = 6;
  std::vector<grpc::Status> results(kWriters + 1);
  std::vector<std::thread> writers;
  writers.emplace_back(
      [&] { results[kWriters] = Append(NamedRegistration("K-2", "丙公司")); });
  for (int i = 0; i < kWriters; ++i) {
    writers.emplace_back([&, i] {
      const v1::AppendRequest contact =
          NamedContact("K-2", absl::StrCat("联系人", i));
      for (int attempt = 0; attempt < 2000; ++attempt) {
        results[i] = Append(contact);
        if (results[i].error_code() != Code::NOT_FOUND) return;
      }
    });
  }
  for (std::thread& t : writers) t.join();
  for (const grpc::Status& s : results) EXPECT_THAT(s, GrpcOk());
  ASSERT_TRUE(StoredKey("K-2").has_value());

  // Every event opens with the one stored key, also after a restart that
  // empties the cache.
  RestartServer();
  query_ = v1::CustomerQuery::NewStub(channel());
  EXPECT_EQ(Profile("K-2").profile().name(), "丙公司");
  std::vector<std::string> names;
  for (const v1::Event& e : StreamEvents("K-2")) {
    if (!e.payload().has_contact_logged()) continue;
    names.push_back(e.payload().contact_logged().participants(0).name());
  }
  ASSERT_EQ(names.size(), static_cast<size_t>(kWriters));
  for (int i = 0; i < kWriters; ++i) {
    EXPECT_THAT(names, ::testing::Contains(absl::StrCat("联系人", i)));
  }
}

TEST_F(CustomerKeyTest, APendingKeyLivesWhileAnAppendHoldsIt) {
  absl::StatusOr<services::KeyVault::Lease> first = vault().Acquire("K-3", {});
  ASSERT_THAT(first, IsOk());
  ASSERT_TRUE(first->wrapped.has_value()) << "a new key must be carried";
  absl::StatusOr<services::KeyVault::Lease> second = vault().Acquire("K-3", {});
  ASSERT_THAT(second, IsOk());
  EXPECT_EQ(second->key.id, first->key.id);
  EXPECT_EQ(second->wrapped, first->wrapped);

  vault().Release("K-3", *first, /*stored=*/false);
  ASSERT_TRUE(FindKey("K-3").has_value()) << "dropped while still held";
  EXPECT_EQ(FindKey("K-3")->id, first->key.id);
  vault().Release("K-3", *second, /*stored=*/false);
  EXPECT_EQ(FindKey("K-3"), std::nullopt);
  EXPECT_EQ(StoredKey("K-3"), std::nullopt);

  // Refusals from may_create come back unchanged, and make no key.
  absl::StatusOr<services::KeyVault::Lease> refused = vault().Acquire(
      "K-3", [] { return absl::FailedPreconditionError("forgotten"); });
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(FindKey("K-3"), std::nullopt);
}

TEST_F(CustomerKeyTest, AKeyStoredAfterARotationIsRewrappedByTheNewMasterKey) {
  absl::StatusOr<services::KeyVault::Lease> lease = vault().Acquire("K-4", {});
  ASSERT_THAT(lease, IsOk());
  ASSERT_TRUE(lease->wrapped.has_value());
  ASSERT_THAT(*lease->wrapped, HasSubstr("master-1"));

  {
    std::ofstream out(options_.data_dir + "/master.key", std::ios::app);
    out << "master-2 " << std::string(64, 'c') << "\n";
  }
  ASSERT_THAT(vault().RotateMasterKey(), IsOk());
  // The append that carried the old wrapping commits after the rotation's
  // scan of the stored keys.
  ASSERT_THAT(server().log()->PutSecret(services::KeyVault::SecretName("K-4"),
                                        *lease->wrapped, /*sync=*/true),
              IsOk());
  vault().Release("K-4", *lease, /*stored=*/true);

  const std::optional<std::string> stored = StoredKey("K-4");
  ASSERT_TRUE(stored.has_value());
  EXPECT_THAT(*stored, HasSubstr("master-2"));
  EXPECT_THAT(*stored, Not(HasSubstr("master-1")));
  ASSERT_TRUE(FindKey("K-4").has_value());
  EXPECT_EQ(FindKey("K-4")->bytes, lease->key.bytes);
  // New leases of other customers are wrapped by the new master key too.
  absl::StatusOr<services::KeyVault::Lease> later = vault().Acquire("K-5", {});
  ASSERT_THAT(later, IsOk());
  EXPECT_THAT(*later->wrapped, HasSubstr("master-2"));
  vault().Release("K-5", *later, /*stored=*/false);
}

}  // namespace
}  // namespace ledger::testing
