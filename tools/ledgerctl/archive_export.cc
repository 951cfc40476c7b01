#include "tools/ledgerctl/archive_export.h"

#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <vector>

#include "absl/strings/str_cat.h"
#include "google/protobuf/util/time_util.h"
#include "grpcpp/grpcpp.h"
#include "ledger/v1/archive.pb.h"
#include "ledger/v1/integrity.grpc.pb.h"
#include "ledger/v1/ledger.grpc.pb.h"
#include "tools/ledgerctl/archive_file.h"
#include "tools/ledgerctl/chain_verifier.h"
#include "tools/ledgerctl/digest_signature.h"
#include "tools/ledgerctl/event_stream.h"
#include "tools/ledgerctl/integrity_util.h"
#include "tools/ledgerctl/merkle_verifier.h"
#include "tools/ledgerctl/progress_bar.h"

namespace ledger::ctl {

namespace {

namespace v1 = ::ledger::v1;

int ExportFailed(const std::string& error) {
  std::fprintf(stderr, "export FAILED: %s\n", error.c_str());
  return kExitVerifyFailed;
}

}  // namespace

int RunExportArchive(const GlobalOptions& global,
                     const ArchiveExportOptions& options) {
  auto channel = NewChannel(global);
  auto integrity = v1::Integrity::NewStub(channel);
  auto ledger = v1::Ledger::NewStub(channel);
  const uint64_t from = options.from == 0 ? 1 : options.from;
  uint64_t to = options.to;
  if (to == 0) {
    v1::SignedDigest head;
    if (grpc::Status s = FetchDigest(*integrity, global, 0, &head); !s.ok()) {
      return RpcError(global, s);
    }
    to = head.tree_size();
    if (to == 0) return UsageError("the log is empty: nothing to export");
  }
  if (from > to) {
    return UsageError(absl::StrCat("--from ", from, " is after --to ", to));
  }

  v1::GetInclusionProofResponse proof;
  {
    grpc::ClientContext context;
    SetDeadline(context, global.timeout_seconds);
    v1::GetInclusionProofRequest request;
    request.set_position(to);
    request.set_tree_size(to);
    grpc::Status s = integrity->GetInclusionProof(&context, request, &proof);
    if (!s.ok()) return RpcError(global, s);
  }
  const v1::SignedDigest& digest = proof.digest();
  if (absl::Status s = VerifyDigest(digest, ""); !s.ok()) {
    return ExportFailed(std::string(s.message()));
  }
  if (digest.tree_size() != to || proof.event_hash() != digest.head_hash()) {
    return ExportFailed(absl::StrCat("the server's proof is for tree size ",
                                     digest.tree_size(), " and not for event ",
                                     to, "'s signed head"));
  }
  const std::vector<std::string> path(proof.audit_path().begin(),
                                      proof.audit_path().end());
  if (absl::Status s = VerifyInclusion(to - 1, to, LeafHash(proof.event_hash()),
                                       path, digest.root_hash());
      !s.ok()) {
    return ExportFailed(std::string(s.message()));
  }

  std::string server_version;
  {
    grpc::ClientContext context;
    SetDeadline(context, global.timeout_seconds);
    v1::GetInfoResponse info;
    if (ledger->GetInfo(&context, v1::GetInfoRequest(), &info).ok()) {
      server_version = info.server_version();
    }
  }

  const bool to_stdout = options.output.empty() || options.output == "-";
  const std::string partial = options.output + ".partial";
  std::ofstream file;
  if (!to_stdout) {
    file.open(partial, std::ios::binary | std::ios::trunc);
    if (!file) return UsageError("cannot write " + partial);
  }
  std::ostream& out = to_stdout ? std::cout : file;
  auto abandon = [&](int code) {
    if (!to_stdout) {
      file.close();
      std::remove(partial.c_str());
    }
    return code;
  };

  v1::ArchiveRecord record;
  v1::ArchiveHeader* header = record.mutable_header();
  header->set_format_version(1);
  header->set_from_position(from);
  header->set_to_position(to);
  *header->mutable_created_at() =
      google::protobuf::util::TimeUtil::GetCurrentTime();
  header->set_server_version(server_version);
  header->set_public_key(digest.public_key());
  header->set_key_id(digest.key_id());
  if (!WriteArchiveMagic(out).ok() || !WriteArchiveRecord(out, record).ok()) {
    return abandon(UsageError("cannot write " + options.output));
  }

  std::unique_ptr<ChainVerifier> chain;
  std::string error;
  bool write_failed = false;
  uint64_t missing = 0;
  grpc::Status status;
  {
    ProgressBar progress(ProgressBar::Wanted(global.json), to - from + 1,
                         "events");
    status = ForEachEvent(
        *ledger, global, from, to, options.page,
        [&](const v1::Event& served) {
          record.Clear();
          v1::Event& e = *record.mutable_event();
          e = served;
          // Only the hashed bytes go into the archive; the check decodes
          // them itself.
          e.clear_payload();
          if (chain == nullptr) {
            chain = std::make_unique<ChainVerifier>(
                from == 1 ? std::string(kHashSize, '\0') : e.prev_hash());
          }
          v1::Event checked = e;
          if (!checked.mutable_payload()->ParseFromString(e.raw_payload())) {
            checked.clear_payload();
          }
          if (!chain->Check(checked, &error)) return false;
          if (!WriteArchiveRecord(out, record).ok()) {
            write_failed = true;
            return false;
          }
          progress.Update(chain->verified());
          return true;
        },
        &missing);
  }
  if (!status.ok()) return abandon(RpcError(global, status));
  if (write_failed) {
    return abandon(UsageError("writing " + options.output + " failed"));
  }
  if (!error.empty()) return abandon(ExportFailed(error));
  const uint64_t count = chain == nullptr ? 0 : chain->verified();
  if (missing != 0 || count != to - from + 1) {
    return abandon(ExportFailed(absl::StrCat(
        "the server sent ", count, " of the events ", from, "..", to)));
  }
  if (chain->last_hash() != digest.head_hash()) {
    return abandon(ExportFailed(
        absl::StrCat("event ", to, " does not hash to the signed head hash")));
  }
  record.Clear();
  v1::ArchiveTrailer* trailer = record.mutable_trailer();
  trailer->set_event_count(count);
  *trailer->mutable_digest() = digest;
  for (const std::string& node : path) trailer->add_audit_path(node);
  if (!WriteArchiveRecord(out, record).ok() || !out.flush()) {
    return abandon(UsageError("writing " + options.output + " failed"));
  }
  if (!to_stdout) {
    file.close();
    if (!file || std::rename(partial.c_str(), options.output.c_str()) != 0) {
      return abandon(UsageError("cannot write " + options.output));
    }
  }
  if (global.json) {
    google::protobuf::Struct summary;
    Put(&summary, "ok", true);
    Put(&summary, "from", from);
    Put(&summary, "to", to);
    Put(&summary, "events", count);
    Put(&summary, "file", options.output);
    PutDigest(&summary, "digest", digest);
    if (!to_stdout) PrintJson(summary);
  } else {
    std::fprintf(stderr,
                 "exported events %llu..%llu (%llu events) with the signed "
                 "digest of tree size %llu (key %s)%s\n",
                 static_cast<unsigned long long>(from),
                 static_cast<unsigned long long>(to),
                 static_cast<unsigned long long>(count),
                 static_cast<unsigned long long>(to), digest.key_id().c_str(),
                 to_stdout ? "" : absl::StrCat(" to ", options.output).c_str());
  }
  return kExitOk;
}

}  // namespace ledger::ctl
