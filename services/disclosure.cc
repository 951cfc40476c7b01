#include "services/disclosure.h"

#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "projections/masking.h"
#include "services/access_log.h"

namespace ledger::services {

namespace {

namespace v1 = ::ledger::v1;

v1::AccessRecord Base(const Principal& principal, absl::string_view method,
                      absl::string_view customer_id) {
  v1::AccessRecord record;
  record.set_principal(principal.name);
  record.set_role(std::string(RoleName(principal.role)));
  record.set_on_behalf_of(principal.on_behalf_of);
  record.set_customer_id(std::string(customer_id));
  record.set_rpc(std::string(method));
  record.set_purpose(principal.purpose);
  record.set_peer(principal.peer);
  return record;
}

}  // namespace

Disclosure::Disclosure(AccessLog* log, const Principal& principal,
                       absl::string_view method)
    : log_(log), principal_(principal), method_(method) {}

void Disclosure::Add(absl::string_view customer_id,
                     google::protobuf::Message* part) {
  if (!principal_.personal_data) {
    projections::MaskPersonalFields(part);
    return;
  }
  std::set<std::string> paths;
  projections::CollectPersonalFields(*part, &paths);
  if (paths.empty()) return;
  shown_[std::string(customer_id)].merge(paths);
}

void Disclosure::AddAnswer(absl::string_view customer_id,
                           google::protobuf::Message* answer) {
  using google::protobuf::FieldDescriptor;
  const google::protobuf::Reflection* reflection = answer->GetReflection();
  std::vector<const FieldDescriptor*> fields;
  reflection->ListFields(*answer, &fields);
  // The customer a part is about: its own customer_id, or that of a
  // customer it wraps (a due follow-up's profile), else the call's.
  auto id_of = [](const google::protobuf::Message& part) -> std::string {
    const FieldDescriptor* id =
        part.GetDescriptor()->FindFieldByName("customer_id");
    if (id == nullptr || id->cpp_type() != FieldDescriptor::CPPTYPE_STRING ||
        id->is_repeated()) {
      return "";
    }
    return part.GetReflection()->GetString(part, id);
  };
  auto owner = [&](const google::protobuf::Message& part) {
    std::string own = id_of(part);
    if (own.empty()) {
      const google::protobuf::Descriptor* type = part.GetDescriptor();
      for (int i = 0; i < type->field_count() && own.empty(); ++i) {
        const FieldDescriptor* field = type->field(i);
        if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE &&
            !field->is_repeated() &&
            part.GetReflection()->HasField(part, field)) {
          own = id_of(part.GetReflection()->GetMessage(part, field));
        }
      }
    }
    return own.empty() ? std::string(customer_id) : own;
  };
  for (const FieldDescriptor* field : fields) {
    // Top-level scalars of our answers are ids, counts and tokens.
    if (field->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE ||
        field->is_map()) {
      continue;
    }
    if (field->is_repeated()) {
      for (int i = 0; i < reflection->FieldSize(*answer, field); ++i) {
        google::protobuf::Message* part =
            reflection->MutableRepeatedMessage(answer, field, i);
        Add(owner(*part), part);
      }
    } else {
      google::protobuf::Message* part =
          reflection->MutableMessage(answer, field);
      Add(owner(*part), part);
    }
  }
}

absl::Status Disclosure::Commit() {
  if (log_ == nullptr) return absl::OkStatus();
  for (auto& [customer, paths] : shown_) {
    v1::AccessRecord record = Base(principal_, method_, customer);
    for (const std::string& path : paths) record.add_fields(path);
    absl::Status status = log_->Record(std::move(record));
    if (!status.ok()) return status;
  }
  shown_.clear();
  return absl::OkStatus();
}

absl::Status DiscloseAnswer(AccessLog* log, const Principal& principal,
                            absl::string_view method,
                            absl::string_view customer_id,
                            google::protobuf::Message* answer) {
  Disclosure disclosure(log, principal, method);
  disclosure.AddAnswer(customer_id, answer);
  return disclosure.Commit();
}

void RecordDenial(AccessLog* log, const Principal& principal,
                  absl::string_view method, absl::string_view customer_id,
                  const absl::Status& status) {
  if (log == nullptr) return;
  v1::AccessRecord record = Base(principal, method, customer_id);
  record.set_denied(true);
  record.set_status(absl::StrCat(absl::StatusCodeToString(status.code()), ": ",
                                 status.message()));
  // A full access log also refuses the reads themselves, so nothing is
  // disclosed while denials cannot be recorded.
  log->Record(std::move(record)).IgnoreError();
}

}  // namespace ledger::services
