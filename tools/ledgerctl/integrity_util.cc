#include "tools/ledgerctl/integrity_util.h"

#include <cstdio>
#include <iostream>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/util/time_util.h"
#include "grpcpp/grpcpp.h"
#include "tools/ledgerctl/digest_signature.h"
#include "tools/ledgerctl/output.h"

namespace ledger::ctl {

namespace v1 = ::ledger::v1;

bool LoadPin(const std::string& spec, std::string* pinned, int* exit_code) {
  pinned->clear();
  if (spec.empty()) return true;
  absl::StatusOr<std::string> key = LoadPublicKey(spec);
  if (!key.ok()) {
    *exit_code = UsageError(std::string(key.status().message()));
    return false;
  }
  *pinned = *key;
  return true;
}

grpc::Status FetchDigest(v1::Integrity::Stub& stub, const GlobalOptions& global,
                         uint64_t tree_size, v1::SignedDigest* digest) {
  grpc::ClientContext context;
  SetDeadline(context, global.timeout_seconds);
  v1::GetDigestRequest request;
  request.set_tree_size(tree_size);
  v1::GetDigestResponse response;
  grpc::Status status = stub.GetDigest(&context, request, &response);
  if (status.ok()) *digest = response.digest();
  return status;
}

void AddDigestRows(const v1::SignedDigest& digest, bool pinned, Table* table) {
  table->AddRow({"tree size", std::to_string(digest.tree_size())});
  table->AddRow({"root hash", absl::BytesToHexString(digest.root_hash())});
  table->AddRow({"head hash", absl::BytesToHexString(digest.head_hash())});
  table->AddRow({"signed at", FormatTime(digest.signed_at())});
  table->AddRow({"key id", digest.key_id() + (pinned ? " (pinned)"
                                                     : " (NOT pinned: trusted "
                                                       "on first use)")});
  table->AddRow({"public key", absl::BytesToHexString(digest.public_key())});
}

std::string TrustNote(const v1::SignedDigest& digest, bool pinned) {
  if (pinned) return "";
  return absl::StrCat(
      "note: no --public-key given, so the server's key ", digest.key_id(),
      " is only trusted on first use; compare it with the key you were given "
      "and pin it with --public-key ",
      absl::BytesToHexString(digest.public_key()));
}

void Put(google::protobuf::Struct* s, const std::string& key,
         const std::string& value) {
  (*s->mutable_fields())[key].set_string_value(value);
}

void Put(google::protobuf::Struct* s, const std::string& key,
         const char* value) {
  (*s->mutable_fields())[key].set_string_value(value);
}

void Put(google::protobuf::Struct* s, const std::string& key, uint64_t value) {
  (*s->mutable_fields())[key].set_number_value(static_cast<double>(value));
}

void Put(google::protobuf::Struct* s, const std::string& key, bool value) {
  (*s->mutable_fields())[key].set_bool_value(value);
}

void PutDigest(google::protobuf::Struct* s, const std::string& key,
               const v1::SignedDigest& digest) {
  google::protobuf::Struct* d =
      (*s->mutable_fields())[key].mutable_struct_value();
  Put(d, "treeSize", static_cast<uint64_t>(digest.tree_size()));
  Put(d, "rootHash", absl::BytesToHexString(digest.root_hash()));
  Put(d, "headHash", absl::BytesToHexString(digest.head_hash()));
  Put(d, "signedAt",
      google::protobuf::util::TimeUtil::ToString(digest.signed_at()));
  Put(d, "keyId", digest.key_id());
  Put(d, "publicKey", absl::BytesToHexString(digest.public_key()));
}

void PrintJson(const google::protobuf::Struct& s) {
  std::cout << ToJson(s) << "\n";
}

}  // namespace ledger::ctl
