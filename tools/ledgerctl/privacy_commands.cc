#include "tools/ledgerctl/privacy_commands.h"

#include <iostream>

#include "grpcpp/grpcpp.h"
#include "ledger/v1/admin.grpc.pb.h"
#include "ledger/v1/ledger.grpc.pb.h"
#include "tools/ledgerctl/output.h"
#include "tools/ledgerctl/query_util.h"

namespace ledger::ctl {

namespace {

namespace v1 = ::ledger::v1;

int RunForget(const GlobalOptions& global, const ForgetOptions& o) {
  if (o.reason.empty()) {
    return UsageError(
        "--reason is required: why this customer's personal "
        "data is erased (it stays on record)");
  }
  if (!o.yes) {
    return UsageError("forgetting " + o.customer_id +
                      " erases its personal data for good (its key is "
                      "destroyed); add --yes to confirm");
  }
  v1::ForgetCustomerRequest request;
  request.set_customer_id(o.customer_id);
  request.set_reason(o.reason);
  request.set_request_id(o.request_id.empty() ? NewUuid() : o.request_id);
  request.mutable_metadata()->set_actor(o.actor);
  auto stub = v1::Ledger::NewStub(NewChannel(global));
  v1::ForgetCustomerResponse response;
  const int code = CallUnary(
      global,
      [&](grpc::ClientContext* ctx, v1::ForgetCustomerResponse* resp) {
        return stub->ForgetCustomer(ctx, request, resp);
      },
      &response);
  if (code != kExitOk || global.json) return code;
  std::cout << "forgot " << o.customer_id << " at position "
            << response.position()
            << (response.duplicate() ? " (already done: same request id)" : "")
            << "; keys destroyed for:";
  for (const std::string& id : response.erased_customer_ids()) {
    std::cout << " " << id;
  }
  std::cout << "\n";
  return kExitOk;
}

int RunConsent(const GlobalOptions& global, const ConsentOptions& o) {
  if (o.grant == o.withdraw) {
    return UsageError("give exactly one of --grant and --withdraw");
  }
  v1::AppendRequest request;
  request.set_customer_id(o.customer_id);
  request.mutable_expected_version()->mutable_stream_exists();
  request.set_request_id(o.request_id.empty() ? NewUuid() : o.request_id);
  request.mutable_metadata()->set_actor(o.actor);
  request.mutable_metadata()->set_reason(o.reason);
  v1::ConsentRecorded* c =
      request.add_events()->mutable_payload()->mutable_consent_recorded();
  c->set_purpose(o.purpose);
  c->set_granted(o.grant);
  c->set_channel(o.channel);
  c->set_evidence_ref(o.evidence);
  if (!o.expires_on.empty()) {
    int exit_code = kExitOk;
    if (!ParseDate("--expires-on", o.expires_on, c->mutable_expires_on(),
                   &exit_code)) {
      return exit_code;
    }
  }
  auto stub = v1::Ledger::NewStub(NewChannel(global));
  v1::AppendResponse response;
  const int code = CallUnary(
      global,
      [&](grpc::ClientContext* ctx, v1::AppendResponse* resp) {
        return stub->Append(ctx, request, resp);
      },
      &response);
  if (code != kExitOk || global.json) return code;
  std::cout << (o.grant ? "consent for " : "consent withdrawn for ")
            << o.purpose << " recorded for " << o.customer_id << " at position "
            << response.last_position()
            << (response.duplicate() ? " (already done: same request id)" : "")
            << "\n";
  return kExitOk;
}

int RunRotate(const GlobalOptions& global) {
  auto stub = v1::Admin::NewStub(NewChannel(global));
  v1::RotateMasterKeyResponse response;
  const int code = CallUnary(
      global,
      [&](grpc::ClientContext* ctx, v1::RotateMasterKeyResponse* resp) {
        return stub->RotateMasterKey(ctx, v1::RotateMasterKeyRequest(), resp);
      },
      &response);
  if (code != kExitOk || global.json) return code;
  std::cout << "master key " << response.master_key_id() << ": "
            << response.rewrapped() << " customer keys re-wrapped, "
            << response.already_current()
            << " already were; older master keys may now be removed from "
               "the file\n";
  return kExitOk;
}

}  // namespace

void PrivacyCommands::Register(CLI::App& app, const std::string& actor) {
  forget_.actor = actor;
  consent_.actor = actor;
  forget_cmd_ = app.add_subcommand(
      "forget",
      "Erase a customer's personal data on record (ForgetCustomer): its key "
      "is destroyed, personal fields read \"erased\" everywhere, the history "
      "still verifies. Covers the customers merged into it");
  forget_cmd_->add_option("customer", forget_.customer_id, "Customer id")
      ->required();
  forget_cmd_->add_option("--reason", forget_.reason,
                          "Why (required; recorded with the event)");
  forget_cmd_->add_option("--actor", forget_.actor, "Who (LEDGER_ACTOR)");
  forget_cmd_->add_option("--request-id", forget_.request_id,
                          "Idempotency key (default: a new UUID)");
  forget_cmd_->add_flag("--yes", forget_.yes,
                        "Confirm: the erasure cannot be undone");

  consent_cmd_ = app.add_subcommand(
      "consent",
      "Record that a customer granted or withdrew consent for a purpose");
  consent_cmd_->add_option("customer", consent_.customer_id, "Customer id")
      ->required();
  consent_cmd_->add_option("--purpose", consent_.purpose, "e.g. marketing")
      ->required();
  consent_cmd_->add_flag("--grant", consent_.grant, "Consent given");
  consent_cmd_->add_flag("--withdraw", consent_.withdraw, "Consent withdrawn");
  consent_cmd_->add_option("--channel", consent_.channel,
                           "How it was given: web-form, paper, phone, …");
  consent_cmd_->add_option("--evidence", consent_.evidence,
                           "Where the evidence is kept (form id, file)");
  consent_cmd_->add_option("--expires-on", consent_.expires_on,
                           "Last day the consent holds (YYYY-MM-DD)");
  consent_cmd_->add_option("--actor", consent_.actor, "Who (LEDGER_ACTOR)");
  consent_cmd_->add_option("--reason", consent_.reason, "Why");
  consent_cmd_->add_option("--request-id", consent_.request_id,
                           "Idempotency key (default: a new UUID)");

  CLI::App* admin =
      app.add_subcommand("admin", "Key management of the running server");
  admin->require_subcommand(1);
  rotate_cmd_ = admin->add_subcommand(
      "rotate-master-key",
      "Re-wrap every customer key with the last master key of the server's "
      "master key file (add a line \"<id> <64 hex>\" first); events are not "
      "rewritten");
}

int PrivacyCommands::Run(const GlobalOptions& global) const {
  if (forget_cmd_->parsed()) return RunForget(global, forget_);
  if (consent_cmd_->parsed()) return RunConsent(global, consent_);
  if (rotate_cmd_->parsed()) return RunRotate(global);
  return -1;
}

}  // namespace ledger::ctl
