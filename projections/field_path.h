#ifndef LEDGER_PROJECTIONS_FIELD_PATH_H_
#define LEDGER_PROJECTIONS_FIELD_PATH_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/descriptor.h"
#include "ledger/v1/customer.pb.h"

namespace ledger::projections {

// A path to one field of the customer file (CustomerProfile), such as
// "profile.phones", "profile.address.city", "classification.grade" or
// "key_people": the subject of a field history. Segments are field names
// (proto or JSON spelling); every segment but the last names a singular
// message field of ours (not a list, map or google.protobuf type), so the
// value at the path is one field, read as a whole.
//
// A field's value is carried as a "holder": a CustomerProfile in which only
// this path is set. A holder is an ordinary customer file, so whatever
// treats a file (masking personal fields, erasure) treats it too; Render()
// then prints the field alone.
//
// A plain value type; thread-safe for concurrent const use.
class FieldPath {
 public:
  // INVALID_ARGUMENT naming the first bad segment and listing the valid
  // field names at that level.
  [[nodiscard]] static absl::StatusOr<FieldPath> Parse(absl::string_view path);

  // The path in proto field names, e.g. "profile.address.city".
  const std::string& path() const { return path_; }
  // The fields along the path, outermost first.
  const std::vector<const google::protobuf::FieldDescriptor*>& fields() const {
    return fields_;
  }
  // Whether a field on the path, or (for a message) one inside the value,
  // carries the (ledger.v1.personal) option.
  bool personal() const { return personal_; }

  // The holder of the field's value in `profile`.
  ledger::v1::CustomerProfile Extract(
      const ledger::v1::CustomerProfile& profile) const;
  // The field's value in `holder` as canonical proto JSON (map entries in
  // key order): `"杭州"`, `["+86 …"]`, `"GRADE_A"`, `{"city":"杭州"}`; ""
  // when the field is unset or empty.
  std::string Render(const ledger::v1::CustomerProfile& holder) const;

 private:
  FieldPath() = default;

  std::string path_;
  std::vector<const google::protobuf::FieldDescriptor*> fields_;
  bool personal_ = false;
};

}  // namespace ledger::projections

#endif  // LEDGER_PROJECTIONS_FIELD_PATH_H_
