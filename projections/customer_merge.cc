#include "projections/customer_merge.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "google/protobuf/util/message_differencer.h"
#include "projections/completeness.h"
#include "projections/money.h"

namespace ledger::projections {

namespace {

namespace v1 = ::ledger::v1;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

bool Later(const google::protobuf::Timestamp& a,
           const google::protobuf::Timestamp& b) {
  return a.seconds() > b.seconds() ||
         (a.seconds() == b.seconds() && a.nanos() > b.nanos());
}

int DateNumber(const v1::Date& d) {
  return d.year() * 10000 + d.month() * 100 + d.day();
}

bool RepeatedContains(const Message& m, const FieldDescriptor* f,
                      const Message& other, int j) {
  const Reflection* r = m.GetReflection();
  const Reflection* ro = other.GetReflection();
  for (int i = 0; i < r->FieldSize(m, f); ++i) {
    bool same = false;
    switch (f->cpp_type()) {
      case FieldDescriptor::CPPTYPE_STRING:
        same =
            r->GetRepeatedString(m, f, i) == ro->GetRepeatedString(other, f, j);
        break;
      case FieldDescriptor::CPPTYPE_MESSAGE:
        same = google::protobuf::util::MessageDifferencer::Equals(
            r->GetRepeatedMessage(m, f, i),
            ro->GetRepeatedMessage(other, f, j));
        break;
      case FieldDescriptor::CPPTYPE_ENUM:
        same = r->GetRepeatedEnumValue(m, f, i) ==
               ro->GetRepeatedEnumValue(other, f, j);
        break;
      default:  // the profile has no repeated numbers; never merge blindly
        same = true;
        break;
    }
    if (same) return true;
  }
  return false;
}

// Fills the fields `to` lacks from `from` and unites repeated fields. Works
// on any message, so profile fields added later merge without code here.
void FillFrom(const Message& from, Message* to) {
  const google::protobuf::Descriptor* d = from.GetDescriptor();
  const Reflection* rf = from.GetReflection();
  const Reflection* rt = to->GetReflection();
  for (int i = 0; i < d->field_count(); ++i) {
    const FieldDescriptor* f = d->field(i);
    if (f->is_repeated()) {
      for (int j = 0; j < rf->FieldSize(from, f); ++j) {
        if (RepeatedContains(*to, f, from, j)) continue;
        switch (f->cpp_type()) {
          case FieldDescriptor::CPPTYPE_STRING:
            rt->AddString(to, f, rf->GetRepeatedString(from, f, j));
            break;
          case FieldDescriptor::CPPTYPE_MESSAGE:
            rt->AddMessage(to, f)->CopyFrom(rf->GetRepeatedMessage(from, f, j));
            break;
          case FieldDescriptor::CPPTYPE_ENUM:
            rt->AddEnumValue(to, f, rf->GetRepeatedEnumValue(from, f, j));
            break;
          default:
            break;
        }
      }
    } else if (rf->HasField(from, f) && !rt->HasField(*to, f)) {
      // proto3 scalars "have" a field when it is not the default.
      if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
        rt->MutableMessage(to, f)->CopyFrom(rf->GetMessage(from, f));
      } else {
        switch (f->cpp_type()) {
          case FieldDescriptor::CPPTYPE_STRING:
            rt->SetString(to, f, rf->GetString(from, f));
            break;
          case FieldDescriptor::CPPTYPE_ENUM:
            rt->SetEnumValue(to, f, rf->GetEnumValue(from, f));
            break;
          case FieldDescriptor::CPPTYPE_INT32:
            rt->SetInt32(to, f, rf->GetInt32(from, f));
            break;
          case FieldDescriptor::CPPTYPE_UINT32:
            rt->SetUInt32(to, f, rf->GetUInt32(from, f));
            break;
          case FieldDescriptor::CPPTYPE_INT64:
            rt->SetInt64(to, f, rf->GetInt64(from, f));
            break;
          case FieldDescriptor::CPPTYPE_UINT64:
            rt->SetUInt64(to, f, rf->GetUInt64(from, f));
            break;
          case FieldDescriptor::CPPTYPE_BOOL:
            rt->SetBool(to, f, rf->GetBool(from, f));
            break;
          case FieldDescriptor::CPPTYPE_DOUBLE:
            rt->SetDouble(to, f, rf->GetDouble(from, f));
            break;
          case FieldDescriptor::CPPTYPE_FLOAT:
            rt->SetFloat(to, f, rf->GetFloat(from, f));
            break;
          default:
            break;
        }
      }
    }
  }
}

}  // namespace

absl::Status CheckMerge(const v1::CustomerProfile& merged,
                        const v1::CustomerProfile& survivor) {
  if (merged.customer_id().empty()) {
    return absl::FailedPreconditionError(
        "the customer to merge has no events; register it first or leave it");
  }
  if (!merged.merged_into().empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat("customer ", merged.customer_id(),
                     " was already merged into ", merged.merged_into()));
  }
  if (survivor.customer_id().empty()) {
    return absl::NotFoundError(
        "survivor_id: the survivor has no events; register it first");
  }
  if (survivor.customer_id() == merged.customer_id()) {
    return absl::FailedPreconditionError(
        "survivor_id: a customer cannot be merged into itself");
  }
  if (!survivor.merged_into().empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat("survivor_id: customer ", survivor.customer_id(),
                     " was merged into ", survivor.merged_into(),
                     "; merge into ", survivor.merged_into(), " instead"));
  }
  if (survivor.forgotten()) {
    return absl::FailedPreconditionError(
        absl::StrCat("survivor_id: customer ", survivor.customer_id(),
                     " was forgotten (its personal data erased); nothing can "
                     "be merged into it"));
  }
  return absl::OkStatus();
}

void MergeProfileInto(const v1::CustomerProfile& merged, uint64_t position,
                      const google::protobuf::Timestamp& at,
                      v1::CustomerProfile* survivor) {
  v1::CustomerProfile& s = *survivor;
  FillFrom(merged.profile(), s.mutable_profile());
  if (s.kind() == v1::CUSTOMER_KIND_UNSPECIFIED) s.set_kind(merged.kind());
  if (s.owner_id().empty()) {
    s.set_owner_id(merged.owner_id());
    s.set_team(merged.team());
  }
  for (const v1::KeyPerson& person : merged.key_people()) {
    bool known = false;
    for (const v1::KeyPerson& p : s.key_people()) {
      known = known || p.person_id() == person.person_id();
    }
    if (!known) *s.add_key_people() = person;
  }
  if (!s.has_maintenance_plan() && merged.has_maintenance_plan()) {
    *s.mutable_maintenance_plan() = merged.maintenance_plan();
  }

  s.set_contact_count(s.contact_count() + merged.contact_count());
  if (merged.has_last_contact_at() &&
      (!s.has_last_contact_at() ||
       Later(merged.last_contact_at(), s.last_contact_at()))) {
    *s.mutable_last_contact_at() = merged.last_contact_at();
    if (merged.has_next_follow_up()) {
      *s.mutable_next_follow_up() = merged.next_follow_up();
    } else {
      s.clear_next_follow_up();
    }
  }
  s.set_transaction_count(s.transaction_count() + merged.transaction_count());
  if (merged.has_first_transaction_on() &&
      (!s.has_first_transaction_on() ||
       DateNumber(merged.first_transaction_on()) <
           DateNumber(s.first_transaction_on()))) {
    *s.mutable_first_transaction_on() = merged.first_transaction_on();
  }
  if (merged.has_last_transaction_on() &&
      (!s.has_last_transaction_on() ||
       DateNumber(merged.last_transaction_on()) >
           DateNumber(s.last_transaction_on()))) {
    *s.mutable_last_transaction_on() = merged.last_transaction_on();
  }
  for (const v1::Money& total : merged.total_amounts()) {
    AddToTotals(total, s.mutable_total_amounts());
  }
  s.set_open_opportunity_count(s.open_opportunity_count() +
                               merged.open_opportunity_count());
  s.set_open_service_case_count(s.open_service_case_count() +
                                merged.open_service_case_count());
  s.set_satisfaction_count(s.satisfaction_count() +
                           merged.satisfaction_count());
  s.set_satisfaction_sum(s.satisfaction_sum() + merged.satisfaction_sum());
  s.set_revisit_count(s.revisit_count() + merged.revisit_count());
  if (merged.has_last_revisit_at() &&
      (!s.has_last_revisit_at() ||
       Later(merged.last_revisit_at(), s.last_revisit_at()))) {
    *s.mutable_last_revisit_at() = merged.last_revisit_at();
  }
  for (const auto& [card_no, tier] : merged.active_cards()) {
    s.mutable_active_cards()->insert({card_no, tier});
    if (tier > s.member_tier()) s.set_member_tier(tier);
  }

  v1::MergedCustomer* direct = s.add_merged_from();
  direct->set_customer_id(merged.customer_id());
  direct->set_position(position);
  *direct->mutable_merged_at() = at;
  for (const v1::MergedCustomer& earlier : merged.merged_from()) {
    v1::MergedCustomer* via = s.add_merged_from();
    *via = earlier;
    if (via->via().empty()) via->set_via(merged.customer_id());
  }
  ScoreCompleteness(survivor);
}

}  // namespace ledger::projections
