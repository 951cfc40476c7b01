#include "projections/completeness.h"

namespace ledger::projections {

namespace v1 = ::ledger::v1;

namespace {

struct Field {
  const char* name;
  bool (*filled)(const v1::CustomerProfile&);
};

// The kind a field applies to; UNSPECIFIED: every customer.
struct KindFields {
  v1::CustomerKind kind;
  Field field;
};

const KindFields kFields[] = {
    {v1::CUSTOMER_KIND_UNSPECIFIED,
     {"name",
      [](const v1::CustomerProfile& p) {
        return !p.profile().name().empty();
      }}},
    {v1::CUSTOMER_KIND_UNSPECIFIED,
     {"phones",
      [](const v1::CustomerProfile& p) {
        return p.profile().phones_size() > 0;
      }}},
    {v1::CUSTOMER_KIND_UNSPECIFIED,
     {"address.city",
      [](const v1::CustomerProfile& p) {
        return !p.profile().address().city().empty();
      }}},
    {v1::CUSTOMER_KIND_UNSPECIFIED,
     {"source",
      [](const v1::CustomerProfile& p) {
        return !p.profile().source().empty();
      }}},
    {v1::CUSTOMER_KIND_UNSPECIFIED,
     {"owner_id",
      [](const v1::CustomerProfile& p) { return !p.owner_id().empty(); }}},
    {v1::CUSTOMER_KIND_INDIVIDUAL,
     {"gender",
      [](const v1::CustomerProfile& p) {
        return p.profile().gender() != v1::GENDER_UNSPECIFIED;
      }}},
    {v1::CUSTOMER_KIND_INDIVIDUAL,
     {"birthday",
      [](const v1::CustomerProfile& p) {
        return p.profile().birthday().year() != 0;
      }}},
    {v1::CUSTOMER_KIND_INDIVIDUAL,
     {"occupation",
      [](const v1::CustomerProfile& p) {
        return !p.profile().occupation().empty();
      }}},
    {v1::CUSTOMER_KIND_INDIVIDUAL,
     {"emails",
      [](const v1::CustomerProfile& p) {
        return p.profile().emails_size() > 0;
      }}},
    {v1::CUSTOMER_KIND_ORGANIZATION,
     {"credit_code",
      [](const v1::CustomerProfile& p) {
        return !p.profile().credit_code().empty();
      }}},
    {v1::CUSTOMER_KIND_ORGANIZATION,
     {"industry",
      [](const v1::CustomerProfile& p) {
        return !p.profile().industry().empty();
      }}},
    {v1::CUSTOMER_KIND_ORGANIZATION,
     {"region",
      [](const v1::CustomerProfile& p) {
        return !p.profile().region().empty();
      }}},
    {v1::CUSTOMER_KIND_ORGANIZATION,
     {"legal_representative",
      [](const v1::CustomerProfile& p) {
        return !p.profile().legal_representative().empty();
      }}},
    {v1::CUSTOMER_KIND_ORGANIZATION,
     {"employees",
      [](const v1::CustomerProfile& p) {
        return p.profile().employees() > 0;
      }}},
    {v1::CUSTOMER_KIND_ORGANIZATION,
     {"key_people",
      [](const v1::CustomerProfile& p) { return p.key_people_size() > 0; }}},
};

}  // namespace

void ScoreCompleteness(v1::CustomerProfile* profile) {
  v1::Completeness* c = profile->mutable_completeness();
  c->Clear();
  int important = 0;
  int filled = 0;
  for (const KindFields& f : kFields) {
    if (f.kind != v1::CUSTOMER_KIND_UNSPECIFIED && f.kind != profile->kind()) {
      continue;
    }
    ++important;
    if (f.field.filled(*profile)) {
      ++filled;
    } else {
      c->add_missing(f.field.name);
    }
  }
  c->set_score(important == 0 ? 0 : 100 * filled / important);
}

const std::vector<std::string>& CompletenessFields() {
  static const std::vector<std::string>* names = [] {
    auto* out = new std::vector<std::string>();
    for (const KindFields& f : kFields) out->push_back(f.field.name);
    return out;
  }();
  return *names;
}

}  // namespace ledger::projections
