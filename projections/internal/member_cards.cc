#include "projections/internal/member_cards.h"

#include <algorithm>
#include <string>

#include "projections/internal/record_util.h"

namespace ledger::projections::internal {

namespace {

namespace v1 = ::ledger::v1;

void AddHistory(const v1::Event& event, v1::MemberCardAction action,
                v1::MemberCard* card) {
  v1::MemberCardChange* change = card->add_history();
  change->set_position(event.position());
  *change->mutable_at() = event.metadata().occurred_at();
  change->set_by(event.metadata().actor());
  change->set_action(action);
  change->set_tier(card->tier());
  *change->mutable_valid_until() = card->valid_until();
}

void SetActive(const v1::MemberCard& card, v1::CustomerProfile* profile) {
  auto& active = *profile->mutable_active_cards();
  if (card.status() == v1::MEMBER_CARD_STATUS_ACTIVE) {
    active[card.card_no()] = card.tier();
  } else {
    active.erase(card.card_no());
  }
  v1::MemberTier best = v1::MEMBER_TIER_UNSPECIFIED;
  for (const auto& [card_no, tier] : active) best = std::max(best, tier);
  profile->set_member_tier(best);
}

absl::Status CheckNewNumber(RecordStore& records, absl::string_view field,
                            const std::string& card_no) {
  v1::MemberCard existing;
  absl::Status found =
      LoadRecord(records, RecordKind::kMemberCard, card_no, &existing);
  if (found.ok()) {
    return Refuse(field, ": card \"", card_no, "\" already exists (",
                  v1::MemberCardStatus_Name(existing.status()), ")");
  }
  return absl::IsNotFound(found) ? absl::OkStatus() : found;
}

}  // namespace

absl::Status IssueCard(const v1::Event& event, RecordStore& records,
                       v1::CustomerProfile* profile) {
  const auto& e = event.payload().member_card_issued();
  if (absl::Status s =
          CheckNewNumber(records, "member_card_issued.card_no", e.card_no());
      !s.ok()) {
    return s;
  }
  v1::MemberCard card;
  card.set_card_no(e.card_no());
  card.set_tier(e.tier());
  card.set_status(v1::MEMBER_CARD_STATUS_ACTIVE);
  *card.mutable_valid_from() = e.valid_from();
  *card.mutable_valid_until() = e.valid_until();
  AddHistory(event, v1::MEMBER_CARD_ACTION_UNSPECIFIED, &card);
  StoreRecord(records, RecordKind::kMemberCard, card.card_no(), card);
  SetActive(card, profile);
  return absl::OkStatus();
}

absl::Status ChangeCard(const v1::Event& event, RecordStore& records,
                        v1::CustomerProfile* profile) {
  const auto& e = event.payload().member_card_changed();
  v1::MemberCard card;
  absl::Status found =
      LoadRecord(records, RecordKind::kMemberCard, e.card_no(), &card);
  if (absl::IsNotFound(found)) {
    return Refuse("member_card_changed.card_no: \"", e.card_no(),
                  "\" is not a member card of customer ", event.customer_id());
  }
  if (!found.ok()) return found;
  const std::string action = v1::MemberCardAction_Name(e.action());
  const v1::MemberCardStatus status = card.status();
  auto refuse_status = [&]() {
    return Refuse("member_card_changed.action: ", action,
                  " is not possible: card \"", card.card_no(), "\" is ",
                  v1::MemberCardStatus_Name(status),
                  card.replaced_by().empty()
                      ? std::string()
                      : absl::StrCat(" by \"", card.replaced_by(), "\""));
  };
  const bool active = status == v1::MEMBER_CARD_STATUS_ACTIVE;
  const bool lost = status == v1::MEMBER_CARD_STATUS_LOST;
  switch (e.action()) {
    case v1::MEMBER_CARD_ACTION_RENEW:
      if (!active) return refuse_status();
      if (!DateLess(card.valid_until(), e.valid_until())) {
        return Refuse(
            "member_card_changed.valid_until: ", DateText(e.valid_until()),
            " does not extend the card, valid until ",
            DateText(card.valid_until()));
      }
      *card.mutable_valid_until() = e.valid_until();
      break;
    case v1::MEMBER_CARD_ACTION_REPORT_LOST:
      if (!active) return refuse_status();
      card.set_status(v1::MEMBER_CARD_STATUS_LOST);
      break;
    case v1::MEMBER_CARD_ACTION_FOUND:
      if (!lost) return refuse_status();
      card.set_status(v1::MEMBER_CARD_STATUS_ACTIVE);
      break;
    case v1::MEMBER_CARD_ACTION_REISSUE: {
      if (!active && !lost) return refuse_status();
      if (absl::Status s = CheckNewNumber(
              records, "member_card_changed.new_card_no", e.new_card_no());
          !s.ok()) {
        return s;
      }
      v1::MemberCard reissued;
      reissued.set_card_no(e.new_card_no());
      reissued.set_tier(card.tier());
      reissued.set_status(v1::MEMBER_CARD_STATUS_ACTIVE);
      *reissued.mutable_valid_from() = card.valid_from();
      *reissued.mutable_valid_until() = card.valid_until();
      reissued.set_replaces(card.card_no());
      AddHistory(event, e.action(), &reissued);
      StoreRecord(records, RecordKind::kMemberCard, reissued.card_no(),
                  reissued);
      SetActive(reissued, profile);
      card.set_status(v1::MEMBER_CARD_STATUS_REPLACED);
      card.set_replaced_by(e.new_card_no());
      break;
    }
    case v1::MEMBER_CARD_ACTION_UPGRADE:
    case v1::MEMBER_CARD_ACTION_DOWNGRADE: {
      if (!active) return refuse_status();
      const bool up = e.action() == v1::MEMBER_CARD_ACTION_UPGRADE;
      if (up ? e.tier() <= card.tier() : e.tier() >= card.tier()) {
        return Refuse(
            "member_card_changed.tier: ", v1::MemberTier_Name(e.tier()),
            " is not ", up ? "above" : "below", " the card's tier ",
            v1::MemberTier_Name(card.tier()));
      }
      card.set_tier(e.tier());
      break;
    }
    case v1::MEMBER_CARD_ACTION_CANCEL:
      if (!active && !lost) return refuse_status();
      card.set_status(v1::MEMBER_CARD_STATUS_CANCELLED);
      break;
    default:
      return Refuse("member_card_changed.action: ", action,
                    " is not an action");  // validation refuses it earlier
  }
  AddHistory(event, e.action(), &card);
  StoreRecord(records, RecordKind::kMemberCard, card.card_no(), card);
  SetActive(card, profile);
  return absl::OkStatus();
}

}  // namespace ledger::projections::internal
