#include "tools/ledgerctl/output.h"

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <iostream>

#include "google/protobuf/util/json_util.h"

namespace ledger::ctl {

namespace {

// Decodes one UTF-8 code point at s[*i], advancing *i; invalid bytes count
// as one column.
uint32_t NextCodePoint(const std::string& s, size_t* i) {
  const unsigned char c = static_cast<unsigned char>(s[*i]);
  int len = c < 0x80           ? 1
            : (c >> 5) == 0x6  ? 2
            : (c >> 4) == 0xe  ? 3
            : (c >> 3) == 0x1e ? 4
                               : 1;
  if (*i + len > s.size()) len = 1;
  uint32_t cp = len == 1 ? c : c & (0x7f >> len);
  for (int k = 1; k < len; ++k) {
    cp = (cp << 6) | (static_cast<unsigned char>(s[*i + k]) & 0x3f);
  }
  *i += len;
  return cp;
}

// East Asian wide characters take two terminal columns.
int Columns(uint32_t cp) {
  if (cp < 0x1100) return 1;
  if ((cp <= 0x115f) || (cp >= 0x2e80 && cp <= 0xa4cf) ||
      (cp >= 0xac00 && cp <= 0xd7a3) || (cp >= 0xf900 && cp <= 0xfaff) ||
      (cp >= 0xfe30 && cp <= 0xfe4f) || (cp >= 0xff00 && cp <= 0xff60) ||
      (cp >= 0xffe0 && cp <= 0xffe6) || (cp >= 0x1f300 && cp <= 0x1faff) ||
      (cp >= 0x20000 && cp <= 0x3fffd)) {
    return 2;
  }
  return 1;
}

size_t DisplayWidth(const std::string& s) {
  size_t width = 0;
  for (size_t i = 0; i < s.size();) width += Columns(NextCodePoint(s, &i));
  return width;
}

std::string Summary(const ledger::v1::EventPayload& payload) {
  using ledger::v1::EventPayload;
  switch (payload.kind_case()) {
    case EventPayload::kCustomerRegistered:
      return payload.customer_registered().profile().name();
    case EventPayload::kProfileUpdated: {
      std::string paths;
      for (const auto& p : payload.profile_updated().update_mask().paths()) {
        paths += (paths.empty() ? "" : ",") + p;
      }
      return "fields: " + paths;
    }
    case EventPayload::kContactLogged: {
      const auto& c = payload.contact_logged();
      std::string channel = ledger::v1::ContactChannel_Name(c.channel());
      channel = channel.substr(std::string("CONTACT_CHANNEL_").size());
      return channel + ": " + c.content();
    }
    case EventPayload::kCustomerClassified: {
      const auto& c = payload.customer_classified();
      std::string out;
      if (c.grade() != 0)
        out += "grade " + ledger::v1::Grade_Name(c.grade()).substr(6) + " ";
      if (c.lifecycle_stage() != 0) {
        out += ledger::v1::LifecycleStage_Name(c.lifecycle_stage()).substr(16) +
               " ";
      }
      if (c.value_tier() != 0) {
        out +=
            Short(ledger::v1::ValueTier_Name(c.value_tier()), "VALUE_TIER_") +
            " ";
      }
      for (const auto& t : c.tags_added()) out += "+" + t + " ";
      for (const auto& t : c.tags_removed()) out += "-" + t + " ";
      for (int d : c.cleared()) {
        out += "cleared " +
               Short(ledger::v1::ClassificationDimension_Name(
                         static_cast<ledger::v1::ClassificationDimension>(d)),
                     "CLASSIFICATION_DIMENSION_") +
               " ";
      }
      if (!c.by_rule().empty()) out += "(rule " + c.by_rule() + ")";
      return out;
    }
    case EventPayload::kOwnerAssigned:
      return "owner " + payload.owner_assigned().owner_id();
    case EventPayload::kCustomerArchived:
      return "archived";
    case EventPayload::kCustomerForgotten:
      return "forgotten: personal data erased";
    case EventPayload::kConsentRecorded: {
      const auto& c = payload.consent_recorded();
      return std::string(c.granted() ? "consent granted: "
                                     : "consent "
                                       "withdrawn: ") +
             c.purpose();
    }
    case EventPayload::kKeyPersonSaved: {
      const auto& p = payload.key_person_saved().person();
      return "key person " + p.person_id() + ": " + p.name() +
             (p.title().empty() ? "" : " (" + p.title() + ")");
    }
    case EventPayload::kKeyPersonRemoved:
      return "key person " + payload.key_person_removed().person_id() +
             " removed";
    case EventPayload::kTransactionRecorded: {
      const auto& t = payload.transaction_recorded();
      return "transaction " + t.transaction_id() + ": " + MoneyText(t.amount());
    }
    case EventPayload::kPaymentRecorded: {
      const auto& p = payload.payment_recorded();
      return "payment " + p.transaction_id() + ": " +
             Short(ledger::v1::PaymentStatus_Name(p.payment_status()),
                   "PAYMENT_STATUS_");
    }
    case EventPayload::kOpportunityOpened:
      return "opportunity " + payload.opportunity_opened().opportunity_id() +
             ": " + payload.opportunity_opened().title();
    case EventPayload::kOpportunityStageChanged: {
      const auto& o = payload.opportunity_stage_changed();
      return "opportunity " + o.opportunity_id() + " -> " +
             Short(ledger::v1::OpportunityStage_Name(o.stage()),
                   "OPPORTUNITY_STAGE_");
    }
    case EventPayload::kServiceCaseOpened: {
      const auto& c = payload.service_case_opened();
      return "case " + c.case_id() + " (" +
             Short(ledger::v1::ServiceCaseKind_Name(c.kind()),
                   "SERVICE_CASE_KIND_") +
             "): " + c.subject();
    }
    case EventPayload::kServiceCaseUpdated: {
      const auto& c = payload.service_case_updated();
      return "case " + c.case_id() + " -> " +
             Short(ledger::v1::ServiceCaseStatus_Name(c.status()),
                   "SERVICE_CASE_STATUS_");
    }
    case EventPayload::kRevisitLogged: {
      const auto& r = payload.revisit_logged();
      return "revisit, satisfaction " + std::to_string(r.satisfaction()) +
             (r.case_id().empty() ? "" : " (case " + r.case_id() + ")");
    }
    case EventPayload::kMaintenancePlanSet:
      return "maintenance plan";
    case EventPayload::kMemberCardIssued: {
      const auto& c = payload.member_card_issued();
      return "card " + c.card_no() + " issued, " +
             Short(ledger::v1::MemberTier_Name(c.tier()), "MEMBER_TIER_");
    }
    case EventPayload::kMemberCardChanged: {
      const auto& c = payload.member_card_changed();
      return "card " + c.card_no() + ": " +
             Short(ledger::v1::MemberCardAction_Name(c.action()),
                   "MEMBER_CARD_ACTION_");
    }
    case EventPayload::kCustomerMerged:
      return "merged into " + payload.customer_merged().survivor_id();
    case EventPayload::kClassificationRuleSaved:
      return "rule " + payload.classification_rule_saved().rule().rule_id() +
             " saved";
    case EventPayload::kClassificationRuleRemoved:
      return "rule " + payload.classification_rule_removed().rule_id() +
             " removed";
    case EventPayload::kContactLoggedV1:  // readers see it upcast
    case EventPayload::KIND_NOT_SET:
      break;
  }
  return "";
}

}  // namespace

std::string Short(const std::string& enum_name, const std::string& prefix) {
  return enum_name.rfind(prefix, 0) == 0 ? enum_name.substr(prefix.size())
                                         : enum_name;
}

std::string MoneyText(const ledger::v1::Money& money) {
  if (money.currency_code().empty() && money.units() == 0 &&
      money.nanos() == 0) {
    return "";
  }
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%lld.%02d %s",
                static_cast<long long>(money.units()), money.nanos() / 10000000,
                money.currency_code().c_str());
  return buf;
}

std::string MoneyList(
    const google::protobuf::RepeatedPtrField<ledger::v1::Money>& amounts) {
  std::string out;
  for (const ledger::v1::Money& money : amounts) {
    out += (out.empty() ? "" : ", ") + MoneyText(money);
  }
  return out;
}

std::string ToJson(const google::protobuf::Message& message, bool pretty) {
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = pretty;
  options.preserve_proto_field_names = false;
  std::string out;
  if (!google::protobuf::util::MessageToJsonString(message, &out, options)
           .ok()) {
    return "{}";
  }
  return out;
}

std::string Truncate(const std::string& text, size_t max_width) {
  std::string out;
  size_t width = 0;
  for (size_t i = 0; i < text.size();) {
    const size_t start = i;
    uint32_t cp = NextCodePoint(text, &i);
    if (cp == '\n' || cp == '\t') cp = ' ';
    const int w = Columns(cp);
    if (width + w > max_width) {
      out += "…";
      return out;
    }
    width += w;
    if (text[start] == '\n' || text[start] == '\t') {
      out.push_back(' ');
    } else {
      out.append(text, start, i - start);
    }
  }
  return out;
}

std::string FormatTime(const google::protobuf::Timestamp& ts) {
  std::time_t seconds = static_cast<std::time_t>(ts.seconds());
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buf[96];
  std::snprintf(buf, sizeof(buf), "%04d-%02d-%02d %02d:%02d:%02d.%03dZ",
                tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                tm.tm_min, tm.tm_sec,
                static_cast<int>(ts.nanos() / 1000000) % 1000);
  return buf;
}

Table::Table(std::vector<std::string> header) : header_(std::move(header)) {}

void Table::AddRow(std::vector<std::string> row) {
  rows_.push_back(std::move(row));
}

void Table::Print() const {
  std::vector<size_t> widths(header_.size(), 0);
  auto measure = [&](const std::vector<std::string>& row) {
    for (size_t i = 0; i < row.size() && i < widths.size(); ++i) {
      widths[i] = std::max(widths[i], DisplayWidth(row[i]));
    }
  };
  measure(header_);
  for (const auto& row : rows_) measure(row);
  auto print = [&](const std::vector<std::string>& row) {
    std::string line;
    for (size_t i = 0; i < row.size() && i < widths.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) {
        line.append(widths[i] - DisplayWidth(row[i]) + 2, ' ');
      }
    }
    std::cout << line << "\n";
  };
  print(header_);
  for (const auto& row : rows_) print(row);
}

std::string PayloadSummary(const ledger::v1::EventPayload& payload) {
  return Summary(payload);
}

std::vector<std::string> EventHeader() {
  return {"POSITION",       "CUSTOMER", "VERSION", "TYPE",
          "RECORDED (UTC)", "ACTOR",    "SUMMARY"};
}

std::vector<std::string> EventRow(const ledger::v1::Event& e) {
  return {std::to_string(e.position()),
          e.customer_id(),
          std::to_string(e.version()),
          e.event_type(),
          FormatTime(e.metadata().recorded_at()),
          Truncate(e.metadata().actor(), 20),
          Truncate(Summary(e.payload()), 50)};
}

}  // namespace ledger::ctl
