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

// Masks every value set in `message`, a personal sub-message (a birthday,
// an ID document). Returns how many values were masked.
int MaskAll(Message* message);

// Masks the value of one personal field of `message`: strings as MaskValue
// says, dates and numbers cleared, a sub-message with MaskAll.
int MaskField(Message* message, const FieldDescriptor* field) {
  const Reflection* reflection = message->GetReflection();
  switch (field->cpp_type()) {
    case FieldDescriptor::CPPTYPE_MESSAGE: {
      if (field->is_map()) return 0;  // maps hold no personal data today
      int masked = 0;
      if (field->is_repeated()) {
        for (int i = 0; i < reflection->FieldSize(*message, field); ++i) {
          masked +=
              MaskAll(reflection->MutableRepeatedMessage(message, field, i));
        }
      } else {
        masked += MaskAll(reflection->MutableMessage(message, field));
      }
      return masked;
    }
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
      return 1;
    case FieldDescriptor::CPPTYPE_ENUM:
      return 0;  // a document type or role says nothing about the person
    default:
      reflection->ClearField(message, field);  // dates and numbers
      return 1;
  }
}

int MaskAll(Message* message) {
  std::vector<const FieldDescriptor*> fields;
  message->GetReflection()->ListFields(*message, &fields);
  int masked = 0;
  for (const FieldDescriptor* field : fields) {
    masked += MaskField(message, field);
  }
  return masked;
}

// Masks the personal fields of `message` only: walks just the fields that
// can lead to personal data (PersonalFieldsOf), not every field set.
int MaskPersonal(Message* message) {
  const Reflection* reflection = message->GetReflection();
  int masked = 0;
  for (const PersonalFieldPlan& p :
       PersonalFieldsOf(message->GetDescriptor())) {
    const FieldDescriptor* field = p.field;
    if (field->is_map() || !IsFieldSet(*message, reflection, field)) continue;
    if (p.personal) {
      masked += MaskField(message, field);
    } else if (field->is_repeated()) {
      for (int i = 0; i < reflection->FieldSize(*message, field); ++i) {
        masked +=
            MaskPersonal(reflection->MutableRepeatedMessage(message, field, i));
      }
    } else {
      masked += MaskPersonal(reflection->MutableMessage(message, field));
    }
  }
  return masked;
}

void Collect(const Message& message, const std::string& prefix,
             std::set<std::string>* paths) {
  const Reflection* reflection = message.GetReflection();
  for (const PersonalFieldPlan& p : PersonalFieldsOf(message.GetDescriptor())) {
    const FieldDescriptor* field = p.field;
    if (field->is_map() || !IsFieldSet(message, reflection, field)) continue;
    std::string path = prefix.empty()
                           ? std::string(field->name())
                           : absl::StrCat(prefix, ".", field->name());
    if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
      if (p.personal) {
        paths->insert(std::move(path));
      } else if (field->is_repeated()) {
        for (int i = 0; i < reflection->FieldSize(message, field); ++i) {
          Collect(reflection->GetRepeatedMessage(message, field, i), path,
                  paths);
        }
      } else {
        Collect(reflection->GetMessage(message, field), path, paths);
      }
      continue;
    }
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
    paths->insert(std::move(path));
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

int MaskPersonalFields(Message* message) { return MaskPersonal(message); }

void CollectPersonalFields(const Message& message,
                           std::set<std::string>* paths) {
  Collect(message, "", paths);
}

bool HasPersonalValues(const Message& message) {
  std::set<std::string> paths;
  Collect(message, "", &paths);
  return !paths.empty();
}

}  // namespace ledger::projections
