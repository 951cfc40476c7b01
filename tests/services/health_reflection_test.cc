// The standard services next to ledger.v1.Ledger: grpc.health.v1 and server
// reflection. Their generated stubs are not part of this build, so the tests
// call them with grpc::GenericStub and hand-encoded protobuf bytes.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "google/protobuf/descriptor.pb.h"
#include "google/protobuf/unknown_field_set.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "tests/services/service_test_util.h"

namespace ledger::testing {
namespace {

using google::protobuf::UnknownField;
using google::protobuf::UnknownFieldSet;
using ::testing::Contains;
using ::testing::HasSubstr;

constexpr char kHealthCheck[] = "/grpc.health.v1.Health/Check";
constexpr char kReflection[] =
    "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo";
constexpr uint64_t kServing = 1;  // HealthCheckResponse.ServingStatus

void PutVarint(uint64_t value, std::string* out) {
  while (value >= 0x80) {
    out->push_back(static_cast<char>((value & 0x7f) | 0x80));
    value >>= 7;
  }
  out->push_back(static_cast<char>(value));
}

// One length-delimited protobuf field.
std::string StringField(int number, const std::string& value) {
  std::string out;
  PutVarint((static_cast<uint64_t>(number) << 3) | 2, &out);
  PutVarint(value.size(), &out);
  out += value;
  return out;
}

grpc::ByteBuffer ToBuffer(const std::string& bytes) {
  grpc::Slice slice(bytes);
  return grpc::ByteBuffer(&slice, 1);
}

std::string ToBytes(const grpc::ByteBuffer& buffer) {
  std::vector<grpc::Slice> slices;
  std::string out;
  EXPECT_TRUE(buffer.Dump(&slices).ok());
  for (const grpc::Slice& slice : slices) {
    out.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
  }
  return out;
}

// The values of field `number` in `fields`, as raw bytes or varints.
std::vector<std::string> Strings(const UnknownFieldSet& fields, int number) {
  std::vector<std::string> out;
  for (int i = 0; i < fields.field_count(); ++i) {
    const UnknownField& f = fields.field(i);
    if (f.number() == number &&
        f.type() == UnknownField::TYPE_LENGTH_DELIMITED) {
      out.push_back(f.length_delimited());
    }
  }
  return out;
}
std::vector<uint64_t> Varints(const UnknownFieldSet& fields, int number) {
  std::vector<uint64_t> out;
  for (int i = 0; i < fields.field_count(); ++i) {
    const UnknownField& f = fields.field(i);
    if (f.number() == number && f.type() == UnknownField::TYPE_VARINT) {
      out.push_back(f.varint());
    }
  }
  return out;
}

// Waits for the completion of `tag` (operations are issued one at a time).
bool Await(grpc::CompletionQueue& cq, intptr_t tag) {
  void* got = nullptr;
  bool ok = false;
  EXPECT_TRUE(cq.Next(&got, &ok));
  EXPECT_EQ(got, reinterpret_cast<void*>(tag));
  return ok;
}

void DrainAndShutdown(grpc::CompletionQueue& cq) {
  cq.Shutdown();
  void* tag = nullptr;
  bool ok = false;
  while (cq.Next(&tag, &ok)) {
  }
}

class HealthAndReflectionTest : public LedgerTestBase {
 protected:
  // Health.Check for `service`; stores the decoded ServingStatus.
  grpc::Status CheckHealth(const std::string& service, uint64_t* status_out) {
    grpc::GenericStub generic(channel());
    grpc::CompletionQueue cq;
    std::unique_ptr<grpc::ClientContext> context = Context();
    const std::string request = service.empty() ? "" : StringField(1, service);
    grpc::ByteBuffer response;
    grpc::Status status;
    {
      auto call = generic.PrepareUnaryCall(context.get(), kHealthCheck,
                                           ToBuffer(request), &cq);
      call->StartCall();
      call->Finish(&response, &status, reinterpret_cast<void*>(1));
      Await(cq, 1);
    }
    DrainAndShutdown(cq);
    if (status.ok()) {
      UnknownFieldSet fields;
      EXPECT_TRUE(fields.ParseFromString(ToBytes(response)));
      const std::vector<uint64_t> values = Varints(fields, 1);
      *status_out = values.empty() ? 0 : values.back();  // 0: UNKNOWN
    }
    return status;
  }
};

TEST_F(HealthAndReflectionTest, HealthCheckReportsServing) {
  uint64_t serving = 0;
  ASSERT_THAT(CheckHealth("", &serving), GrpcOk());
  EXPECT_EQ(serving, kServing);
  serving = 0;
  ASSERT_THAT(CheckHealth("ledger.v1.Ledger", &serving), GrpcOk());
  EXPECT_EQ(serving, kServing);
  serving = 0;
  ASSERT_THAT(CheckHealth("ledger.v1.Reports", &serving), GrpcOk());
  EXPECT_EQ(serving, kServing);
  serving = 0;
  ASSERT_THAT(CheckHealth("ledger.v1.Audit", &serving), GrpcOk());
  EXPECT_EQ(serving, kServing);
  serving = 0;
  ASSERT_THAT(CheckHealth("ledger.v1.Integrity", &serving), GrpcOk());
  EXPECT_EQ(serving, kServing);
  EXPECT_THAT(CheckHealth("no.such.Service", &serving),
              GrpcStatusIs(grpc::StatusCode::NOT_FOUND));
}

TEST_F(HealthAndReflectionTest, ReflectionListsAndDescribesTheLedgerService) {
  grpc::GenericStub generic(channel());
  grpc::CompletionQueue cq;
  std::unique_ptr<grpc::ClientContext> context = Context();
  std::vector<std::string> responses;
  grpc::Status status;
  {
    auto stream = generic.PrepareCall(context.get(), kReflection, &cq);
    ASSERT_NE(stream, nullptr);
    stream->StartCall(reinterpret_cast<void*>(1));
    ASSERT_TRUE(Await(cq, 1));
    // ServerReflectionRequest: list_services = 7, file_containing_symbol = 4.
    for (const std::string& request :
         {StringField(7, ""), StringField(4, "ledger.v1.Ledger")}) {
      stream->Write(ToBuffer(request), reinterpret_cast<void*>(2));
      ASSERT_TRUE(Await(cq, 2));
      grpc::ByteBuffer response;
      stream->Read(&response, reinterpret_cast<void*>(3));
      ASSERT_TRUE(Await(cq, 3));
      responses.push_back(ToBytes(response));
    }
    stream->WritesDone(reinterpret_cast<void*>(4));
    Await(cq, 4);
    stream->Finish(&status, reinterpret_cast<void*>(5));
    Await(cq, 5);
  }
  DrainAndShutdown(cq);
  EXPECT_THAT(status, GrpcOk());
  ASSERT_EQ(responses.size(), 2u);

  // ServerReflectionResponse.list_services_response (6) -> service (1) ->
  // name (1).
  UnknownFieldSet list;
  ASSERT_TRUE(list.ParseFromString(responses[0]));
  const std::vector<std::string> list_responses = Strings(list, 6);
  ASSERT_EQ(list_responses.size(), 1u) << "no list_services_response";
  UnknownFieldSet services;
  ASSERT_TRUE(services.ParseFromString(list_responses[0]));
  std::vector<std::string> names;
  for (const std::string& service : Strings(services, 1)) {
    UnknownFieldSet fields;
    ASSERT_TRUE(fields.ParseFromString(service));
    for (const std::string& name : Strings(fields, 1)) names.push_back(name);
  }
  EXPECT_THAT(names, Contains("ledger.v1.Ledger"));
  EXPECT_THAT(names, Contains("grpc.health.v1.Health"));

  // file_descriptor_response (4) -> file_descriptor_proto (1, repeated).
  UnknownFieldSet file;
  ASSERT_TRUE(file.ParseFromString(responses[1]));
  const std::vector<std::string> file_responses = Strings(file, 4);
  ASSERT_EQ(file_responses.size(), 1u) << "no file_descriptor_response";
  UnknownFieldSet descriptors;
  ASSERT_TRUE(descriptors.ParseFromString(file_responses[0]));
  bool found = false;
  for (const std::string& bytes : Strings(descriptors, 1)) {
    google::protobuf::FileDescriptorProto proto;
    ASSERT_TRUE(proto.ParseFromString(bytes));
    if (proto.name() != "ledger/v1/ledger.proto") continue;
    found = true;
    EXPECT_EQ(proto.package(), "ledger.v1");
    ASSERT_EQ(proto.service_size(), 1);
    std::vector<std::string> methods;
    for (const auto& method : proto.service(0).method()) {
      methods.push_back(method.name());
    }
    EXPECT_THAT(methods,
                ::testing::UnorderedElementsAre(
                    "Append", "MergeCustomers", "ReadStream", "ReadAll",
                    "Subscribe", "GetInfo", "ForgetCustomer"));
  }
  EXPECT_TRUE(found) << "ledger/v1/ledger.proto not in the response";
}

}  // namespace
}  // namespace ledger::testing
