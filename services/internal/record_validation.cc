#include "services/internal/record_validation.h"

#include <cmath>
#include <string>

#include "absl/strings/str_cat.h"
#include "projections/money.h"
#include "services/internal/validation_util.h"
#include "storage/status_macros.h"

namespace ledger::services::internal {

namespace {

namespace v1 = ::ledger::v1;

absl::Status CheckSameCurrency(const std::string& field, const v1::Money& m,
                               const v1::Money& reference) {
  if (m.currency_code() != reference.currency_code()) {
    return Invalid(Sub(field, "currency_code"),
                   absl::StrCat("is ", m.currency_code(), " but amount is in ",
                                reference.currency_code()));
  }
  return absl::OkStatus();
}

absl::Status ValidateTransaction(const std::string& f,
                                 const v1::TransactionRecorded& e,
                                 absl::CivilDay today) {
  LEDGER_RETURN_IF_ERROR(CheckId(Sub(f, "transaction_id"), e.transaction_id()));
  LEDGER_RETURN_IF_ERROR(
      CheckPastDate(Sub(f, "date"), e.date(), today, "transaction date", true));
  if (!e.has_amount()) return Invalid(Sub(f, "amount"), "is required");
  LEDGER_RETURN_IF_ERROR(CheckMoney(Sub(f, "amount"), e.amount()));
  for (int i = 0; i < e.items_size(); ++i) {
    const v1::LineItem& item = e.items(i);
    const std::string itf = absl::StrCat(f, ".items[", i, "]");
    if (item.product().empty()) {
      return Invalid(Sub(itf, "product"), "is required");
    }
    if (!(item.quantity() > 0) || !std::isfinite(item.quantity())) {
      return Invalid(
          Sub(itf, "quantity"),
          absl::StrCat(item.quantity(), " is not a positive number"));
    }
    if (item.has_unit_price()) {
      LEDGER_RETURN_IF_ERROR(
          CheckMoney(Sub(itf, "unit_price"), item.unit_price()));
      LEDGER_RETURN_IF_ERROR(CheckSameCurrency(Sub(itf, "unit_price"),
                                               item.unit_price(), e.amount()));
    }
  }
  LEDGER_RETURN_IF_ERROR(CheckEnum(Sub(f, "payment_method"), e.payment_method(),
                                   v1::PaymentMethod_IsValid));
  LEDGER_RETURN_IF_ERROR(CheckEnum(Sub(f, "payment_status"), e.payment_status(),
                                   v1::PaymentStatus_IsValid));
  if (e.has_paid_amount()) {
    LEDGER_RETURN_IF_ERROR(CheckMoney(Sub(f, "paid_amount"), e.paid_amount()));
    LEDGER_RETURN_IF_ERROR(
        CheckSameCurrency(Sub(f, "paid_amount"), e.paid_amount(), e.amount()));
    if (projections::MoneyLess(e.amount(), e.paid_amount())) {
      return Invalid(Sub(f, "paid_amount"),
                     absl::StrCat(projections::FormatMoney(e.paid_amount()),
                                  " is more than the amount ",
                                  projections::FormatMoney(e.amount())));
    }
  }
  return absl::OkStatus();
}

absl::Status ValidatePayment(const std::string& f,
                             const v1::PaymentRecorded& e) {
  LEDGER_RETURN_IF_ERROR(CheckId(Sub(f, "transaction_id"), e.transaction_id()));
  LEDGER_RETURN_IF_ERROR(CheckRequiredEnum(
      Sub(f, "payment_status"), e.payment_status(), v1::PaymentStatus_IsValid));
  if (e.has_paid_amount()) {
    LEDGER_RETURN_IF_ERROR(CheckMoney(Sub(f, "paid_amount"), e.paid_amount()));
  }
  return absl::OkStatus();
}

bool Closes(v1::OpportunityStage stage) {
  return stage == v1::OPPORTUNITY_STAGE_WON ||
         stage == v1::OPPORTUNITY_STAGE_LOST;
}

absl::Status ValidateOpportunity(const std::string& f,
                                 const v1::OpportunityOpened& e) {
  LEDGER_RETURN_IF_ERROR(CheckId(Sub(f, "opportunity_id"), e.opportunity_id()));
  if (e.title().empty()) return Invalid(Sub(f, "title"), "is required");
  if (e.has_expected_amount()) {
    LEDGER_RETURN_IF_ERROR(
        CheckMoney(Sub(f, "expected_amount"), e.expected_amount()));
  }
  if (e.has_expected_close()) {
    LEDGER_RETURN_IF_ERROR(
        CheckDate(Sub(f, "expected_close"), e.expected_close()));
  }
  LEDGER_RETURN_IF_ERROR(
      CheckEnum(Sub(f, "stage"), e.stage(), v1::OpportunityStage_IsValid));
  if (Closes(e.stage())) {
    return Invalid(Sub(f, "stage"),
                   "an opportunity opens in an open stage; record WON or "
                   "LOST with OpportunityStageChanged");
  }
  return absl::OkStatus();
}

absl::Status ValidateStageChange(const std::string& f,
                                 const v1::OpportunityStageChanged& e) {
  LEDGER_RETURN_IF_ERROR(CheckId(Sub(f, "opportunity_id"), e.opportunity_id()));
  LEDGER_RETURN_IF_ERROR(CheckRequiredEnum(Sub(f, "stage"), e.stage(),
                                           v1::OpportunityStage_IsValid));
  const bool lost = e.stage() == v1::OPPORTUNITY_STAGE_LOST;
  if (lost && e.lost_reason().empty()) {
    return Invalid(Sub(f, "lost_reason"),
                   "is required for LOST: why did we lose it?");
  }
  if (!lost && !e.lost_reason().empty()) {
    return Invalid(Sub(f, "lost_reason"), "is only for stage LOST");
  }
  if (e.has_expected_amount()) {
    LEDGER_RETURN_IF_ERROR(
        CheckMoney(Sub(f, "expected_amount"), e.expected_amount()));
  }
  if (e.has_expected_close()) {
    LEDGER_RETURN_IF_ERROR(
        CheckDate(Sub(f, "expected_close"), e.expected_close()));
  }
  return absl::OkStatus();
}

absl::Status ValidateRevisit(const std::string& f, const v1::RevisitLogged& e) {
  if (!e.case_id().empty()) {
    LEDGER_RETURN_IF_ERROR(CheckId(Sub(f, "case_id"), e.case_id()));
  }
  LEDGER_RETURN_IF_ERROR(
      CheckEnum(Sub(f, "channel"), e.channel(), v1::ContactChannel_IsValid));
  if (e.satisfaction() < 1 || e.satisfaction() > 5) {
    return Invalid(Sub(f, "satisfaction"),
                   absl::StrCat(e.satisfaction(),
                                " is not a score from 1 (very unhappy) to 5 "
                                "(very happy)"));
  }
  return absl::OkStatus();
}

absl::Status ValidateCardIssued(const std::string& f,
                                const v1::MemberCardIssued& e) {
  LEDGER_RETURN_IF_ERROR(CheckId(Sub(f, "card_no"), e.card_no()));
  LEDGER_RETURN_IF_ERROR(
      CheckRequiredEnum(Sub(f, "tier"), e.tier(), v1::MemberTier_IsValid));
  LEDGER_RETURN_IF_ERROR(CheckDate(Sub(f, "valid_from"), e.valid_from()));
  LEDGER_RETURN_IF_ERROR(CheckDate(Sub(f, "valid_until"), e.valid_until()));
  const absl::CivilDay from(e.valid_from().year(), e.valid_from().month(),
                            e.valid_from().day());
  const absl::CivilDay until(e.valid_until().year(), e.valid_until().month(),
                             e.valid_until().day());
  if (until <= from) {
    return Invalid(
        Sub(f, "valid_until"),
        absl::StrCat(absl::FormatCivilTime(until), " is not after valid_from ",
                     absl::FormatCivilTime(from)));
  }
  return absl::OkStatus();
}

absl::Status ValidateCardChanged(const std::string& f,
                                 const v1::MemberCardChanged& e,
                                 absl::CivilDay today) {
  LEDGER_RETURN_IF_ERROR(CheckId(Sub(f, "card_no"), e.card_no()));
  LEDGER_RETURN_IF_ERROR(CheckRequiredEnum(Sub(f, "action"), e.action(),
                                           v1::MemberCardAction_IsValid));
  switch (e.action()) {
    case v1::MEMBER_CARD_ACTION_RENEW: {
      LEDGER_RETURN_IF_ERROR(CheckDate(Sub(f, "valid_until"), e.valid_until()));
      // `today` is the latest day anywhere; two days earlier is past
      // everywhere.
      const absl::CivilDay until(e.valid_until().year(),
                                 e.valid_until().month(),
                                 e.valid_until().day());
      if (until < today - 2) {
        return Invalid(Sub(f, "valid_until"),
                       absl::StrCat(absl::FormatCivilTime(until),
                                    " has already passed; a renewal extends "
                                    "the card into the future"));
      }
      return absl::OkStatus();
    }
    case v1::MEMBER_CARD_ACTION_UPGRADE:
    case v1::MEMBER_CARD_ACTION_DOWNGRADE:
      return CheckRequiredEnum(Sub(f, "tier"), e.tier(),
                               v1::MemberTier_IsValid);
    case v1::MEMBER_CARD_ACTION_REISSUE:
      LEDGER_RETURN_IF_ERROR(CheckId(Sub(f, "new_card_no"), e.new_card_no()));
      if (e.new_card_no() == e.card_no()) {
        return Invalid(Sub(f, "new_card_no"),
                       "must differ from card_no: a reissued card gets a new "
                       "number");
      }
      return absl::OkStatus();
    default:
      return absl::OkStatus();
  }
}

}  // namespace

absl::Status ValidateRecordPayload(absl::string_view field,
                                   const v1::EventPayload& payload,
                                   absl::CivilDay today) {
  const std::string f = absl::StrCat(field, ".");
  switch (payload.kind_case()) {
    case v1::EventPayload::kTransactionRecorded:
      return ValidateTransaction(f + "transaction_recorded",
                                 payload.transaction_recorded(), today);
    case v1::EventPayload::kPaymentRecorded:
      return ValidatePayment(f + "payment_recorded",
                             payload.payment_recorded());
    case v1::EventPayload::kOpportunityOpened:
      return ValidateOpportunity(f + "opportunity_opened",
                                 payload.opportunity_opened());
    case v1::EventPayload::kOpportunityStageChanged:
      return ValidateStageChange(f + "opportunity_stage_changed",
                                 payload.opportunity_stage_changed());
    case v1::EventPayload::kServiceCaseOpened: {
      const auto& e = payload.service_case_opened();
      const std::string sf = f + "service_case_opened";
      LEDGER_RETURN_IF_ERROR(CheckId(Sub(sf, "case_id"), e.case_id()));
      LEDGER_RETURN_IF_ERROR(CheckRequiredEnum(Sub(sf, "kind"), e.kind(),
                                               v1::ServiceCaseKind_IsValid));
      if (e.subject().empty())
        return Invalid(Sub(sf, "subject"), "is required");
      return absl::OkStatus();
    }
    case v1::EventPayload::kServiceCaseUpdated: {
      const auto& e = payload.service_case_updated();
      const std::string sf = f + "service_case_updated";
      LEDGER_RETURN_IF_ERROR(CheckId(Sub(sf, "case_id"), e.case_id()));
      return CheckRequiredEnum(Sub(sf, "status"), e.status(),
                               v1::ServiceCaseStatus_IsValid);
    }
    case v1::EventPayload::kRevisitLogged:
      return ValidateRevisit(f + "revisit_logged", payload.revisit_logged());
    case v1::EventPayload::kMemberCardIssued:
      return ValidateCardIssued(f + "member_card_issued",
                                payload.member_card_issued());
    case v1::EventPayload::kMemberCardChanged:
      return ValidateCardChanged(f + "member_card_changed",
                                 payload.member_card_changed(), today);
    default:
      return Invalid(field, "is not a record event");
  }
}

}  // namespace ledger::services::internal
