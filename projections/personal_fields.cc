#include "projections/personal_fields.h"

#include <type_traits>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "ledger/v1/events.pb.h"
#include "ledger/v1/options.pb.h"

namespace ledger::projections {

namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

using FieldPlan = PersonalFieldPlan;
using Plan = std::vector<FieldPlan>;

bool HasPersonalUncached(const Descriptor* type,
                         std::vector<const Descriptor*>& visiting) {
  for (const Descriptor* v : visiting) {
    if (v == type) return false;  // a cycle adds nothing new
  }
  visiting.push_back(type);
  bool any = false;
  for (int i = 0; i < type->field_count() && !any; ++i) {
    const FieldDescriptor* f = type->field(i);
    if (IsPersonalField(f)) {
      any = true;
    } else if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE &&
               f->message_type() != ledger::v1::SealedFields::descriptor()) {
      any = HasPersonalUncached(f->message_type(), visiting);
    }
  }
  visiting.pop_back();
  return any;
}

// Plans are built once per type and never freed; each thread keeps its own
// index of them, so the hot path (every sealed append, every opened event)
// takes no lock.
const Plan& PlanOf(const Descriptor* type) {
  thread_local absl::flat_hash_map<const Descriptor*, const Plan*> local;
  if (auto it = local.find(type); it != local.end()) return *it->second;
  static absl::Mutex mu;
  static auto* plans ABSL_GUARDED_BY(mu) =
      new absl::flat_hash_map<const Descriptor*, const Plan*>();
  const Plan* plan = nullptr;
  {
    absl::MutexLock lock(&mu);
    if (auto it = plans->find(type); it != plans->end()) plan = it->second;
  }
  if (plan == nullptr) {
    auto* built = new Plan();
    for (int i = 0; i < type->field_count(); ++i) {
      const FieldDescriptor* f = type->field(i);
      if (IsPersonalField(f)) {
        built->push_back({f, true});
      } else if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE &&
                 f->message_type() != ledger::v1::SealedFields::descriptor()) {
        std::vector<const Descriptor*> visiting;
        if (HasPersonalUncached(f->message_type(), visiting)) {
          built->push_back({f, false});
        }
      }
    }
    absl::MutexLock lock(&mu);
    auto [it, inserted] = plans->emplace(type, built);
    if (!inserted) delete built;
    plan = it->second;
  }
  local.emplace(type, plan);
  return *plan;
}

}  // namespace

bool IsFieldSet(const Message& message, const Reflection* reflection,
                const FieldDescriptor* field) {
  return field->is_repeated() ? reflection->FieldSize(message, field) > 0
                              : reflection->HasField(message, field);
}

bool IsPersonalField(const FieldDescriptor* field) {
  return field->options().GetExtension(ledger::v1::personal);
}

bool HasPersonalFields(const Descriptor* type) { return !PlanOf(type).empty(); }

const std::vector<PersonalFieldPlan>& PersonalFieldsOf(const Descriptor* type) {
  return PlanOf(type);
}

bool ExtractPersonal(const Message& from, Message* personal) {
  const Reflection* in = from.GetReflection();
  const Reflection* out = personal->GetReflection();
  bool any = false;
  for (const FieldPlan& p : PlanOf(from.GetDescriptor())) {
    const FieldDescriptor* f = p.field;
    if (!IsFieldSet(from, in, f)) continue;
    if (p.personal) {
      if (f->is_repeated()) {
        for (int i = 0; i < in->FieldSize(from, f); ++i) {
          switch (f->cpp_type()) {
            case FieldDescriptor::CPPTYPE_STRING:
              out->AddString(personal, f, in->GetRepeatedString(from, f, i));
              break;
            case FieldDescriptor::CPPTYPE_MESSAGE:
              out->AddMessage(personal, f)
                  ->CopyFrom(in->GetRepeatedMessage(from, f, i));
              break;
            default:  // no personal lists of numbers so far
              break;
          }
        }
      } else if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
        out->MutableMessage(personal, f)->CopyFrom(in->GetMessage(from, f));
      } else if (f->cpp_type() == FieldDescriptor::CPPTYPE_STRING) {
        out->SetString(personal, f, in->GetString(from, f));
      }
      any = true;
      continue;
    }
    if (f->is_repeated()) {
      bool any_here = false;
      for (int i = 0; i < in->FieldSize(from, f); ++i) {
        any_here |= ExtractPersonal(in->GetRepeatedMessage(from, f, i),
                                    out->AddMessage(personal, f));
      }
      if (!any_here) out->ClearField(personal, f);
      any |= any_here;
    } else {
      Message* sub = out->MutableMessage(personal, f);
      if (ExtractPersonal(in->GetMessage(from, f), sub)) {
        any = true;
      } else if (f->containing_oneof() == nullptr) {
        out->ClearField(personal, f);
      }
    }
  }
  return any;
}

bool HasPersonalValue(const Message& message) {
  const Reflection* r = message.GetReflection();
  for (const FieldPlan& p : PlanOf(message.GetDescriptor())) {
    const FieldDescriptor* f = p.field;
    if (!IsFieldSet(message, r, f)) continue;
    if (p.personal) return true;
    if (f->is_repeated()) {
      for (int i = 0; i < r->FieldSize(message, f); ++i) {
        if (HasPersonalValue(r->GetRepeatedMessage(message, f, i))) return true;
      }
    } else if (HasPersonalValue(r->GetMessage(message, f))) {
      return true;
    }
  }
  return false;
}

void ClearPersonal(Message* message) {
  const Reflection* r = message->GetReflection();
  for (const FieldPlan& p : PlanOf(message->GetDescriptor())) {
    const FieldDescriptor* f = p.field;
    if (!IsFieldSet(*message, r, f)) continue;
    if (p.personal) {
      r->ClearField(message, f);
    } else if (f->is_repeated()) {
      for (int i = 0; i < r->FieldSize(*message, f); ++i) {
        ClearPersonal(r->MutableRepeatedMessage(message, f, i));
      }
    } else {
      ClearPersonal(r->MutableMessage(message, f));
    }
  }
}

namespace {

// MergePersonal (kMove false: copies from a const source) and MovePersonal
// (kMove true: swaps the values out of a source it may empty). `type` is
// both messages' descriptor: taken from the parent's field, since each
// GetDescriptor()/GetReflection() call passes protobuf's once-guard, and
// this runs for every event a rebuild opens.
template <bool kMove>
void MergeFields(const Descriptor* type,
                 std::conditional_t<kMove, Message*, const Message*> personal,
                 Message* into) {
  const Reflection* in = personal->GetReflection();
  const Reflection* out = into->GetReflection();
  // A oneof (an EventPayload's event) has one member set: asked once.
  const google::protobuf::OneofDescriptor* oneof = nullptr;
  const FieldDescriptor* active = nullptr;
  for (const FieldPlan& p : PlanOf(type)) {
    const FieldDescriptor* f = p.field;
    if (const auto* o = f->real_containing_oneof(); o != nullptr) {
      if (o != oneof) {
        oneof = o;
        active = in->GetOneofFieldDescriptor(*personal, o);
      }
      if (f != active) continue;
    } else if (!IsFieldSet(*personal, in, f)) {
      continue;
    }
    if (p.personal) {
      if constexpr (kMove) {
        // Same type and arena: the values change places, nothing is copied.
        out->SwapFields(into, personal, {f});
      } else {
        out->ClearField(into, f);
        if (f->is_repeated()) {
          for (int i = 0; i < in->FieldSize(*personal, f); ++i) {
            if (f->cpp_type() == FieldDescriptor::CPPTYPE_STRING) {
              out->AddString(into, f, in->GetRepeatedString(*personal, f, i));
            } else if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
              out->AddMessage(into, f)->CopyFrom(
                  in->GetRepeatedMessage(*personal, f, i));
            }
          }
        } else if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
          out->MutableMessage(into, f)->CopyFrom(in->GetMessage(*personal, f));
        } else if (f->cpp_type() == FieldDescriptor::CPPTYPE_STRING) {
          out->SetString(into, f, in->GetString(*personal, f));
        }
      }
      continue;
    }
    const Descriptor* sub = f->message_type();
    if (f->is_repeated()) {
      const int n = in->FieldSize(*personal, f);
      for (int i = 0; i < n; ++i) {
        Message* target = i < out->FieldSize(*into, f)
                              ? out->MutableRepeatedMessage(into, f, i)
                              : out->AddMessage(into, f);
        if constexpr (kMove) {
          MergeFields<kMove>(sub, in->MutableRepeatedMessage(personal, f, i),
                             target);
        } else {
          MergeFields<kMove>(sub, &in->GetRepeatedMessage(*personal, f, i),
                             target);
        }
      }
    } else if constexpr (kMove) {
      MergeFields<kMove>(sub, in->MutableMessage(personal, f),
                         out->MutableMessage(into, f));
    } else {
      MergeFields<kMove>(sub, &in->GetMessage(*personal, f),
                         out->MutableMessage(into, f));
    }
  }
}

}  // namespace

void MergePersonal(const Message& personal, Message* into) {
  MergeFields<false>(personal.GetDescriptor(), &personal, into);
}

void MovePersonal(Message* personal, Message* into) {
  MergeFields<true>(personal->GetDescriptor(), personal, into);
}

void ErasePersonal(Message* message) {
  const Reflection* r = message->GetReflection();
  for (const FieldPlan& p : PlanOf(message->GetDescriptor())) {
    const FieldDescriptor* f = p.field;
    if (!IsFieldSet(*message, r, f)) continue;
    if (p.personal) {
      const bool is_string = f->cpp_type() == FieldDescriptor::CPPTYPE_STRING &&
                             f->type() != FieldDescriptor::TYPE_BYTES;
      r->ClearField(message, f);
      if (is_string && f->is_repeated()) {
        r->AddString(message, f, kErased);
      } else if (is_string) {
        r->SetString(message, f, kErased);
      }
    } else if (f->is_repeated()) {
      for (int i = 0; i < r->FieldSize(*message, f); ++i) {
        ErasePersonal(r->MutableRepeatedMessage(message, f, i));
      }
    } else {
      ErasePersonal(r->MutableMessage(message, f));
    }
  }
}

}  // namespace ledger::projections
