#ifndef LEDGER_SERVICES_INTERNAL_PERSONAL_FIELDS_H_
#define LEDGER_SERVICES_INTERNAL_PERSONAL_FIELDS_H_

#include <set>
#include <string>

#include "absl/strings/string_view.h"
#include "google/protobuf/message.h"

namespace ledger::services::internal {

// Helpers over the (ledger.v1.personal) field option, by reflection, so a
// new personal field needs nothing but the option in its .proto.

// The text a masked personal value shows: phone-like and other long digit
// strings keep their first 3 and last 4 digits ("138****5678"), e-mail
// addresses their first character and domain ("z***@example.com"), other
// text its first character ("张*"). Values that were erased stay "erased".
std::string MaskValue(absl::string_view value);

// Masks every personal field set in `message`, recursively: strings as
// MaskValue says, personal sub-messages (a birthday, an ID document) have
// their strings masked and their numbers cleared. Returns how many values
// were masked.
int MaskPersonalFields(google::protobuf::Message* message);

// Adds to *paths the dotted path (from `message`, no indexes, e.g.
// "profile.phones", "key_people.name") of every personal field set in it.
void CollectPersonalFields(const google::protobuf::Message& message,
                           std::set<std::string>* paths);

// True when some personal field is set in `message`.
bool HasPersonalFields(const google::protobuf::Message& message);

}  // namespace ledger::services::internal

#endif  // LEDGER_SERVICES_INTERNAL_PERSONAL_FIELDS_H_
