#include "services/internal/payload_validation.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "projections/event_codec.h"
#include "projections/field_checks.h"
#include "services/internal/record_validation.h"
#include "services/internal/rule_validation.h"
#include "services/internal/validation_util.h"
#include "services/request_validation.h"
#include "storage/status_macros.h"

namespace ledger::services {

namespace {

namespace v1 = ::ledger::v1;
using internal::Sub;
using ::ledger::projections::CheckEmail;
using ::ledger::projections::CheckPhone;
using ::ledger::projections::CheckPostcode;
using ::ledger::projections::CheckResidentId;
using ::ledger::projections::CheckUscc;

absl::Status ValidateProfileFields(const std::string& f,
                                   const v1::ProfileFields& p,
                                   absl::CivilDay today) {
  LEDGER_RETURN_IF_ERROR(internal::CheckText(Sub(f, "name"), p.name(), 200));
  for (int i = 0; i < p.phones_size(); ++i) {
    LEDGER_RETURN_IF_ERROR(
        CheckPhone(absl::StrCat(f, ".phones[", i, "]"), p.phones(i)));
  }
  for (int i = 0; i < p.emails_size(); ++i) {
    LEDGER_RETURN_IF_ERROR(
        CheckEmail(absl::StrCat(f, ".emails[", i, "]"), p.emails(i)));
  }
  LEDGER_RETURN_IF_ERROR(
      CheckPostcode(Sub(f, "address.postcode"), p.address().postcode()));
  LEDGER_RETURN_IF_ERROR(
      internal::CheckEnum(Sub(f, "gender"), p.gender(), v1::Gender_IsValid));
  LEDGER_RETURN_IF_ERROR(internal::CheckPastDate(
      Sub(f, "birthday"), p.birthday(), today, "birthday", false));
  const v1::IdDocument& id = p.id_document();
  LEDGER_RETURN_IF_ERROR(internal::CheckEnum(
      Sub(f, "id_document.type"), id.type(), v1::IdDocumentType_IsValid));
  if (id.type() != v1::ID_DOCUMENT_TYPE_UNSPECIFIED && id.number().empty()) {
    return internal::Invalid(Sub(f, "id_document.number"),
                             "is required when id_document.type is set");
  }
  if (id.type() == v1::ID_DOCUMENT_TYPE_UNSPECIFIED && !id.number().empty()) {
    return internal::Invalid(Sub(f, "id_document.type"),
                             "is required when id_document.number is set");
  }
  if (id.type() == v1::ID_DOCUMENT_TYPE_RESIDENT_ID) {
    LEDGER_RETURN_IF_ERROR(
        CheckResidentId(Sub(f, "id_document.number"), id.number(), today));
  }
  for (int i = 0; i < p.social_accounts_size(); ++i) {
    const auto& a = p.social_accounts(i);
    if (a.platform().empty() || a.handle().empty()) {
      return internal::Invalid(
          absl::StrCat(f, ".social_accounts[", i, "]"),
          "needs both platform (e.g. \"wechat\") and handle");
    }
  }
  LEDGER_RETURN_IF_ERROR(internal::CheckEnum(Sub(f, "preferred_channel"),
                                             p.preferred_channel(),
                                             v1::ContactChannel_IsValid));
  if (!p.credit_code().empty()) {
    LEDGER_RETURN_IF_ERROR(CheckUscc(Sub(f, "credit_code"), p.credit_code()));
  }
  LEDGER_RETURN_IF_ERROR(internal::CheckPastDate(
      Sub(f, "founded_on"), p.founded_on(), today, "founding date", false));
  LEDGER_RETURN_IF_ERROR(internal::CheckEnum(Sub(f, "organization_form"),
                                             p.organization_form(),
                                             v1::OrganizationForm_IsValid));
  LEDGER_RETURN_IF_ERROR(internal::CheckEnum(
      Sub(f, "business_model"), p.business_model(), v1::BusinessModel_IsValid));
  LEDGER_RETURN_IF_ERROR(internal::CheckEnum(
      Sub(f, "credit_rating"), p.credit_rating(), v1::CreditRating_IsValid));
  if (p.has_registered_capital()) {
    LEDGER_RETURN_IF_ERROR(internal::CheckMoney(Sub(f, "registered_capital"),
                                                p.registered_capital()));
  }
  return absl::OkStatus();
}

absl::Status ValidateKeyPerson(const std::string& f, const v1::KeyPerson& p,
                               absl::CivilDay today) {
  LEDGER_RETURN_IF_ERROR(internal::CheckId(Sub(f, "person_id"), p.person_id()));
  if (p.name().empty()) return internal::Invalid(Sub(f, "name"), "is required");
  LEDGER_RETURN_IF_ERROR(internal::CheckText(Sub(f, "name"), p.name(), 200));
  LEDGER_RETURN_IF_ERROR(internal::CheckPastDate(
      Sub(f, "birthday"), p.birthday(), today, "birthday", false));
  for (int i = 0; i < p.phones_size(); ++i) {
    LEDGER_RETURN_IF_ERROR(
        CheckPhone(absl::StrCat(f, ".phones[", i, "]"), p.phones(i)));
  }
  for (int i = 0; i < p.emails_size(); ++i) {
    LEDGER_RETURN_IF_ERROR(
        CheckEmail(absl::StrCat(f, ".emails[", i, "]"), p.emails(i)));
  }
  LEDGER_RETURN_IF_ERROR(internal::CheckEnum(
      Sub(f, "buying_role"), p.buying_role(), v1::ContactRole_IsValid));
  return internal::CheckEnum(Sub(f, "attitude"), p.attitude(),
                             v1::Attitude_IsValid);
}

absl::Status ValidateRegistered(const std::string& f,
                                const v1::CustomerRegistered& e,
                                absl::CivilDay today) {
  if (e.kind() == v1::CUSTOMER_KIND_UNSPECIFIED ||
      !v1::CustomerKind_IsValid(e.kind())) {
    return internal::Invalid(Sub(f, "kind"),
                             "must be CUSTOMER_KIND_INDIVIDUAL or "
                             "CUSTOMER_KIND_ORGANIZATION");
  }
  if (e.profile().name().empty()) {
    return internal::Invalid(Sub(f, "profile.name"), "is required");
  }
  return ValidateProfileFields(Sub(f, "profile"), e.profile(), today);
}

absl::Status ValidateProfileUpdated(const std::string& f,
                                    const v1::ProfileUpdated& e,
                                    absl::CivilDay today) {
  const std::string mask_field = Sub(f, "update_mask");
  if (e.update_mask().paths_size() == 0) {
    return internal::Invalid(mask_field,
                             "is empty; name the profile fields to change, "
                             "e.g. \"phones,address\"");
  }
  const auto* descriptor = v1::ProfileFields::descriptor();
  for (const std::string& path : e.update_mask().paths()) {
    const std::string top = path.substr(0, path.find('.'));
    const auto* field = descriptor->FindFieldByName(top);
    bool ok = field != nullptr;
    if (ok && top.size() != path.size()) {
      ok = field->message_type() != nullptr &&
           field->message_type()->FindFieldByName(
               path.substr(top.size() + 1)) != nullptr;
    }
    if (!ok) {
      return internal::Invalid(
          mask_field,
          absl::StrCat("\"", path, "\" is not a field of ProfileFields"));
    }
    if (path == "name" && e.profile().name().empty()) {
      return internal::Invalid(mask_field, "\"name\" cannot be cleared");
    }
  }
  return ValidateProfileFields(Sub(f, "profile"), e.profile(), today);
}

absl::Status ValidateContact(const std::string& f, const v1::ContactLogged& e,
                             absl::CivilDay today) {
  (void)today;
  if (e.channel() == v1::CONTACT_CHANNEL_UNSPECIFIED ||
      !v1::ContactChannel_IsValid(e.channel())) {
    return internal::Invalid(
        Sub(f, "channel"),
        absl::StrCat("is required and must be a known channel (got ",
                     e.channel(), ")"));
  }
  for (int i = 0; i < e.participants_size(); ++i) {
    const auto& p = e.participants(i);
    const std::string pf = absl::StrCat(f, ".participants[", i, "]");
    if (p.name().empty() && p.key_person_id().empty()) {
      return internal::Invalid(pf, "needs a name or a key_person_id");
    }
    LEDGER_RETURN_IF_ERROR(internal::CheckEnum(Sub(pf, "role"), p.role(),
                                               v1::ContactRole_IsValid));
  }
  if (e.content().empty()) {
    return internal::Invalid(Sub(f, "content"),
                             "is required: what was discussed");
  }
  if (e.has_next_follow_up()) {
    LEDGER_RETURN_IF_ERROR(
        internal::CheckDate(Sub(f, "next_follow_up"), e.next_follow_up()));
  }
  if (e.duration_minutes() > 24 * 60) {
    return internal::Invalid(
        Sub(f, "duration_minutes"),
        absl::StrCat(e.duration_minutes(), " is more than a day (1440)"));
  }
  return absl::OkStatus();
}

absl::Status ValidateClassified(const std::string& f,
                                const v1::CustomerClassified& e) {
  LEDGER_RETURN_IF_ERROR(
      internal::CheckEnum(Sub(f, "grade"), e.grade(), v1::Grade_IsValid));
  LEDGER_RETURN_IF_ERROR(internal::CheckEnum(
      Sub(f, "value_tier"), e.value_tier(), v1::ValueTier_IsValid));
  LEDGER_RETURN_IF_ERROR(internal::CheckEnum(Sub(f, "lifecycle_stage"),
                                             e.lifecycle_stage(),
                                             v1::LifecycleStage_IsValid));
  LEDGER_RETURN_IF_ERROR(internal::CheckEnum(Sub(f, "nature"), e.nature(),
                                             v1::CustomerNature_IsValid));
  if (e.grade() == 0 && e.value_tier() == 0 && e.lifecycle_stage() == 0 &&
      e.nature() == 0 && e.tags_added().empty() && e.tags_removed().empty() &&
      e.cleared().empty() && e.release_to_rules().empty()) {
    return internal::Invalid(f,
                             "changes nothing; set a grade, value tier, "
                             "lifecycle stage, nature or tags, or clear or "
                             "release a dimension");
  }
  for (int i = 0; i < e.cleared_size(); ++i) {
    const std::string field = absl::StrCat(f, ".cleared[", i, "]");
    LEDGER_RETURN_IF_ERROR(internal::CheckRequiredEnum(
        field, e.cleared(i), v1::ClassificationDimension_IsValid));
    const int d = e.cleared(i);
    if (d == v1::CLASSIFICATION_DIMENSION_TAGS) {
      return internal::Invalid(field, "tags are cleared with tags_removed");
    }
    if ((d == v1::CLASSIFICATION_DIMENSION_GRADE && e.grade() != 0) ||
        (d == v1::CLASSIFICATION_DIMENSION_VALUE_TIER && e.value_tier() != 0) ||
        (d == v1::CLASSIFICATION_DIMENSION_LIFECYCLE_STAGE &&
         e.lifecycle_stage() != 0)) {
      return internal::Invalid(field,
                               absl::StrCat(v1::ClassificationDimension_Name(d),
                                            " is both set and cleared"));
    }
  }
  for (int i = 0; i < e.release_to_rules_size(); ++i) {
    LEDGER_RETURN_IF_ERROR(internal::CheckRequiredEnum(
        absl::StrCat(f, ".release_to_rules[", i, "]"), e.release_to_rules(i),
        v1::ClassificationDimension_IsValid));
  }
  if (e.by_rule().empty() && e.rule_version() != 0) {
    return internal::Invalid(Sub(f, "rule_version"),
                             "is set but by_rule is empty");
  }
  const bool churned = e.lifecycle_stage() == v1::LIFECYCLE_STAGE_CHURNED;
  if (churned && e.churn_reason().empty()) {
    return internal::Invalid(Sub(f, "churn_reason"),
                             "is required when lifecycle_stage is CHURNED: "
                             "why did we lose the customer?");
  }
  if (!churned && !e.churn_reason().empty()) {
    return internal::Invalid(Sub(f, "churn_reason"),
                             "is only for lifecycle_stage CHURNED");
  }
  return absl::OkStatus();
}

absl::Status ValidatePlan(const std::string& f,
                          const v1::MaintenancePlanSet& e) {
  if (e.visit_interval_days() > 3660) {
    return internal::Invalid(
        Sub(f, "visit_interval_days"),
        absl::StrCat(e.visit_interval_days(), " is more than ten years"));
  }
  if (e.visit_weekday() > 7) {
    return internal::Invalid(
        Sub(f, "visit_weekday"),
        absl::StrCat(e.visit_weekday(), " is not 0 (any) or 1 (Monday)..7"));
  }
  for (int i = 0; i < e.greetings_size(); ++i) {
    const auto& g = e.greetings(i);
    const std::string gf = absl::StrCat(f, ".greetings[", i, "]");
    if (g.occasion() == v1::GREETING_OCCASION_UNSPECIFIED) {
      return internal::Invalid(Sub(gf, "occasion"), "is required");
    }
    LEDGER_RETURN_IF_ERROR(internal::CheckEnum(
        Sub(gf, "occasion"), g.occasion(), v1::GreetingOccasion_IsValid));
    // Yearly: the year may be 0; check month/day in a leap year.
    v1::Date date = g.date();
    if (date.year() == 0) date.set_year(2000);
    if (!internal::CheckDate(Sub(gf, "date"), date).ok()) {
      return internal::Invalid(
          Sub(gf, "date"),
          absl::StrCat("month ", g.date().month(), " day ", g.date().day(),
                       " is not a day of the year"));
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateConsent(const std::string& f,
                             const v1::ConsentRecorded& e) {
  const std::string& purpose = e.purpose();
  bool ok = !purpose.empty() && purpose.size() <= 64;
  for (char c : purpose) {
    ok = ok && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
                c == '-' || c == '.');
  }
  if (!ok) {
    return internal::Invalid(
        f + ".purpose",
        absl::StrCat("\"", purpose,
                     "\" is not a purpose: use 1-64 of a-z 0-9 _ - . (e.g. "
                     "marketing)"));
  }
  LEDGER_RETURN_IF_ERROR(internal::CheckText(f + ".channel", e.channel(), 256));
  LEDGER_RETURN_IF_ERROR(
      internal::CheckText(f + ".evidence_ref", e.evidence_ref(), 256));
  if (e.has_expires_on()) {
    LEDGER_RETURN_IF_ERROR(
        internal::CheckDate(f + ".expires_on", e.expires_on()));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ValidatePayload(absl::string_view field,
                             const v1::EventPayload& payload,
                             absl::CivilDay today) {
  if (const auto* retired = projections::RetiredRevisionOf(payload)) {
    const auto* oneof_field = v1::EventPayload::descriptor()->FindFieldByNumber(
        retired->field_number);
    return internal::Invalid(
        absl::StrCat(field, ".", oneof_field->name()),
        absl::StrCat("is revision ", retired->revision, " of ", retired->type,
                     ", retired; send ", retired->current_field,
                     " (the current revision) instead"));
  }
  const std::string f = absl::StrCat(field, ".");
  switch (payload.kind_case()) {
    case v1::EventPayload::kCustomerRegistered:
      return ValidateRegistered(f + "customer_registered",
                                payload.customer_registered(), today);
    case v1::EventPayload::kProfileUpdated:
      return ValidateProfileUpdated(f + "profile_updated",
                                    payload.profile_updated(), today);
    case v1::EventPayload::kContactLogged:
      return ValidateContact(f + "contact_logged", payload.contact_logged(),
                             today);
    case v1::EventPayload::kCustomerClassified:
      return ValidateClassified(f + "customer_classified",
                                payload.customer_classified());
    case v1::EventPayload::kOwnerAssigned:
      if (payload.owner_assigned().owner_id().empty()) {
        return internal::Invalid(f + "owner_assigned.owner_id", "is required");
      }
      return absl::OkStatus();
    case v1::EventPayload::kCustomerArchived:
      return absl::OkStatus();
    case v1::EventPayload::kKeyPersonSaved:
      return ValidateKeyPerson(f + "key_person_saved.person",
                               payload.key_person_saved().person(), today);
    case v1::EventPayload::kKeyPersonRemoved:
      return internal::CheckId(f + "key_person_removed.person_id",
                               payload.key_person_removed().person_id());
    case v1::EventPayload::kMaintenancePlanSet:
      return ValidatePlan(f + "maintenance_plan_set",
                          payload.maintenance_plan_set());
    case v1::EventPayload::kTransactionRecorded:
    case v1::EventPayload::kPaymentRecorded:
    case v1::EventPayload::kOpportunityOpened:
    case v1::EventPayload::kOpportunityStageChanged:
    case v1::EventPayload::kServiceCaseOpened:
    case v1::EventPayload::kServiceCaseUpdated:
    case v1::EventPayload::kRevisitLogged:
    case v1::EventPayload::kMemberCardIssued:
    case v1::EventPayload::kMemberCardChanged:
      return internal::ValidateRecordPayload(field, payload, today);
    case v1::EventPayload::kCustomerMerged:
      return ValidateCustomerId(f + "customer_merged.survivor_id",
                                payload.customer_merged().survivor_id());
    case v1::EventPayload::kClassificationRuleSaved:
      return internal::ValidateRule(f + "classification_rule_saved.rule",
                                    payload.classification_rule_saved().rule());
    case v1::EventPayload::kClassificationRuleRemoved:
      return internal::ValidateRuleId(
          f + "classification_rule_removed.rule_id",
          payload.classification_rule_removed().rule_id());
    case v1::EventPayload::kCustomerForgotten:
      for (int i = 0;
           i < payload.customer_forgotten().covered_customer_ids_size(); ++i) {
        LEDGER_RETURN_IF_ERROR(ValidateCustomerId(
            absl::StrCat(f, "customer_forgotten.covered_customer_ids[", i, "]"),
            payload.customer_forgotten().covered_customer_ids(i)));
      }
      return absl::OkStatus();
    case v1::EventPayload::kConsentRecorded:
      return ValidateConsent(f + "consent_recorded",
                             payload.consent_recorded());
    case v1::EventPayload::kContactLoggedV1:  // refused above
    case v1::EventPayload::KIND_NOT_SET:
      break;
  }
  return internal::Invalid(
      field, absl::StrCat("no event is set; set one of ",
                          absl::StrJoin(projections::KnownEventTypes(), ", ")));
}

}  // namespace ledger::services
