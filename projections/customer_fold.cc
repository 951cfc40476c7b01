#include "projections/customer_fold.h"

#include <algorithm>
#include <string>

#include "google/protobuf/field_mask.pb.h"
#include "google/protobuf/util/field_mask_util.h"

namespace ledger::projections {

namespace {

namespace v1 = ::ledger::v1;

void ApplyClassification(const v1::CustomerClassified& e,
                         v1::Classification* c) {
  if (e.grade() != v1::GRADE_UNSPECIFIED) c->set_grade(e.grade());
  if (e.value_tier() != v1::VALUE_TIER_UNSPECIFIED) {
    c->set_value_tier(e.value_tier());
  }
  if (e.lifecycle_stage() != v1::LIFECYCLE_STAGE_UNSPECIFIED) {
    c->set_lifecycle_stage(e.lifecycle_stage());
  }
  if (e.nature() != v1::CUSTOMER_NATURE_UNSPECIFIED) c->set_nature(e.nature());
  std::vector<std::string> tags(c->tags().begin(), c->tags().end());
  for (const std::string& t : e.tags_removed()) {
    tags.erase(std::remove(tags.begin(), tags.end(), t), tags.end());
  }
  for (const std::string& t : e.tags_added()) tags.push_back(t);
  std::sort(tags.begin(), tags.end());
  tags.erase(std::unique(tags.begin(), tags.end()), tags.end());
  c->clear_tags();
  for (std::string& t : tags) c->add_tags(std::move(t));
}

}  // namespace

void FoldIntoProfile(const v1::Event& event, v1::CustomerProfile* profile) {
  const v1::EventPayload& payload = event.payload();
  const v1::EventMetadata& meta = event.metadata();
  switch (payload.kind_case()) {
    case v1::EventPayload::kCustomerRegistered: {
      const auto& e = payload.customer_registered();
      profile->set_customer_id(event.customer_id());
      profile->set_kind(e.kind());
      *profile->mutable_profile() = e.profile();
      profile->set_owner_id(e.owner_id());
      *profile->mutable_created_at() = meta.occurred_at();
      profile->set_created_by(meta.actor());
      break;
    }
    case v1::EventPayload::kProfileUpdated: {
      const auto& e = payload.profile_updated();
      google::protobuf::util::FieldMaskUtil::MergeOptions options;
      options.set_replace_message_fields(true);
      options.set_replace_repeated_fields(true);
      google::protobuf::util::FieldMaskUtil::MergeMessageTo(
          e.profile(), e.update_mask(), options, profile->mutable_profile());
      break;
    }
    case v1::EventPayload::kContactLogged: {
      const auto& e = payload.contact_logged();
      profile->set_contact_count(profile->contact_count() + 1);
      // Business time decides which contact is the latest, whatever order
      // they were logged in.
      const auto& at = meta.occurred_at();
      const auto& last = profile->last_contact_at();
      if (!profile->has_last_contact_at() || at.seconds() > last.seconds() ||
          (at.seconds() == last.seconds() && at.nanos() >= last.nanos())) {
        *profile->mutable_last_contact_at() = at;
        if (e.has_next_follow_up()) {
          *profile->mutable_next_follow_up() = e.next_follow_up();
        } else {
          profile->clear_next_follow_up();
        }
      }
      break;
    }
    case v1::EventPayload::kCustomerClassified:
      ApplyClassification(payload.customer_classified(),
                          profile->mutable_classification());
      break;
    case v1::EventPayload::kOwnerAssigned:
      profile->set_owner_id(payload.owner_assigned().owner_id());
      profile->set_team(payload.owner_assigned().team());
      break;
    case v1::EventPayload::kCustomerArchived:
      profile->set_archived(true);
      *profile->mutable_archived_at() = meta.occurred_at();
      break;
    case v1::EventPayload::KIND_NOT_SET:
      break;
  }
  profile->set_version(event.version());
  profile->set_last_position(event.position());
  *profile->mutable_updated_at() = meta.occurred_at();
  profile->set_updated_by(meta.actor());
}

std::optional<v1::TimelineEntry> TimelineEntryOf(const v1::Event& event) {
  if (!event.payload().has_contact_logged()) return std::nullopt;
  const auto& e = event.payload().contact_logged();
  v1::TimelineEntry entry;
  entry.set_position(event.position());
  *entry.mutable_occurred_at() = event.metadata().occurred_at();
  entry.set_channel(e.channel());
  entry.set_contact_person(e.contact_person());
  entry.set_contact_role(e.contact_role());
  entry.set_content(e.content());
  entry.set_result(e.result());
  entry.set_next_step(e.next_step());
  if (e.has_next_follow_up()) {
    *entry.mutable_next_follow_up() = e.next_follow_up();
  }
  entry.set_logged_by(event.metadata().actor());
  return entry;
}

std::optional<v1::ClassificationChange> ClassificationChangeOf(
    const v1::Event& event, const v1::Classification& before,
    const v1::Classification& after) {
  if (!event.payload().has_customer_classified()) return std::nullopt;
  const auto& e = event.payload().customer_classified();
  v1::ClassificationChange change;
  change.set_position(event.position());
  *change.mutable_occurred_at() = event.metadata().occurred_at();
  *change.mutable_before() = before;
  *change.mutable_after() = after;
  change.set_actor(event.metadata().actor());
  change.set_reason(event.metadata().reason());
  change.set_by_rule(e.by_rule());
  change.set_rule_version(e.rule_version());
  return change;
}

}  // namespace ledger::projections
