#include "projections/event_codec.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "google/protobuf/util/time_util.h"

namespace ledger::projections {

namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::util::TimeUtil;

const google::protobuf::OneofDescriptor* PayloadOneof() {
  static const auto* oneof =
      ledger::v1::EventPayload::descriptor()->FindOneofByName("kind");
  return oneof;
}

void SetTimestamp(int64_t micros, google::protobuf::Timestamp* ts) {
  *ts = TimeUtil::MicrosecondsToTimestamp(micros);
}

constexpr RetiredRevision kRetired[] = {
    {ledger::v1::EventPayload::kContactLoggedV1, "ContactLogged", 1,
     "contact_logged"},
};

const RetiredRevision* FindRetired(int field_number) {
  for (const RetiredRevision& r : kRetired) {
    if (r.field_number == field_number) return &r;
  }
  return nullptr;
}

// Revision 1 named one person; revision 2 lists participants.
void UpcastContactLoggedV1(ledger::v1::EventPayload* payload) {
  ledger::v1::ContactLoggedV1 old =
      std::move(*payload->mutable_contact_logged_v1());
  ledger::v1::ContactLogged* now = payload->mutable_contact_logged();
  now->set_channel(old.channel());
  if (!old.contact_person().empty() ||
      old.contact_role() != ledger::v1::CONTACT_ROLE_UNSPECIFIED) {
    ledger::v1::ContactParticipant* p = now->add_participants();
    p->set_name(std::move(*old.mutable_contact_person()));
    p->set_role(old.contact_role());
  }
  now->set_content(std::move(*old.mutable_content()));
  now->set_result(std::move(*old.mutable_result()));
  now->set_next_step(std::move(*old.mutable_next_step()));
  if (old.has_next_follow_up()) {
    *now->mutable_next_follow_up() = old.next_follow_up();
  }
}

// Rewrites a retired revision as the current one; returns the retired
// revision's number, or 0 when the payload is current.
int Upcast(ledger::v1::EventPayload* payload) {
  switch (payload->kind_case()) {
    case ledger::v1::EventPayload::kContactLoggedV1:
      UpcastContactLoggedV1(payload);
      return 1;
    default:
      return 0;
  }
}

}  // namespace

const RetiredRevision* RetiredRevisionOf(
    const ledger::v1::EventPayload& payload) {
  return FindRetired(payload.kind_case());
}

absl::StatusOr<absl::string_view> EventTypeName(
    const ledger::v1::EventPayload& payload) {
  const google::protobuf::Reflection* reflection = payload.GetReflection();
  const FieldDescriptor* field =
      reflection->GetOneofFieldDescriptor(payload, PayloadOneof());
  if (field == nullptr) {
    return absl::InvalidArgumentError(
        "the payload has no event set (set one of the EventPayload fields, "
        "e.g. customer_registered)");
  }
  if (const RetiredRevision* r = FindRetired(field->number())) {
    return r->type;
  }
  return absl::string_view(field->message_type()->name());
}

const std::vector<std::string>& KnownEventTypes() {
  static const std::vector<std::string>* types = [] {
    auto* names = new std::vector<std::string>();
    const auto* oneof = PayloadOneof();
    for (int i = 0; i < oneof->field_count(); ++i) {
      if (FindRetired(oneof->field(i)->number()) != nullptr) continue;
      names->push_back(oneof->field(i)->message_type()->name());
    }
    return names;
  }();
  return *types;
}

bool IsKnownEventType(absl::string_view type) {
  const auto& types = KnownEventTypes();
  return std::find(types.begin(), types.end(), type) != types.end();
}

std::string EncodePayload(const ledger::v1::EventPayload& payload) {
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream stream(&bytes);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    payload.SerializeToCodedStream(&coded);
  }
  return bytes;
}

namespace {

void SetEnvelope(const storage::EventRecord& record, ledger::v1::Event* out) {
  out->set_position(record.position);
  out->set_customer_id(record.stream);
  out->set_version(record.version);
  out->set_event_type(record.type);
}

// The metadata every fold reads.
void SetFoldMetadata(const storage::EventRecord& record,
                     ledger::v1::EventMetadata* m) {
  m->set_actor(record.metadata.actor);
  m->set_reason(record.metadata.reason);
  m->set_on_behalf_of(record.metadata.on_behalf_of);
  SetTimestamp(record.metadata.occurred_at_micros, m->mutable_occurred_at());
  SetTimestamp(record.metadata.recorded_at_micros, m->mutable_recorded_at());
}

absl::Status Decode(const storage::EventRecord& record, bool for_fold,
                    bool include_raw_payload, ledger::v1::Event* out,
                    const PayloadOpener* opener) {
  SetEnvelope(record, out);
  if (!out->mutable_payload()->ParseFromString(record.payload)) {
    return absl::DataLossError(absl::StrCat(
        "the payload at position ", record.position, " does not parse"));
  }
  absl::StatusOr<absl::string_view> type = EventTypeName(out->payload());
  if (!type.ok() || *type != record.type) {
    return absl::DataLossError(absl::StrCat("the payload at position ",
                                            record.position, " is not a ",
                                            record.type));
  }
  if (opener != nullptr && out->payload().has_sealed()) {
    absl::Status opened =
        opener->Open(record.stream, record.type, out->mutable_payload());
    if (!opened.ok()) {
      return absl::Status(
          opened.code(),
          absl::StrCat("position ", record.position, ": ", opened.message()));
    }
  }
  out->set_stored_revision(Upcast(out->mutable_payload()));
  ledger::v1::EventMetadata* m = out->mutable_metadata();
  SetFoldMetadata(record, m);
  if (for_fold) return absl::OkStatus();
  m->set_request_id(record.metadata.request_id);
  m->set_correlation_id(record.metadata.correlation_id);
  m->set_causation_id(record.metadata.causation_id);
  m->set_service(record.metadata.service);
  auto bytes = [](const storage::Hash256& h) {
    return std::string(reinterpret_cast<const char*>(h.data()), h.size());
  };
  out->set_payload_sha256(bytes(record.payload_sha256));
  out->set_prev_hash(bytes(record.prev_hash));
  out->set_hash(bytes(record.hash));
  if (include_raw_payload) out->set_raw_payload(record.payload);
  return absl::OkStatus();
}

}  // namespace

absl::Status DecodeEvent(const storage::EventRecord& record,
                         bool include_raw_payload, ledger::v1::Event* out,
                         const PayloadOpener* opener) {
  return Decode(record, /*for_fold=*/false, include_raw_payload, out, opener);
}

absl::Status DecodeEventForFold(const storage::EventRecord& record,
                                ledger::v1::Event* out,
                                const PayloadOpener* opener) {
  return Decode(record, /*for_fold=*/true, /*include_raw_payload=*/false, out,
                opener);
}

void DecodeEventForFold(const storage::EventRecord& record,
                        const ledger::v1::EventPayload& payload,
                        ledger::v1::Event* out) {
  SetEnvelope(record, out);
  out->mutable_payload()->CopyFrom(payload);
  SetFoldMetadata(record, out->mutable_metadata());
}

}  // namespace ledger::projections
