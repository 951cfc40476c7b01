#ifndef LEDGER_PROJECTIONS_MASKING_H_
#define LEDGER_PROJECTIONS_MASKING_H_

#include <set>
#include <string>

#include "absl/strings/string_view.h"
#include "google/protobuf/message.h"

namespace ledger::projections {

// Masking for principals without the personal-data grant, and the list of
// personal fields an answer shows (for the access log): over the
// (ledger.v1.personal) option by reflection (personal_fields.h), so a new
// personal field needs nothing but the option in its .proto. Thread-safe.

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

// True when some personal value (not "erased") is set in `message`.
bool HasPersonalValues(const google::protobuf::Message& message);

}  // namespace ledger::projections

#endif  // LEDGER_PROJECTIONS_MASKING_H_
