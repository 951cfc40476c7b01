// Unit tests of the pure customer fold (projections/customer_fold.h).

#include "projections/customer_fold.h"

#include <string>

#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "google/protobuf/util/time_util.h"
#include "gtest/gtest.h"
#include "ledger/v1/customer.pb.h"
#include "ledger/v1/ledger.pb.h"

namespace ledger::projections {
namespace {

namespace v1 = ::ledger::v1;
using google::protobuf::util::TimeUtil;
using ::testing::ElementsAre;

constexpr int64_t kDay = 86400;
constexpr int64_t kT0 = 1700000000;  // 2023-11-14

// Builds events of one customer with increasing versions and positions.
class EventBuilder {
 public:
  v1::Event Next(const v1::EventPayload& payload, int64_t occurred_seconds,
                 const std::string& actor = "alice") {
    v1::Event event;
    event.set_customer_id("c-1");
    event.set_version(++version_);
    event.set_position(position_ += 7);
    *event.mutable_payload() = payload;
    event.mutable_metadata()->set_actor(actor);
    event.mutable_metadata()->set_reason("because");
    *event.mutable_metadata()->mutable_occurred_at() =
        TimeUtil::SecondsToTimestamp(occurred_seconds);
    *event.mutable_metadata()->mutable_recorded_at() =
        TimeUtil::SecondsToTimestamp(kT0 + 1000 * kDay + version_);
    return event;
  }

 private:
  uint64_t version_ = 0;
  uint64_t position_ = 3;
};

v1::EventPayload Registered() {
  v1::EventPayload p;
  auto* r = p.mutable_customer_registered();
  r->set_kind(v1::CUSTOMER_KIND_ORGANIZATION);
  r->mutable_profile()->set_name("Acme Ltd");
  r->mutable_profile()->set_short_name("Acme");
  r->mutable_profile()->set_industry("steel");
  r->mutable_profile()->add_phones("+86 10 1234");
  r->mutable_profile()->mutable_address()->set_city("Beijing");
  r->mutable_profile()->mutable_address()->set_province("BJ");
  r->set_owner_id("owner-1");
  return p;
}

v1::EventPayload Contact(const v1::Date* follow_up) {
  v1::EventPayload p;
  p.mutable_contact_logged()->set_channel(v1::CONTACT_CHANNEL_VISIT);
  p.mutable_contact_logged()->set_content("visited");
  if (follow_up != nullptr) {
    *p.mutable_contact_logged()->mutable_next_follow_up() = *follow_up;
  }
  return p;
}

v1::Date MakeDate(int y, int m, int d) {
  v1::Date date;
  date.set_year(y);
  date.set_month(m);
  date.set_day(d);
  return date;
}

v1::CustomerProfile FoldAll(const std::vector<v1::Event>& events) {
  v1::CustomerProfile profile;
  for (const v1::Event& e : events) FoldIntoProfile(e, &profile);
  return profile;
}

TEST(CustomerFoldTest, RegistrationFillsIdentityAndCreation) {
  EventBuilder b;
  const v1::Event e = b.Next(Registered(), kT0, "bob");
  v1::CustomerProfile p;
  FoldIntoProfile(e, &p);
  EXPECT_EQ(p.customer_id(), "c-1");
  EXPECT_EQ(p.kind(), v1::CUSTOMER_KIND_ORGANIZATION);
  EXPECT_EQ(p.profile().name(), "Acme Ltd");
  EXPECT_EQ(p.owner_id(), "owner-1");
  EXPECT_EQ(TimeUtil::TimestampToSeconds(p.created_at()), kT0);
  EXPECT_EQ(p.created_by(), "bob");
  EXPECT_EQ(TimeUtil::TimestampToSeconds(p.updated_at()), kT0);
  EXPECT_EQ(p.updated_by(), "bob");
  EXPECT_EQ(p.version(), 1u);
  EXPECT_EQ(p.last_position(), e.position());
  EXPECT_FALSE(p.archived());
  EXPECT_EQ(p.contact_count(), 0u);
  EXPECT_FALSE(TimelineEntryOf(e).has_value());
  EXPECT_FALSE(ClassificationChangeOf(e, {}, {}).has_value());
}

TEST(CustomerFoldTest, ProfileUpdateReplacesExactlyTheMaskedFields) {
  EventBuilder b;
  v1::EventPayload update;
  auto* u = update.mutable_profile_updated();
  u->mutable_profile()->set_name("Acme Group");
  u->mutable_profile()->set_short_name("IGNORED: not in mask");
  u->mutable_profile()->add_phones("+86 21 9999");
  u->mutable_update_mask()->add_paths("name");
  u->mutable_update_mask()->add_paths("phones");
  const v1::CustomerProfile p =
      FoldAll({b.Next(Registered(), kT0), b.Next(update, kT0 + 10, "carol")});
  EXPECT_EQ(p.profile().name(), "Acme Group");
  EXPECT_EQ(p.profile().short_name(), "Acme");
  EXPECT_THAT(p.profile().phones(), ElementsAre("+86 21 9999"));  // replaced
  EXPECT_EQ(p.profile().industry(), "steel");
  EXPECT_EQ(p.profile().address().city(), "Beijing");
  EXPECT_EQ(p.created_by(), "alice");
  EXPECT_EQ(p.updated_by(), "carol");
  EXPECT_EQ(TimeUtil::TimestampToSeconds(p.updated_at()), kT0 + 10);
}

TEST(CustomerFoldTest, MaskedEmptyFieldIsCleared) {
  EventBuilder b;
  v1::EventPayload update;
  auto* u = update.mutable_profile_updated();
  u->mutable_update_mask()->add_paths("industry");
  u->mutable_update_mask()->add_paths("phones");
  u->mutable_update_mask()->add_paths("short_name");
  const v1::CustomerProfile p =
      FoldAll({b.Next(Registered(), kT0), b.Next(update, kT0 + 10)});
  EXPECT_EQ(p.profile().industry(), "") << "AIP-134: masked + empty clears";
  EXPECT_EQ(p.profile().short_name(), "");
  EXPECT_EQ(p.profile().phones_size(), 0);
  EXPECT_EQ(p.profile().name(), "Acme Ltd");
}

TEST(CustomerFoldTest, NestedMaskPathReplacesOnlyThatSubfield) {
  EventBuilder b;
  v1::EventPayload update;
  auto* u = update.mutable_profile_updated();
  u->mutable_profile()->mutable_address()->set_city("Shanghai");
  u->mutable_profile()->mutable_address()->set_district("IGNORED");
  u->mutable_update_mask()->add_paths("address.city");
  const v1::CustomerProfile p =
      FoldAll({b.Next(Registered(), kT0), b.Next(update, kT0 + 10)});
  EXPECT_EQ(p.profile().address().city(), "Shanghai");
  EXPECT_EQ(p.profile().address().province(), "BJ");
  EXPECT_EQ(p.profile().address().district(), "");

  // A nested masked field that is empty (address absent) is cleared too.
  v1::EventPayload clear;
  clear.mutable_profile_updated()->mutable_update_mask()->add_paths(
      "address.city");
  const v1::CustomerProfile q =
      FoldAll({b.Next(Registered(), kT0), b.Next(clear, kT0 + 10)});
  EXPECT_EQ(q.profile().address().city(), "");
  EXPECT_EQ(q.profile().address().province(), "BJ");
}

TEST(CustomerFoldTest, LastContactFollowsBusinessTimeNotLogOrder) {
  EventBuilder b;
  const v1::Date late = MakeDate(2024, 3, 1);
  const v1::Date early = MakeDate(2024, 1, 1);
  std::vector<v1::Event> events = {b.Next(Registered(), kT0)};
  events.push_back(b.Next(Contact(&late), kT0 + 10 * kDay));
  // Logged later, but happened earlier: must not move last_contact_at.
  events.push_back(b.Next(Contact(&early), kT0 + 2 * kDay));
  v1::CustomerProfile p = FoldAll(events);
  EXPECT_EQ(p.contact_count(), 2u);
  EXPECT_EQ(TimeUtil::TimestampToSeconds(p.last_contact_at()), kT0 + 10 * kDay);
  EXPECT_EQ(p.next_follow_up().year(), 2024);
  EXPECT_EQ(p.next_follow_up().month(), 3);
  // The log position still advances.
  EXPECT_EQ(p.version(), 3u);
  EXPECT_EQ(p.last_position(), events.back().position());
  EXPECT_EQ(TimeUtil::TimestampToSeconds(p.updated_at()), kT0 + 2 * kDay);

  // A newer contact without a follow-up clears next_follow_up.
  events.push_back(b.Next(Contact(nullptr), kT0 + 11 * kDay));
  p = FoldAll(events);
  EXPECT_EQ(TimeUtil::TimestampToSeconds(p.last_contact_at()), kT0 + 11 * kDay);
  EXPECT_FALSE(p.has_next_follow_up());
  EXPECT_EQ(p.contact_count(), 3u);
}

TEST(CustomerFoldTest, TimelineEntryCopiesTheContact) {
  EventBuilder b;
  const v1::Date d = MakeDate(2024, 5, 6);
  v1::EventPayload payload = Contact(&d);
  v1::ContactParticipant* person =
      payload.mutable_contact_logged()->add_participants();
  person->set_name("Wang");
  person->set_role(v1::CONTACT_ROLE_DECISION_MAKER);
  payload.mutable_contact_logged()->set_result("ok");
  payload.mutable_contact_logged()->set_next_step("quote");
  b.Next(Registered(), kT0);
  const v1::Event e = b.Next(payload, kT0 + 5, "dave");
  auto entry = TimelineEntryOf(e);
  ASSERT_TRUE(entry.has_value());
  EXPECT_EQ(entry->position(), e.position());
  EXPECT_EQ(TimeUtil::TimestampToSeconds(entry->occurred_at()), kT0 + 5);
  EXPECT_EQ(entry->channel(), v1::CONTACT_CHANNEL_VISIT);
  EXPECT_EQ(entry->contact_person(), "Wang");
  EXPECT_EQ(entry->contact_role(), v1::CONTACT_ROLE_DECISION_MAKER);
  EXPECT_EQ(entry->content(), "visited");
  EXPECT_EQ(entry->result(), "ok");
  EXPECT_EQ(entry->next_step(), "quote");
  EXPECT_EQ(entry->next_follow_up().day(), 6);
  EXPECT_EQ(entry->logged_by(), "dave");
}

TEST(CustomerFoldTest, ClassificationMergesAndKeepsTagsSortedUnique) {
  EventBuilder b;
  v1::EventPayload c1;
  auto* k1 = c1.mutable_customer_classified();
  k1->set_grade(v1::GRADE_A);
  k1->set_value_tier(v1::VALUE_TIER_HIGH);
  k1->add_tags_added("zeta");
  k1->add_tags_added("alpha");
  k1->add_tags_added("zeta");
  k1->add_tags_added("mid");
  v1::EventPayload c2;
  auto* k2 = c2.mutable_customer_classified();
  k2->set_lifecycle_stage(v1::LIFECYCLE_STAGE_ACTIVE);
  k2->add_tags_removed("mid");
  k2->add_tags_removed("not-there");
  k2->add_tags_added("alpha");
  k2->add_tags_added("beta");
  k2->set_by_rule("rule-7");
  k2->set_rule_version(3);

  v1::CustomerProfile p;
  FoldIntoProfile(b.Next(Registered(), kT0), &p);
  FoldIntoProfile(b.Next(c1, kT0 + 1), &p);
  EXPECT_THAT(p.classification().tags(), ElementsAre("alpha", "mid", "zeta"));
  const v1::Classification before = p.classification();
  const v1::Event e2 = b.Next(c2, kT0 + 2, "engine");
  FoldIntoProfile(e2, &p);
  const auto& c = p.classification();
  EXPECT_EQ(c.grade(), v1::GRADE_A);  // unspecified: unchanged
  EXPECT_EQ(c.value_tier(), v1::VALUE_TIER_HIGH);
  EXPECT_EQ(c.lifecycle_stage(), v1::LIFECYCLE_STAGE_ACTIVE);
  EXPECT_THAT(c.tags(), ElementsAre("alpha", "beta", "zeta"));

  auto change = ClassificationChangeOf(e2, before, c);
  ASSERT_TRUE(change.has_value());
  EXPECT_EQ(change->position(), e2.position());
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(
      change->before(), before));
  EXPECT_TRUE(
      google::protobuf::util::MessageDifferencer::Equals(change->after(), c));
  EXPECT_EQ(change->actor(), "engine");
  EXPECT_EQ(change->reason(), "because");
  EXPECT_EQ(change->by_rule(), "rule-7");
  EXPECT_EQ(change->rule_version(), 3u);
}

TEST(CustomerFoldTest, OwnerAssignedAndArchive) {
  EventBuilder b;
  v1::EventPayload owner;
  owner.mutable_owner_assigned()->set_owner_id("owner-2");
  owner.mutable_owner_assigned()->set_team("north");
  v1::EventPayload archive;
  archive.mutable_customer_archived();
  std::vector<v1::Event> events = {b.Next(Registered(), kT0),
                                   b.Next(owner, kT0 + 1)};
  v1::CustomerProfile p = FoldAll(events);
  EXPECT_EQ(p.owner_id(), "owner-2");
  EXPECT_EQ(p.team(), "north");
  EXPECT_FALSE(p.archived());
  EXPECT_FALSE(p.has_archived_at());
  events.push_back(b.Next(archive, kT0 + 2 * kDay, "erin"));
  p = FoldAll(events);
  EXPECT_TRUE(p.archived());
  EXPECT_EQ(TimeUtil::TimestampToSeconds(p.archived_at()), kT0 + 2 * kDay);
  EXPECT_EQ(p.updated_by(), "erin");
  EXPECT_EQ(p.version(), 3u);
  EXPECT_EQ(p.last_position(), events.back().position());
  EXPECT_EQ(p.profile().name(), "Acme Ltd");  // the file is kept
}

}  // namespace
}  // namespace ledger::projections
