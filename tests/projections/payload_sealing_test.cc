// Sealing of personal fields (projections/payload_sealing.h) and the
// reflection over (ledger.v1.personal) behind it.

#include "projections/payload_sealing.h"

#include <string>

#include "gmock/gmock.h"
#include "google/protobuf/arena.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "ledger/v1/customer.pb.h"
#include "projections/aead.h"
#include "projections/event_codec.h"
#include "projections/personal_fields.h"
#include "tests/testing/status_matchers.h"

namespace ledger::projections {
namespace {

namespace v1 = ::ledger::v1;
using ::google::protobuf::util::MessageDifferencer;
using ::ledger::testing::IsOk;
using ::testing::HasSubstr;
using ::testing::Not;

DataKey Key(const std::string& id, char fill) {
  return DataKey{id, std::string(32, fill)};
}

v1::EventPayload Contact() {
  v1::EventPayload p;
  auto* c = p.mutable_contact_logged();
  c->set_channel(v1::CONTACT_CHANNEL_VISIT);
  c->set_content("discussed prices");
  auto* a = c->add_participants();
  a->set_name("Wang Zong");
  a->set_role(v1::CONTACT_ROLE_DECISION_MAKER);
  auto* b = c->add_participants();  // no personal value
  b->set_role(v1::CONTACT_ROLE_USER);
  b->set_title("engineer");
  auto* d = c->add_participants();
  d->set_name("Li Gong");
  return p;
}

v1::EventPayload Registration() {
  v1::EventPayload p;
  auto* r = p.mutable_customer_registered();
  r->set_kind(v1::CUSTOMER_KIND_INDIVIDUAL);
  auto* f = r->mutable_profile();
  f->set_name("Zhang San");
  f->add_phones("13800138000");
  f->add_phones("13900139000");
  f->mutable_address()->set_city("Hangzhou");
  f->mutable_address()->set_street("1 West Lake Road");
  f->mutable_birthday()->set_year(1980);
  f->mutable_birthday()->set_month(5);
  f->mutable_birthday()->set_day(6);
  f->mutable_id_document()->set_type(v1::ID_DOCUMENT_TYPE_PASSPORT);
  f->mutable_id_document()->set_number("E12345678");
  f->set_industry("retail");
  r->set_owner_id("sales-li");
  return p;
}

TEST(PersonalFieldsTest, FoundByTheFieldOption) {
  EXPECT_TRUE(IsPersonalField(
      v1::ProfileFields::descriptor()->FindFieldByName("phones")));
  EXPECT_FALSE(IsPersonalField(
      v1::ProfileFields::descriptor()->FindFieldByName("industry")));
  EXPECT_TRUE(HasPersonalFields(v1::CustomerProfile::descriptor()));
  EXPECT_TRUE(HasPersonalFields(v1::TimelineEntry::descriptor()));
  EXPECT_FALSE(HasPersonalFields(v1::Transaction::descriptor()));
  EXPECT_FALSE(HasPersonalFields(v1::ClassificationChange::descriptor()));
}

TEST(PersonalFieldsTest, ExtractThenMergeRestoresThePayload) {
  for (const v1::EventPayload& original : {Contact(), Registration()}) {
    v1::EventPayload personal;
    ASSERT_TRUE(ExtractPersonal(original, &personal));
    v1::EventPayload public_part = original;
    ClearPersonal(&public_part);
    EXPECT_THAT(EncodePayload(public_part), Not(HasSubstr("Zhang")));
    EXPECT_THAT(EncodePayload(public_part), Not(HasSubstr("Wang")));
    EXPECT_THAT(EncodePayload(personal), Not(HasSubstr("retail")));
    MergePersonal(personal, &public_part);
    EXPECT_TRUE(MessageDifferencer::Equals(public_part, original))
        << public_part.DebugString();
  }
  v1::EventPayload none;
  none.mutable_owner_assigned()->set_owner_id("sales-wu");
  v1::EventPayload personal;
  EXPECT_FALSE(ExtractPersonal(none, &personal));
}

// HasPersonalValue answers what ExtractPersonal returns, without copying:
// at the top level, deep in a repeated message, or in a single field.
TEST(PersonalFieldsTest, HasPersonalValueAgreesWithExtract) {
  v1::EventPayload owner;
  owner.mutable_owner_assigned()->set_owner_id("sales-wu");
  v1::EventPayload nameless = Contact();  // participants without names
  for (auto& person :
       *nameless.mutable_contact_logged()->mutable_participants()) {
    person.clear_name();
  }
  v1::EventPayload last_only = nameless;  // a name in the last element only
  last_only.mutable_contact_logged()->mutable_participants(2)->set_name("Li");
  v1::EventPayload birthday;  // a personal message field, nothing else
  birthday.mutable_profile_updated()
      ->mutable_profile()
      ->mutable_birthday()
      ->set_year(1980);
  const std::pair<v1::EventPayload, bool> cases[] = {
      {Contact(), true},          {Registration(), true}, {owner, false},
      {nameless, false},          {last_only, true},      {birthday, true},
      {v1::EventPayload(), false}};
  for (const auto& [payload, expected] : cases) {
    v1::EventPayload personal;
    EXPECT_EQ(ExtractPersonal(payload, &personal), expected)
        << payload.ShortDebugString();
    EXPECT_EQ(HasPersonalValue(payload), expected)
        << payload.ShortDebugString();
  }
}

// MovePersonal gives the payload MergePersonal gives, also when the payload
// already holds values in the personal fields (they are replaced) and when
// the moved-from message is reused for the next one.
TEST(PersonalFieldsTest, MoveRestoresThePayloadAsMergeDoes) {
  v1::EventPayload reused;
  for (const v1::EventPayload& original : {Contact(), Registration()}) {
    v1::EventPayload personal;
    ASSERT_TRUE(ExtractPersonal(original, &personal));
    v1::EventPayload merged = original;
    ClearPersonal(&merged);
    v1::EventPayload stale = original;
    ErasePersonal(&stale);  // "erased" in every personal string
    MergePersonal(personal, &merged);
    reused.Clear();
    reused.CopyFrom(personal);
    MovePersonal(&reused, &stale);
    EXPECT_TRUE(MessageDifferencer::Equals(stale, original))
        << stale.DebugString();
    EXPECT_TRUE(MessageDifferencer::Equals(merged, original));
    EXPECT_THAT(EncodePayload(stale), Not(HasSubstr("erased")));
  }
}

TEST(PersonalFieldsTest, ErasureRule) {
  v1::EventPayload p = Registration();
  ErasePersonal(&p);
  const v1::ProfileFields& f = p.customer_registered().profile();
  EXPECT_EQ(f.name(), "erased");
  EXPECT_THAT(f.phones(), ::testing::ElementsAre("erased"));
  EXPECT_EQ(f.address().street(), "erased");
  EXPECT_EQ(f.address().city(), "Hangzhou");
  EXPECT_EQ(f.address().postcode(), "");  // was empty: stays empty
  EXPECT_FALSE(f.has_birthday());
  EXPECT_FALSE(f.has_id_document());
  EXPECT_EQ(f.industry(), "retail");
}

TEST(PayloadSealingTest, SealsDeterministicallyAndOpens) {
  const DataKey key = Key("k1", 'a');
  v1::EventPayload a = Registration();
  v1::EventPayload b = Registration();
  ASSERT_THAT(
      SealPersonalFields("C-1", "CustomerRegistered", "req-1", 0, key, &a),
      IsOk());
  ASSERT_THAT(
      SealPersonalFields("C-1", "CustomerRegistered", "req-1", 0, key, &b),
      IsOk());
  const std::string stored = EncodePayload(a);
  EXPECT_EQ(stored, EncodePayload(b)) << "a retry must seal to the same bytes";
  for (const char* secret :
       {"Zhang San", "13800138000", "E12345678", "West Lake"}) {
    EXPECT_THAT(stored, Not(HasSubstr(secret)));
  }
  EXPECT_THAT(stored, HasSubstr("retail"));
  EXPECT_EQ(a.sealed().key_id(), "k1");
  EXPECT_EQ(a.sealed().nonce().size(), 12u);

  v1::EventPayload other_request = Registration();
  ASSERT_THAT(SealPersonalFields("C-1", "CustomerRegistered", "req-2", 0, key,
                                 &other_request),
              IsOk());
  EXPECT_NE(other_request.sealed().nonce(), a.sealed().nonce());
  v1::EventPayload other_index = Registration();
  ASSERT_THAT(SealPersonalFields("C-1", "CustomerRegistered", "req-1", 1, key,
                                 &other_index),
              IsOk());
  EXPECT_NE(other_index.sealed().nonce(), a.sealed().nonce());

  v1::EventPayload opened;
  ASSERT_TRUE(opened.ParseFromString(stored));
  ASSERT_THAT(OpenSealedFields("C-1", "CustomerRegistered", &key, &opened),
              IsOk());
  EXPECT_TRUE(MessageDifferencer::Equals(opened, Registration()))
      << opened.DebugString();
}

// The nonce is the documented scheme's, recomputed here from its parts,
// also when one thread seals under changing keys (the nonce key is derived
// once per key and kept).
TEST(PayloadSealingTest, NonceFollowsTheSchemeUnderChangingKeys) {
  auto lp = [](const std::string& s) {
    const uint32_t n = static_cast<uint32_t>(s.size());
    return std::string({static_cast<char>(n >> 24), static_cast<char>(n >> 16),
                        static_cast<char>(n >> 8), static_cast<char>(n)}) +
           s;
  };
  v1::EventPayload personal;
  ASSERT_TRUE(ExtractPersonal(Contact(), &personal));
  const std::string nonce_input =
      "ledger.v1.SealedFields/1" + lp("C-7") + lp("ContactLogged") +
      lp("req-9") + std::string("\0\0\0\x03", 4) + EncodePayload(personal);
  for (const DataKey& key : {Key("k1", 'a'), Key("k2", 'b'), Key("k1", 'a'),
                             Key("k3", 'c'), Key("k3", 'c')}) {
    v1::EventPayload sealed = Contact();
    ASSERT_THAT(
        SealPersonalFields("C-7", "ContactLogged", "req-9", 3, key, &sealed),
        IsOk());
    const std::string expected =
        HmacSha256(HmacSha256(key.bytes, "ledger nonce key"), nonce_input)
            .substr(0, 12);
    EXPECT_EQ(sealed.sealed().nonce(), expected) << "key " << key.id;
  }
}

TEST(PayloadSealingTest, DestroyedKeyReadsErased) {
  const DataKey key = Key("k1", 'a');
  v1::EventPayload p = Contact();
  ASSERT_THAT(SealPersonalFields("C-1", "ContactLogged", "", 0, key, &p),
              IsOk());
  const DataKey other = Key("k2", 'b');  // a key made after destruction
  for (const DataKey* k : {static_cast<const DataKey*>(nullptr), &other}) {
    v1::EventPayload q = p;
    ASSERT_THAT(OpenSealedFields("C-1", "ContactLogged", k, &q), IsOk());
    EXPECT_FALSE(q.has_sealed());
    const auto& c = q.contact_logged();
    ASSERT_EQ(c.participants_size(), 3);
    EXPECT_EQ(c.participants(0).name(), "erased");
    EXPECT_EQ(c.participants(0).role(), v1::CONTACT_ROLE_DECISION_MAKER);
    EXPECT_EQ(c.participants(1).name(), "");
    EXPECT_EQ(c.participants(1).title(), "engineer");
    EXPECT_EQ(c.participants(2).name(), "erased");
    EXPECT_EQ(c.content(), "discussed prices");
  }
}

TEST(PayloadSealingTest, OpensOnAnArenaAsOnTheHeap) {
  const DataKey key = Key("k1", 'a');
  for (v1::EventPayload original : {Contact(), Registration()}) {
    const std::string type =
        original.has_contact_logged() ? "ContactLogged" : "CustomerRegistered";
    const v1::EventPayload plain = original;
    ASSERT_THAT(SealPersonalFields("C-1", type, "", 0, key, &original), IsOk());
    const std::string stored = EncodePayload(original);
    // With the key (the values move over) and without (the erased ones do).
    for (const DataKey* k : {&key, static_cast<const DataKey*>(nullptr)}) {
      v1::EventPayload on_heap;
      ASSERT_TRUE(on_heap.ParseFromString(stored));
      ASSERT_THAT(OpenSealedFields("C-1", type, k, &on_heap), IsOk());
      google::protobuf::Arena arena;
      auto* on_arena =
          google::protobuf::Arena::CreateMessage<v1::EventPayload>(&arena);
      ASSERT_TRUE(on_arena->ParseFromString(stored));
      ASSERT_THAT(OpenSealedFields("C-1", type, k, on_arena), IsOk());
      EXPECT_FALSE(on_arena->has_sealed());
      EXPECT_TRUE(MessageDifferencer::Equals(*on_arena, on_heap))
          << on_arena->DebugString() << "\nvs\n"
          << on_heap.DebugString();
      if (k != nullptr) {
        EXPECT_TRUE(MessageDifferencer::Equals(*on_arena, plain))
            << on_arena->DebugString();
      }
    }
  }
}

TEST(PayloadSealingTest, WrongCustomerOrAlteredBytesDoNotOpen) {
  const DataKey key = Key("k1", 'a');
  v1::EventPayload p = Contact();
  ASSERT_THAT(SealPersonalFields("C-1", "ContactLogged", "", 0, key, &p),
              IsOk());
  v1::EventPayload moved = p;
  EXPECT_EQ(OpenSealedFields("C-2", "ContactLogged", &key, &moved).code(),
            absl::StatusCode::kDataLoss);
  v1::EventPayload altered = p;
  (*altered.mutable_sealed()->mutable_ciphertext())[0] ^= 1;
  EXPECT_EQ(OpenSealedFields("C-1", "ContactLogged", &key, &altered).code(),
            absl::StatusCode::kDataLoss);
}

}  // namespace
}  // namespace ledger::projections
