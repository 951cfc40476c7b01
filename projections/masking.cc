#include "projections/masking.h"

#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "projections/personal_fields.h"

namespace ledger::projections {

namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

// Byte length of the UTF-8 sequence starting with `lead`.
size_t Utf8Length(unsigned char lead) {
  if (lead < 0x80) return 1;
  if ((lead >> 5) == 0x6) return 2;
  if ((lead >> 4) == 0xe) return 3;
  if ((lead >> 3) == 0x1e) return 4;
  return 1;
}

size_t CountCodePoints(absl::string_view text) {
  size_t count = 0;
  for (size_t i = 0; i < text.size(); i += Utf8Length(text[i])) ++count;
  return count;
}

std::string MaskString(Message* message, const FieldDescriptor* field,
                       const Reflection* reflection, int index) {
  const std::string value =
      index < 0 ? reflection->GetString(*message, field)
                : reflection->GetRepeatedString(*message, field, index);
  return MaskValue(value);
}

// Masks the strings of `message` (all of them when `all`, else only the
// personal ones) and clears its numbers when `all`.
int Mask(Message* message, bool all) {
  const Reflection* reflection = message->GetReflection();
  std::vector<const FieldDescriptor*> fields;
  reflection->ListFields(*message, &fields);
  int masked = 0;
  for (const FieldDescriptor* field : fields) {
    const bool personal = all || IsPersonalField(field);
    if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
      if (field->is_map()) continue;  // maps hold no personal data today
      // Most of an answer (classification, money, records) cannot hold
      // personal values: do not walk it.
      if (!personal && !HasPersonalFields(field->message_type())) continue;
      if (field->is_repeated()) {
        for (int i = 0; i < reflection->FieldSize(*message, field); ++i) {
          masked += Mask(reflection->MutableRepeatedMessage(message, field, i),
                         personal);
        }
      } else {
        masked += Mask(reflection->MutableMessage(message, field), personal);
      }
      continue;
    }
    if (!personal) continue;
    switch (field->cpp_type()) {
      case FieldDescriptor::CPPTYPE_STRING:
        if (field->is_repeated()) {
          for (int i = 0; i < reflection->FieldSize(*message, field); ++i) {
            reflection->SetRepeatedString(
                message, field, i, MaskString(message, field, reflection, i));
          }
        } else {
          reflection->SetString(message, field,
                                MaskString(message, field, reflection, -1));
        }
        ++masked;
        break;
      case FieldDescriptor::CPPTYPE_ENUM:
        break;  // a document type or role says nothing about the person
      default:
        reflection->ClearField(message, field);  // dates and numbers
        ++masked;
        break;
    }
  }
  return masked;
}

void Collect(const Message& message, const std::string& prefix, bool all,
             std::set<std::string>* paths) {
  const Reflection* reflection = message.GetReflection();
  std::vector<const FieldDescriptor*> fields;
  reflection->ListFields(message, &fields);
  for (const FieldDescriptor* field : fields) {
    const bool personal = all || IsPersonalField(field);
    const bool message_field =
        field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE;
    if (!personal && (!message_field || field->is_map() ||
                      !HasPersonalFields(field->message_type()))) {
      continue;
    }
    const std::string path = prefix.empty()
                                 ? std::string(field->name())
                                 : absl::StrCat(prefix, ".", field->name());
    if (message_field) {
      if (field->is_map()) continue;
      if (personal) {
        paths->insert(path);
        continue;
      }
      if (field->is_repeated()) {
        for (int i = 0; i < reflection->FieldSize(message, field); ++i) {
          Collect(reflection->GetRepeatedMessage(message, field, i), path,
                  false, paths);
        }
      } else {
        Collect(reflection->GetMessage(message, field), path, false, paths);
      }
      continue;
    }
    if (!personal) continue;
    if (field->cpp_type() == FieldDescriptor::CPPTYPE_STRING) {
      // An erased value is no personal data any more.
      bool any = false;
      if (field->is_repeated()) {
        for (int i = 0; i < reflection->FieldSize(message, field) && !any;
             ++i) {
          any = reflection->GetRepeatedString(message, field, i) != kErased;
        }
      } else {
        any = reflection->GetString(message, field) != kErased;
      }
      if (!any) continue;
    }
    paths->insert(path);
  }
}

}  // namespace

std::string MaskValue(absl::string_view value) {
  if (value.empty() || value == kErased) return std::string(value);
  size_t digits = 0;
  size_t alnum = 0;
  for (char c : value) {
    digits += absl::ascii_isdigit(c) ? 1 : 0;
    alnum += absl::ascii_isalnum(c) ? 1 : 0;
  }
  if (digits >= 7) {
    // Numbers (phones, ID, account numbers): keep the first 3 and last 4
    // letters or digits of long ones, 2 and 2 of short ones.
    const size_t head = alnum >= 11 ? 3 : 2;
    const size_t tail = alnum >= 11 ? 4 : 2;
    std::string out(value);
    size_t seen = 0;
    for (char& c : out) {
      if (!absl::ascii_isalnum(c)) continue;
      ++seen;
      if (seen > head && seen <= alnum - tail) c = '*';
    }
    return out;
  }
  const size_t at = value.find('@');
  if (at != absl::string_view::npos && at > 0) {
    return absl::StrCat(value.substr(0, Utf8Length(value[0])), "***",
                        value.substr(at));
  }
  const size_t first = Utf8Length(value[0]);
  const size_t rest =
      CountCodePoints(value.substr(std::min(first, value.size())));
  return absl::StrCat(value.substr(0, first),
                      std::string(rest == 0 ? 1 : rest, '*'));
}

int MaskPersonalFields(Message* message) { return Mask(message, false); }

void CollectPersonalFields(const Message& message,
                           std::set<std::string>* paths) {
  Collect(message, "", false, paths);
}

bool HasPersonalValues(const Message& message) {
  std::set<std::string> paths;
  Collect(message, "", false, &paths);
  return !paths.empty();
}

}  // namespace ledger::projections
