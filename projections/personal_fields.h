#ifndef LEDGER_PROJECTIONS_PERSONAL_FIELDS_H_
#define LEDGER_PROJECTIONS_PERSONAL_FIELDS_H_

// The personal fields of ledger.v1 messages, found by descriptor reflection
// from the `(ledger.v1.personal)` field option (options.proto): no field
// lists by hand, so a personal field added later is sealed and erased too.
// A field is personal when it carries the option; a message field without
// it is walked into. SealedFields is never walked into. Thread-safe.

#include <vector>

#include "absl/strings/string_view.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"

namespace ledger::projections {

// What a personal string reads as once its key is destroyed.
inline constexpr char kErased[] = "erased";

// Whether `field` carries (ledger.v1.personal).
bool IsPersonalField(const google::protobuf::FieldDescriptor* field);

// Whether messages of `type` can hold personal values (at any depth).
bool HasPersonalFields(const google::protobuf::Descriptor* type);

// Whether `field` of `message` holds a value: set, or a non-empty list.
// `reflection` is the message's own, which a walk over its fields holds
// already (each GetReflection() call passes protobuf's once-guard).
bool IsFieldSet(const google::protobuf::Message& message,
                const google::protobuf::Reflection* reflection,
                const google::protobuf::FieldDescriptor* field);

// A field of a type that matters to personal data: personal itself, or a
// message field (never a SealedFields) whose type can hold personal values.
struct PersonalFieldPlan {
  const google::protobuf::FieldDescriptor* field;
  bool personal;
};

// The fields of `type` that matter to personal data, in declaration order.
// Computed once per type; the reference stays valid for the process.
const std::vector<PersonalFieldPlan>& PersonalFieldsOf(
    const google::protobuf::Descriptor* type);

// Copies into `personal` (empty, of the same type) only the personal fields
// of `from`, at the same places: the oneof cases and the elements of
// repeated messages that lead to them are kept (elements without personal
// values stay as empty placeholders, so positions match). Returns whether
// any personal value was copied.
bool ExtractPersonal(const google::protobuf::Message& from,
                     google::protobuf::Message* personal);

// Whether ExtractPersonal would copy anything: some personal field of
// `message` is set, at any depth. Copies nothing.
bool HasPersonalValue(const google::protobuf::Message& message);

// Clears every personal field of `message`.
void ClearPersonal(google::protobuf::Message* message);

// Puts the personal fields of `personal` (as made by ExtractPersonal) back
// into `into`: personal fields are replaced, messages leading to them are
// merged, repeated ones element by element.
void MergePersonal(const google::protobuf::Message& personal,
                   google::protobuf::Message* into);
// MergePersonal, taking the personal values out of `personal` instead of
// copying them; `personal` is left in an unspecified state (clear it before
// reuse). Nothing is copied when both are on the same arena (or none).
void MovePersonal(google::protobuf::Message* personal,
                  google::protobuf::Message* into);

// The erasure rule: every personal string that is set becomes "erased", a
// personal list of strings that is not empty becomes one "erased", and every
// other personal value (dates, ID documents, numbers) is cleared.
void ErasePersonal(google::protobuf::Message* message);

}  // namespace ledger::projections

#endif  // LEDGER_PROJECTIONS_PERSONAL_FIELDS_H_
