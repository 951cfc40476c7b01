#include "projections/customer_fold.h"

#include <algorithm>
#include <string>

#include "google/protobuf/field_mask.pb.h"
#include "google/protobuf/util/field_mask_util.h"
#include "projections/completeness.h"
#include "projections/personal_fields.h"

namespace ledger::projections {

namespace {

namespace v1 = ::ledger::v1;

v1::ValueSource SourceOf(const v1::CustomerClassified& e) {
  v1::ValueSource source;
  if (e.by_rule().empty()) {
    source.set_manual(true);
  } else {
    source.set_by_rule(e.by_rule());
    source.set_rule_version(e.rule_version());
  }
  return source;
}

void ApplyClassification(const v1::CustomerClassified& e,
                         v1::Classification* c) {
  const v1::ValueSource source = SourceOf(e);
  // Releases first: an event may release a dimension and set another.
  for (int d : e.release_to_rules()) {
    switch (d) {
      case v1::CLASSIFICATION_DIMENSION_GRADE:
        c->mutable_grade_source()->set_manual(false);
        break;
      case v1::CLASSIFICATION_DIMENSION_VALUE_TIER:
        c->mutable_value_tier_source()->set_manual(false);
        break;
      case v1::CLASSIFICATION_DIMENSION_LIFECYCLE_STAGE:
        c->mutable_lifecycle_stage_source()->set_manual(false);
        break;
      case v1::CLASSIFICATION_DIMENSION_TAGS:
        for (auto& [tag, from] : *c->mutable_tag_sources()) {
          from.set_manual(false);
        }
        break;
      default:
        break;
    }
  }
  for (int d : e.cleared()) {
    switch (d) {
      case v1::CLASSIFICATION_DIMENSION_GRADE:
        c->clear_grade();
        c->clear_grade_source();
        break;
      case v1::CLASSIFICATION_DIMENSION_VALUE_TIER:
        c->clear_value_tier();
        c->clear_value_tier_source();
        break;
      case v1::CLASSIFICATION_DIMENSION_LIFECYCLE_STAGE:
        c->clear_lifecycle_stage();
        c->clear_lifecycle_stage_source();
        break;
      default:
        break;
    }
  }
  if (e.grade() != v1::GRADE_UNSPECIFIED) {
    c->set_grade(e.grade());
    *c->mutable_grade_source() = source;
  }
  if (e.value_tier() != v1::VALUE_TIER_UNSPECIFIED) {
    c->set_value_tier(e.value_tier());
    *c->mutable_value_tier_source() = source;
  }
  if (e.lifecycle_stage() != v1::LIFECYCLE_STAGE_UNSPECIFIED) {
    c->set_lifecycle_stage(e.lifecycle_stage());
    *c->mutable_lifecycle_stage_source() = source;
  }
  if (e.nature() != v1::CUSTOMER_NATURE_UNSPECIFIED) c->set_nature(e.nature());
  std::vector<std::string> tags(c->tags().begin(), c->tags().end());
  for (const std::string& t : e.tags_removed()) {
    tags.erase(std::remove(tags.begin(), tags.end(), t), tags.end());
    c->mutable_tag_sources()->erase(t);
  }
  for (const std::string& t : e.tags_added()) {
    tags.push_back(t);
    (*c->mutable_tag_sources())[t] = source;
  }
  std::sort(tags.begin(), tags.end());
  tags.erase(std::unique(tags.begin(), tags.end()), tags.end());
  c->clear_tags();
  for (std::string& t : tags) c->add_tags(std::move(t));
}

bool NotBefore(const google::protobuf::Timestamp& at,
               const google::protobuf::Timestamp& last) {
  return at.seconds() > last.seconds() ||
         (at.seconds() == last.seconds() && at.nanos() >= last.nanos());
}

void SaveKeyPerson(const v1::KeyPerson& person, v1::CustomerProfile* profile) {
  for (v1::KeyPerson& p : *profile->mutable_key_people()) {
    if (p.person_id() == person.person_id()) {
      p = person;
      return;
    }
  }
  *profile->add_key_people() = person;
}

void RemoveKeyPerson(const std::string& person_id,
                     v1::CustomerProfile* profile) {
  auto* people = profile->mutable_key_people();
  for (int i = 0; i < people->size(); ++i) {
    if (people->Get(i).person_id() == person_id) {
      people->erase(people->begin() + i);
      return;
    }
  }
}

void RecordConsent(const v1::ConsentRecorded& e, const v1::EventMetadata& meta,
                   uint64_t position, v1::CustomerProfile* profile) {
  v1::ConsentRecord record;
  record.set_granted(e.granted());
  record.set_channel(e.channel());
  record.set_evidence_ref(e.evidence_ref());
  if (e.has_expires_on()) *record.mutable_expires_on() = e.expires_on();
  *record.mutable_at() = meta.occurred_at();
  record.set_by(meta.actor());
  record.set_reason(meta.reason());
  record.set_position(position);
  auto* consents = profile->mutable_consents();
  auto it = std::lower_bound(
      consents->begin(), consents->end(), e.purpose(),
      [](const v1::ConsentState& c, const std::string& purpose) {
        return c.purpose() < purpose;
      });
  v1::ConsentState* state = nullptr;
  if (it != consents->end() && it->purpose() == e.purpose()) {
    state = &*it;
  } else {
    const int index = static_cast<int>(it - consents->begin());
    consents->Add()->set_purpose(e.purpose());
    for (int i = consents->size() - 1; i > index; --i) {
      consents->SwapElements(i, i - 1);
    }
    state = consents->Mutable(index);
  }
  *state->mutable_current() = record;
  *state->add_history() = std::move(record);
}

}  // namespace

void ForgetProfile(const v1::Event& event, v1::CustomerProfile* profile) {
  ErasePersonal(profile);
  profile->set_forgotten(true);
  *profile->mutable_forgotten_at() = event.metadata().recorded_at();
  profile->set_forgotten_by(event.metadata().actor());
  profile->set_forgotten_reason(event.metadata().reason());
  if (!profile->archived()) {
    profile->set_archived(true);
    *profile->mutable_archived_at() = event.metadata().recorded_at();
  }
}

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
      if (!profile->has_last_contact_at() ||
          NotBefore(at, profile->last_contact_at())) {
        *profile->mutable_last_contact_at() = at;
        if (e.has_next_follow_up()) {
          *profile->mutable_next_follow_up() = e.next_follow_up();
        } else {
          profile->clear_next_follow_up();
        }
      }
      break;
    }
    case v1::EventPayload::kCustomerClassified: {
      const auto& e = payload.customer_classified();
      ApplyClassification(e, profile->mutable_classification());
      if (e.lifecycle_stage() == v1::LIFECYCLE_STAGE_CHURNED) {
        profile->set_churn_reason(e.churn_reason());
        *profile->mutable_churned_at() = meta.occurred_at();
      }
      break;
    }
    case v1::EventPayload::kOwnerAssigned:
      profile->set_owner_id(payload.owner_assigned().owner_id());
      profile->set_team(payload.owner_assigned().team());
      break;
    case v1::EventPayload::kCustomerArchived:
      profile->set_archived(true);
      *profile->mutable_archived_at() = meta.occurred_at();
      break;
    case v1::EventPayload::kKeyPersonSaved:
      SaveKeyPerson(payload.key_person_saved().person(), profile);
      break;
    case v1::EventPayload::kKeyPersonRemoved:
      RemoveKeyPerson(payload.key_person_removed().person_id(), profile);
      break;
    case v1::EventPayload::kCustomerMerged:
      profile->set_merged_into(payload.customer_merged().survivor_id());
      *profile->mutable_merged_at() = meta.recorded_at();
      break;
    case v1::EventPayload::kCustomerForgotten:
      ForgetProfile(event, profile);
      break;
    case v1::EventPayload::kConsentRecorded:
      RecordConsent(payload.consent_recorded(), meta, event.position(),
                    profile);
      break;
    case v1::EventPayload::kMaintenancePlanSet:
      *profile->mutable_maintenance_plan() = payload.maintenance_plan_set();
      break;
    case v1::EventPayload::kRevisitLogged: {
      const auto& e = payload.revisit_logged();
      profile->set_revisit_count(profile->revisit_count() + 1);
      profile->set_satisfaction_count(profile->satisfaction_count() + 1);
      profile->set_satisfaction_sum(profile->satisfaction_sum() +
                                    e.satisfaction());
      if (!profile->has_last_revisit_at() ||
          NotBefore(meta.occurred_at(), profile->last_revisit_at())) {
        *profile->mutable_last_revisit_at() = meta.occurred_at();
      }
      break;
    }
    // Records (customer_records.h) keep their own summaries in the profile.
    case v1::EventPayload::kTransactionRecorded:
    case v1::EventPayload::kPaymentRecorded:
    case v1::EventPayload::kOpportunityOpened:
    case v1::EventPayload::kOpportunityStageChanged:
    case v1::EventPayload::kServiceCaseOpened:
    case v1::EventPayload::kServiceCaseUpdated:
    case v1::EventPayload::kMemberCardIssued:
    case v1::EventPayload::kMemberCardChanged:
    // DecodeEvent upcasts retired revisions; none reaches the fold.
    // The rules' system stream is not a customer (customer_projector.cc).
    case v1::EventPayload::kClassificationRuleSaved:
    case v1::EventPayload::kClassificationRuleRemoved:
    case v1::EventPayload::kContactLoggedV1:
    case v1::EventPayload::KIND_NOT_SET:
      break;
  }
  ScoreCompleteness(profile);
  profile->set_version(event.version());
  profile->set_last_position(event.position());
  *profile->mutable_updated_at() = meta.occurred_at();
  profile->set_updated_by(meta.actor());
}

bool TimelineEntryOf(const v1::Event& event, v1::TimelineEntry* out) {
  const v1::EventPayload& payload = event.payload();
  if (!payload.has_contact_logged() && !payload.has_revisit_logged()) {
    return false;
  }
  v1::TimelineEntry& entry = *out;
  entry.set_position(event.position());
  *entry.mutable_occurred_at() = event.metadata().occurred_at();
  entry.set_logged_by(event.metadata().actor());
  entry.set_event_type(event.event_type());
  entry.set_customer_id(event.customer_id());
  if (payload.has_revisit_logged()) {
    const auto& e = payload.revisit_logged();
    entry.set_channel(e.channel());
    entry.set_content(e.content());
    entry.set_satisfaction(e.satisfaction());
    entry.set_case_id(e.case_id());
    entry.set_feedback(e.feedback());
    return true;
  }
  const auto& e = payload.contact_logged();
  entry.set_channel(e.channel());
  *entry.mutable_participants() = e.participants();
  if (e.participants_size() > 0) {
    entry.set_contact_person(e.participants(0).name());
    entry.set_contact_role(e.participants(0).role());
  }
  entry.set_subject(e.subject());
  entry.set_content(e.content());
  entry.set_result(e.result());
  entry.set_next_step(e.next_step());
  if (e.has_next_follow_up()) {
    *entry.mutable_next_follow_up() = e.next_follow_up();
  }
  entry.set_duration_minutes(e.duration_minutes());
  entry.set_location(e.location());
  return true;
}

std::optional<v1::TimelineEntry> TimelineEntryOf(const v1::Event& event) {
  v1::TimelineEntry entry;
  if (!TimelineEntryOf(event, &entry)) return std::nullopt;
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
