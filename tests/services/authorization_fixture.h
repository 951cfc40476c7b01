#ifndef LEDGER_TESTS_SERVICES_AUTHORIZATION_FIXTURE_H_
#define LEDGER_TESTS_SERVICES_AUTHORIZATION_FIXTURE_H_

// A server with a tokens file: a token per role (two services, with and
// without write grant), customers of two sales owners, typed and generic
// calls with a token, and the denials the server reported.

#include <string>
#include <utility>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "google/protobuf/message.h"
#include "grpcpp/generic/generic_stub.h"
#include "ledger/v1/customer.grpc.pb.h"
#include "services/principal.h"
#include "tests/services/auth_test_util.h"
#include "tests/services/service_test_util.h"

namespace ledger::testing {

struct Denial {
  std::string principal;
  std::string method;
  std::string customer_id;
  absl::StatusCode code;
};

class AuthorizationFixture : public LedgerTestBase {
 protected:
  using Metadata = std::vector<std::pair<std::string, std::string>>;

  AuthorizationFixture()
      : admin_(MakeToken("lt_admin0000001", "root", "admin")),
        manager_(MakeToken("lt_manager00001", "mgr", "manager")),
        sales_(
            MakeToken("lt_sales0000001", "li", "sales", "owner_id=sales-li")),
        writer_(
            MakeToken("lt_billing00001", "billing", "service", "write=true")),
        reader_(MakeToken("lt_reporting001", "reporting", "service")),
        auditor_(MakeToken("lt_auditor00001", "aud", "auditor")),
        revoked_(MakeToken("lt_revoked00001", "gone", "manager",
                           "revoked_at=2026-11-25T09:00:00Z")) {
    tokens_path_ = dir_.Sub("tokens");
    std::string text = "# test tokens\n";
    for (const TestToken* t : {&admin_, &manager_, &sales_, &writer_, &reader_,
                               &auditor_, &revoked_}) {
      text += t->line + "\n";
    }
    WriteFileWithMode(tokens_path_, text);
    options_.tokens_file = tokens_path_;
    options_.on_access_denied =
        [this](const services::Principal& principal, absl::string_view method,
               absl::string_view customer_id, const absl::Status& status) {
          absl::MutexLock lock(&mu_);
          denials_.push_back({principal.name, std::string(method),
                              std::string(customer_id), status.code()});
        };
  }

  void SetUp() override {
    LedgerTestBase::SetUp();
    for (const auto& [id, owner] :
         {std::pair<std::string, std::string>{"C-LI", "sales-li"},
          {"C-LI2", "sales-li"},
          {"C-OTHER", "sales-wang"}}) {
      ledger::v1::AppendRequest request = RegisterRequest(id);
      request.mutable_metadata()->clear_actor();
      request.mutable_events(0)
          ->mutable_payload()
          ->mutable_customer_registered()
          ->set_owner_id(owner);
      ASSERT_THAT(AppendAs(admin_, request), GrpcOk());
    }
  }

  static std::unique_ptr<grpc::ClientContext> ContextAs(
      const TestToken& token, const Metadata& metadata = {}) {
    auto context = Context();
    UseToken(*context, token.token);
    for (const auto& [key, value] : metadata) context->AddMetadata(key, value);
    return context;
  }

  grpc::Status AppendAs(const TestToken& token,
                        const ledger::v1::AppendRequest& request,
                        const Metadata& metadata = {},
                        ledger::v1::AppendResponse* response = nullptr) {
    ledger::v1::AppendResponse ignored;
    return stub().Append(ContextAs(token, metadata).get(), request,
                         response != nullptr ? response : &ignored);
  }

  uint64_t Head() {
    ledger::v1::GetInfoResponse info;
    EXPECT_THAT(stub().GetInfo(ContextAs(admin_).get(), {}, &info), GrpcOk());
    return info.head_position();
  }

  // A unary call of `method` ("/ledger.v1.X/Y") by bytes, whatever its
  // types, with `token` (none: null): the table test calls every RPC this
  // way.
  grpc::Status CallGeneric(const TestToken* token, const std::string& method,
                           const google::protobuf::Message& request) {
    grpc::GenericStub generic(channel());
    auto context = token != nullptr ? ContextAs(*token) : Context();
    const std::string bytes = request.SerializeAsString();
    grpc::Slice slice(bytes);
    grpc::ByteBuffer request_buffer(&slice, 1);
    grpc::ByteBuffer response_buffer;
    absl::Notification done;
    grpc::Status result;
    generic.UnaryCall(context.get(), method, grpc::StubOptions(),
                      &request_buffer, &response_buffer,
                      [&](grpc::Status status) {
                        result = std::move(status);
                        done.Notify();
                      });
    done.WaitForNotification();
    return result;
  }

  std::vector<Denial> denials() {
    absl::MutexLock lock(&mu_);
    return denials_;
  }

  std::string tokens_path_;
  TestToken admin_, manager_, sales_, writer_, reader_, auditor_, revoked_;

 private:
  absl::Mutex mu_;
  std::vector<Denial> denials_ ABSL_GUARDED_BY(mu_);
};

}  // namespace ledger::testing

#endif  // LEDGER_TESTS_SERVICES_AUTHORIZATION_FIXTURE_H_
