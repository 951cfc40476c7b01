#include "projections/field_path.h"

#include <memory>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "google/protobuf/field_mask.pb.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "google/protobuf/util/field_mask_util.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/type_resolver.h"
#include "google/protobuf/util/type_resolver_util.h"
#include "ledger/v1/options.pb.h"

namespace ledger::projections {

namespace {

namespace v1 = ::ledger::v1;
using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::util::FieldMaskUtil;

constexpr char kTypeUrlPrefix[] = "type.googleapis.com";

absl::Status Bad(absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat("field_path: ", why));
}

std::string FieldNames(const Descriptor* d) {
  std::vector<std::string> names;
  names.reserve(static_cast<size_t>(d->field_count()));
  for (int i = 0; i < d->field_count(); ++i)
    names.push_back(d->field(i)->name());
  return absl::StrJoin(names, ", ");
}

bool IsPersonal(const FieldDescriptor* f) {
  return f->options().GetExtension(v1::personal);
}

// Whether a field of `d`, or of a message type inside it, is personal.
bool ContainsPersonal(const Descriptor* d,
                      absl::flat_hash_set<const Descriptor*>* seen) {
  if (!seen->insert(d).second) return false;
  for (int i = 0; i < d->field_count(); ++i) {
    const FieldDescriptor* f = d->field(i);
    if (IsPersonal(f)) return true;
    if (f->message_type() != nullptr &&
        ContainsPersonal(f->message_type(), seen)) {
      return true;
    }
  }
  return false;
}

std::string TypeName(const FieldDescriptor* f) {
  if (f->is_map()) return "map";
  std::string type = f->message_type() != nullptr
                         ? f->message_type()->full_name()
                     : f->enum_type() != nullptr ? f->enum_type()->full_name()
                                                 : f->type_name();
  return f->is_repeated() ? absl::StrCat("list of ", type) : type;
}

google::protobuf::util::TypeResolver* Resolver() {
  static google::protobuf::util::TypeResolver* resolver =
      google::protobuf::util::NewTypeResolverForDescriptorPool(
          kTypeUrlPrefix, google::protobuf::DescriptorPool::generated_pool());
  return resolver;
}

// Canonical JSON of `m`: serialized deterministically (map entries sorted by
// key) and printed from those bytes, so equal values print equally.
std::string CanonicalJson(const Message& m) {
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream stream(&bytes);
    google::protobuf::io::CodedOutputStream out(&stream);
    out.SetSerializationDeterministic(true);
    m.SerializeToCodedStream(&out);
  }
  std::string json;
  const auto status = google::protobuf::util::BinaryToJsonString(
      Resolver(),
      absl::StrCat(kTypeUrlPrefix, "/", m.GetDescriptor()->full_name()), bytes,
      &json);
  return status.ok() ? json : "";
}

}  // namespace

absl::StatusOr<FieldPath> FieldPath::Parse(absl::string_view path) {
  const Descriptor* d = v1::CustomerProfile::descriptor();
  if (path.empty()) {
    return Bad(absl::StrCat(
        "is required: a path into the customer file such as profile.phones "
        "or classification.grade; fields of CustomerProfile: ",
        FieldNames(d)));
  }
  FieldPath out;
  std::vector<std::string> names;
  for (absl::string_view segment : absl::StrSplit(path, '.')) {
    const std::string so_far = absl::StrJoin(names, ".");
    if (!out.fields_.empty()) {
      const FieldDescriptor* parent = out.fields_.back();
      if (parent->is_map() || parent->is_repeated()) {
        return Bad(absl::StrCat(
            "\"", so_far, "\" is a ", TypeName(parent),
            ": its history is that of the whole field, so \"", segment,
            "\" cannot follow it (ask for \"", so_far, "\")"));
      }
      if (parent->message_type() == nullptr) {
        return Bad(absl::StrCat("\"", so_far, "\" is a ", TypeName(parent),
                                ", which has no field \"", segment, "\""));
      }
      if (parent->message_type()->file()->package() == "google.protobuf") {
        return Bad(absl::StrCat("\"", so_far, "\" is a ", TypeName(parent),
                                ", read as a whole: ask for \"", so_far, "\""));
      }
      d = parent->message_type();
    }
    if (segment.empty()) {
      return Bad(absl::StrCat("\"", path, "\" has an empty segment after \"",
                              so_far, "\"; fields of ", d->name(), ": ",
                              FieldNames(d)));
    }
    const FieldDescriptor* f = d->FindFieldByName(std::string(segment));
    if (f == nullptr) f = d->FindFieldByCamelcaseName(std::string(segment));
    if (f == nullptr) {
      return Bad(
          absl::StrCat("\"", segment, "\"", names.empty() ? "" : " in \"",
                       so_far, names.empty() ? "" : "\"", " is not a field of ",
                       d->name(), "; valid names there: ", FieldNames(d)));
    }
    out.personal_ = out.personal_ || IsPersonal(f);
    out.fields_.push_back(f);
    names.push_back(f->name());
  }
  out.path_ = absl::StrJoin(names, ".");
  if (const Descriptor* leaf = out.fields_.back()->message_type();
      leaf != nullptr && !out.personal_) {
    absl::flat_hash_set<const Descriptor*> seen;
    out.personal_ = ContainsPersonal(leaf, &seen);
  }
  return out;
}

v1::CustomerProfile FieldPath::Extract(
    const v1::CustomerProfile& profile) const {
  google::protobuf::FieldMask mask;
  mask.add_paths(path_);
  v1::CustomerProfile holder;
  FieldMaskUtil::MergeMessageTo(profile, mask, FieldMaskUtil::MergeOptions(),
                                &holder);
  return holder;
}

std::string FieldPath::Render(const v1::CustomerProfile& holder) const {
  const Message* parent = &holder;
  for (size_t i = 0; i + 1 < fields_.size(); ++i) {
    parent = &parent->GetReflection()->GetMessage(*parent, fields_[i]);
  }
  const std::string json = CanonicalJson(*parent);
  // {"jsonName":VALUE} -> VALUE; {} (unset) and an empty value -> "".
  const std::string head =
      absl::StrCat("{\"", fields_.back()->json_name(), "\":");
  if (!absl::StartsWith(json, head) || !absl::EndsWith(json, "}")) return "";
  std::string value = json.substr(head.size(), json.size() - head.size() - 1);
  if (value == "{}" || value == "[]" || value == "\"\"") value.clear();
  return value;
}

}  // namespace ledger::projections
