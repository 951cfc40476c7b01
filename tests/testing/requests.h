#ifndef LEDGER_TESTS_TESTING_REQUESTS_H_
#define LEDGER_TESTS_TESTING_REQUESTS_H_

// Builders for well-formed ledger.v1 requests; tests then break the one
// field they are about.

#include <string>

#include "ledger/v1/ledger.pb.h"

namespace ledger::testing {

// Registers customer `id` (an organisation named `name`).
inline ledger::v1::AppendRequest RegisterRequest(
    const std::string& id, const std::string& name = "ACME") {
  ledger::v1::AppendRequest request;
  request.set_customer_id(id);
  request.mutable_metadata()->set_actor("tester");
  request.mutable_metadata()->set_reason("test");
  auto* registered =
      request.add_events()->mutable_payload()->mutable_customer_registered();
  registered->set_kind(ledger::v1::CUSTOMER_KIND_ORGANIZATION);
  registered->mutable_profile()->set_name(name);
  return request;
}

// Logs one phone contact with customer `id`; `content` is its text.
inline ledger::v1::AppendRequest ContactRequest(
    const std::string& id, const std::string& content = "called") {
  ledger::v1::AppendRequest request;
  request.set_customer_id(id);
  request.mutable_metadata()->set_actor("tester");
  auto* contact =
      request.add_events()->mutable_payload()->mutable_contact_logged();
  contact->set_channel(ledger::v1::CONTACT_CHANNEL_PHONE);
  contact->set_content(content);
  return request;
}

// Adds another phone contact event to `request`.
inline void AddContact(ledger::v1::AppendRequest& request,
                       const std::string& content) {
  auto* contact =
      request.add_events()->mutable_payload()->mutable_contact_logged();
  contact->set_channel(ledger::v1::CONTACT_CHANNEL_PHONE);
  contact->set_content(content);
}

}  // namespace ledger::testing

#endif  // LEDGER_TESTS_TESTING_REQUESTS_H_
