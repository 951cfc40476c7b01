#include "projections/customer_records.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "projections/internal/member_cards.h"
#include "projections/internal/record_util.h"
#include "projections/money.h"

namespace ledger::projections {

namespace {

namespace v1 = ::ledger::v1;

using internal::DateLess;
using internal::Refuse;
using internal::StoreRecord;
using internal::TimeText;

template <typename Record>
absl::Status Load(RecordStore& records, RecordKind kind, absl::string_view id,
                  Record* out) {
  return internal::LoadRecord(records, kind, id, out);
}

void Store(RecordStore& records, RecordKind kind, absl::string_view id,
           const google::protobuf::Message& record) {
  StoreRecord(records, kind, id, record);
}

std::string Since(const google::protobuf::Timestamp& at) {
  return TimeText(at);
}

absl::Status RecordTransaction(const v1::Event& event, RecordStore& records,
                               v1::CustomerProfile* profile) {
  const auto& e = event.payload().transaction_recorded();
  v1::Transaction existing;
  absl::Status found =
      Load(records, RecordKind::kTransaction, e.transaction_id(), &existing);
  if (found.ok()) {
    return Refuse("transaction_recorded.transaction_id: \"", e.transaction_id(),
                  "\" was already recorded at position ", existing.position(),
                  "; record a payment with PaymentRecorded or use a new id");
  }
  if (!absl::IsNotFound(found)) return found;
  v1::Transaction t;
  *t.mutable_details() = e;
  if (e.payment_status() == v1::PAYMENT_STATUS_UNSPECIFIED) {
    t.mutable_details()->set_payment_status(v1::PAYMENT_STATUS_UNPAID);
  }
  t.set_position(event.position());
  *t.mutable_recorded_at() = event.metadata().occurred_at();
  t.set_recorded_by(event.metadata().actor());
  Store(records, RecordKind::kTransaction, e.transaction_id(), t);

  profile->set_transaction_count(profile->transaction_count() + 1);
  if (!profile->has_first_transaction_on() ||
      DateLess(e.date(), profile->first_transaction_on())) {
    *profile->mutable_first_transaction_on() = e.date();
  }
  if (!profile->has_last_transaction_on() ||
      DateLess(profile->last_transaction_on(), e.date())) {
    *profile->mutable_last_transaction_on() = e.date();
  }
  if (t.details().payment_status() != v1::PAYMENT_STATUS_REFUNDED) {
    AddToTotals(e.amount(), profile->mutable_total_amounts());
  }
  return absl::OkStatus();
}

absl::Status RecordPayment(const v1::Event& event, RecordStore& records,
                           v1::CustomerProfile* profile) {
  const auto& e = event.payload().payment_recorded();
  v1::Transaction t;
  absl::Status found =
      Load(records, RecordKind::kTransaction, e.transaction_id(), &t);
  if (absl::IsNotFound(found)) {
    return Refuse("payment_recorded.transaction_id: \"", e.transaction_id(),
                  "\" is not a transaction of customer ", event.customer_id());
  }
  if (!found.ok()) return found;
  v1::TransactionRecorded* d = t.mutable_details();
  if (d->payment_status() == v1::PAYMENT_STATUS_REFUNDED) {
    return Refuse("payment_recorded: transaction \"", e.transaction_id(),
                  "\" is refunded; it takes no further payments");
  }
  if (e.has_paid_amount()) {
    if (e.paid_amount().currency_code() != d->amount().currency_code()) {
      return Refuse("payment_recorded.paid_amount: currency ",
                    e.paid_amount().currency_code(),
                    " differs from the transaction's ",
                    d->amount().currency_code());
    }
    if (MoneyLess(d->amount(), e.paid_amount())) {
      return Refuse(
          "payment_recorded.paid_amount: ", FormatMoney(e.paid_amount()),
          " is more than the transaction amount ", FormatMoney(d->amount()));
    }
    *d->mutable_paid_amount() = e.paid_amount();
  }
  if (e.payment_status() == v1::PAYMENT_STATUS_REFUNDED) {
    SubtractFromTotals(d->amount(), profile->mutable_total_amounts());
  }
  d->set_payment_status(e.payment_status());
  if (!e.invoice_no().empty()) d->set_invoice_no(e.invoice_no());
  v1::PaymentChange* change = t.add_payments();
  change->set_position(event.position());
  *change->mutable_at() = event.metadata().occurred_at();
  change->set_by(event.metadata().actor());
  change->set_payment_status(e.payment_status());
  *change->mutable_paid_amount() = d->paid_amount();
  Store(records, RecordKind::kTransaction, e.transaction_id(), t);
  return absl::OkStatus();
}

void AddStage(const v1::Event& event, v1::OpportunityStage stage,
              absl::string_view reason, v1::Opportunity* o) {
  v1::StageChange* change = o->add_history();
  change->set_position(event.position());
  *change->mutable_at() = event.metadata().occurred_at();
  change->set_by(event.metadata().actor());
  change->set_stage(stage);
  change->set_reason(std::string(reason));
}

absl::Status OpenOpportunity(const v1::Event& event, RecordStore& records,
                             v1::CustomerProfile* profile) {
  const auto& e = event.payload().opportunity_opened();
  v1::Opportunity o;
  absl::Status found =
      Load(records, RecordKind::kOpportunity, e.opportunity_id(), &o);
  if (found.ok()) {
    return Refuse("opportunity_opened.opportunity_id: \"", e.opportunity_id(),
                  "\" exists since ", Since(o.opened_at()));
  }
  if (!absl::IsNotFound(found)) return found;
  *o.mutable_details() = e;
  if (e.owner_id().empty())
    o.mutable_details()->set_owner_id(profile->owner_id());
  o.set_stage(e.stage() == v1::OPPORTUNITY_STAGE_UNSPECIFIED
                  ? v1::OPPORTUNITY_STAGE_FIRST_CONTACT
                  : e.stage());
  o.mutable_details()->set_stage(o.stage());
  *o.mutable_opened_at() = event.metadata().occurred_at();
  AddStage(event, o.stage(), event.metadata().reason(), &o);
  Store(records, RecordKind::kOpportunity, e.opportunity_id(), o);
  profile->set_open_opportunity_count(profile->open_opportunity_count() + 1);
  return absl::OkStatus();
}

absl::Status ChangeStage(const v1::Event& event, RecordStore& records,
                         v1::CustomerProfile* profile) {
  const auto& e = event.payload().opportunity_stage_changed();
  v1::Opportunity o;
  absl::Status found =
      Load(records, RecordKind::kOpportunity, e.opportunity_id(), &o);
  if (absl::IsNotFound(found)) {
    return Refuse("opportunity_stage_changed.opportunity_id: \"",
                  e.opportunity_id(), "\" is not an opportunity of customer ",
                  event.customer_id());
  }
  if (!found.ok()) return found;
  if (o.closed()) {
    return Refuse("opportunity_stage_changed: opportunity \"",
                  e.opportunity_id(), "\" is closed (",
                  v1::OpportunityStage_Name(o.stage()), " since ",
                  Since(o.closed_at()), "); open a new opportunity instead");
  }
  if (e.stage() == o.stage()) {
    return Refuse("opportunity_stage_changed.stage: opportunity \"",
                  e.opportunity_id(), "\" is already in ",
                  v1::OpportunityStage_Name(o.stage()));
  }
  o.set_stage(e.stage());
  if (e.has_expected_amount()) {
    *o.mutable_details()->mutable_expected_amount() = e.expected_amount();
  }
  if (e.has_expected_close()) {
    *o.mutable_details()->mutable_expected_close() = e.expected_close();
  }
  const bool closes = e.stage() == v1::OPPORTUNITY_STAGE_WON ||
                      e.stage() == v1::OPPORTUNITY_STAGE_LOST;
  if (closes) {
    o.set_closed(true);
    *o.mutable_closed_at() = event.metadata().occurred_at();
    o.set_lost_reason(e.lost_reason());
    profile->set_open_opportunity_count(profile->open_opportunity_count() - 1);
  }
  AddStage(
      event, e.stage(),
      e.lost_reason().empty() ? event.metadata().reason() : e.lost_reason(),
      &o);
  Store(records, RecordKind::kOpportunity, e.opportunity_id(), o);
  return absl::OkStatus();
}

bool IsOpenCase(v1::ServiceCaseStatus s) {
  return s == v1::SERVICE_CASE_STATUS_OPEN ||
         s == v1::SERVICE_CASE_STATUS_IN_PROGRESS;
}

void AddCaseStatus(const v1::Event& event, v1::ServiceCaseStatus status,
                   absl::string_view note, v1::ServiceCase* c) {
  v1::CaseStatusChange* change = c->add_history();
  change->set_position(event.position());
  *change->mutable_at() = event.metadata().occurred_at();
  change->set_by(event.metadata().actor());
  change->set_status(status);
  change->set_note(std::string(note));
}

absl::Status OpenCase(const v1::Event& event, RecordStore& records,
                      v1::CustomerProfile* profile) {
  const auto& e = event.payload().service_case_opened();
  v1::ServiceCase c;
  absl::Status found = Load(records, RecordKind::kServiceCase, e.case_id(), &c);
  if (found.ok()) {
    return Refuse("service_case_opened.case_id: \"", e.case_id(),
                  "\" exists since ", Since(c.opened_at()));
  }
  if (!absl::IsNotFound(found)) return found;
  *c.mutable_details() = e;
  c.set_status(v1::SERVICE_CASE_STATUS_OPEN);
  *c.mutable_opened_at() = event.metadata().occurred_at();
  AddCaseStatus(event, c.status(), e.subject(), &c);
  Store(records, RecordKind::kServiceCase, e.case_id(), c);
  profile->set_open_service_case_count(profile->open_service_case_count() + 1);
  return absl::OkStatus();
}

// open → in progress → resolved → closed; resolved may go back to in
// progress (reopened); closed is final. Staying in a status is an update
// (reassignment, a note).
bool CaseTransitionAllowed(v1::ServiceCaseStatus from,
                           v1::ServiceCaseStatus to) {
  if (from == to) return true;
  switch (to) {
    case v1::SERVICE_CASE_STATUS_IN_PROGRESS:
      return from == v1::SERVICE_CASE_STATUS_OPEN ||
             from == v1::SERVICE_CASE_STATUS_RESOLVED;
    case v1::SERVICE_CASE_STATUS_RESOLVED:
    case v1::SERVICE_CASE_STATUS_CLOSED:
      return true;
    default:
      return false;  // nothing goes back to OPEN
  }
}

absl::Status UpdateCase(const v1::Event& event, RecordStore& records,
                        v1::CustomerProfile* profile) {
  const auto& e = event.payload().service_case_updated();
  v1::ServiceCase c;
  absl::Status found = Load(records, RecordKind::kServiceCase, e.case_id(), &c);
  if (absl::IsNotFound(found)) {
    return Refuse("service_case_updated.case_id: \"", e.case_id(),
                  "\" is not a service case of customer ", event.customer_id());
  }
  if (!found.ok()) return found;
  if (c.status() == v1::SERVICE_CASE_STATUS_CLOSED) {
    return Refuse("service_case_updated: case \"", e.case_id(),
                  "\" is closed since ", Since(c.closed_at()),
                  "; open a new case instead");
  }
  if (!CaseTransitionAllowed(c.status(), e.status())) {
    return Refuse("service_case_updated.status: case \"", e.case_id(),
                  "\" cannot go from ", v1::ServiceCaseStatus_Name(c.status()),
                  " to ", v1::ServiceCaseStatus_Name(e.status()));
  }
  const bool was_open = IsOpenCase(c.status());
  c.set_status(e.status());
  c.set_handled_by(e.handled_by().empty() ? event.metadata().actor()
                                          : e.handled_by());
  if (!e.resolution().empty()) c.set_resolution(e.resolution());
  if (!e.assigned_to().empty()) {
    c.mutable_details()->set_assigned_to(e.assigned_to());
  }
  if (e.status() == v1::SERVICE_CASE_STATUS_RESOLVED) {
    *c.mutable_resolved_at() = event.metadata().occurred_at();
  } else if (e.status() == v1::SERVICE_CASE_STATUS_CLOSED) {
    *c.mutable_closed_at() = event.metadata().occurred_at();
  }
  AddCaseStatus(
      event, e.status(),
      e.resolution().empty() ? event.metadata().reason() : e.resolution(), &c);
  Store(records, RecordKind::kServiceCase, e.case_id(), c);
  const bool is_open = IsOpenCase(c.status());
  if (was_open != is_open) {
    profile->set_open_service_case_count(profile->open_service_case_count() +
                                         (is_open ? 1 : -1));
  }
  return absl::OkStatus();
}

absl::Status RevisitCase(const v1::Event& event, RecordStore& records) {
  const auto& e = event.payload().revisit_logged();
  if (e.case_id().empty()) return absl::OkStatus();
  v1::ServiceCase c;
  absl::Status found = Load(records, RecordKind::kServiceCase, e.case_id(), &c);
  if (absl::IsNotFound(found)) {
    return Refuse("revisit_logged.case_id: \"", e.case_id(),
                  "\" is not a service case of customer ", event.customer_id());
  }
  if (!found.ok()) return found;
  c.add_satisfaction_scores(e.satisfaction());
  Store(records, RecordKind::kServiceCase, e.case_id(), c);
  return absl::OkStatus();
}

}  // namespace

absl::Status MemoryRecordStore::Get(RecordKind kind, absl::string_view id,
                                    std::string* value) {
  auto it =
      records_.find(absl::StrCat(std::string(1, static_cast<char>(kind)), id));
  if (it == records_.end()) return absl::NotFoundError("no such record");
  *value = it->second;
  return absl::OkStatus();
}

void MemoryRecordStore::Put(RecordKind kind, absl::string_view id,
                            absl::string_view value) {
  records_[absl::StrCat(std::string(1, static_cast<char>(kind)), id)] =
      std::string(value);
}

absl::Status FoldRecords(const v1::Event& event, RecordStore& records,
                         v1::CustomerProfile* profile) {
  switch (event.payload().kind_case()) {
    case v1::EventPayload::kTransactionRecorded:
      return RecordTransaction(event, records, profile);
    case v1::EventPayload::kPaymentRecorded:
      return RecordPayment(event, records, profile);
    case v1::EventPayload::kOpportunityOpened:
      return OpenOpportunity(event, records, profile);
    case v1::EventPayload::kOpportunityStageChanged:
      return ChangeStage(event, records, profile);
    case v1::EventPayload::kServiceCaseOpened:
      return OpenCase(event, records, profile);
    case v1::EventPayload::kServiceCaseUpdated:
      return UpdateCase(event, records, profile);
    case v1::EventPayload::kRevisitLogged:
      return RevisitCase(event, records);
    case v1::EventPayload::kMemberCardIssued:
      return internal::IssueCard(event, records, profile);
    case v1::EventPayload::kMemberCardChanged:
      return internal::ChangeCard(event, records, profile);
    default:
      return absl::OkStatus();
  }
}

absl::Status CheckKeyPeople(const v1::Event& event,
                            const v1::CustomerProfile& profile) {
  auto known = [&](const std::string& id) {
    return std::any_of(
        profile.key_people().begin(), profile.key_people().end(),
        [&](const v1::KeyPerson& p) { return p.person_id() == id; });
  };
  const v1::EventPayload& payload = event.payload();
  if (payload.has_key_person_removed() &&
      !known(payload.key_person_removed().person_id())) {
    return Refuse("key_person_removed.person_id: \"",
                  payload.key_person_removed().person_id(),
                  "\" is not a key person of customer ", event.customer_id());
  }
  if (payload.has_contact_logged()) {
    const auto& participants = payload.contact_logged().participants();
    for (int i = 0; i < participants.size(); ++i) {
      const std::string& id = participants[i].key_person_id();
      if (!id.empty() && !known(id)) {
        return Refuse("contact_logged.participants[", i, "].key_person_id: \"",
                      id, "\" is not a key person of customer ",
                      event.customer_id(), "; save it with KeyPersonSaved");
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace ledger::projections
