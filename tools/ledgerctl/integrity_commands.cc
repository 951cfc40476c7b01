#include "tools/ledgerctl/integrity_commands.h"

#include <fstream>
#include <iostream>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "grpcpp/grpcpp.h"
#include "ledger/v1/integrity.grpc.pb.h"
#include "ledger/v1/ledger.grpc.pb.h"
#include "tools/ledgerctl/archive_verifier.h"
#include "tools/ledgerctl/chain_verifier.h"
#include "tools/ledgerctl/digest_signature.h"
#include "tools/ledgerctl/integrity_util.h"
#include "tools/ledgerctl/merkle_verifier.h"
#include "tools/ledgerctl/output.h"
#include "tools/ledgerctl/progress_bar.h"

namespace ledger::ctl {

namespace {

namespace v1 = ::ledger::v1;

// Prints a failed check (stdout, or a JSON object) and returns
// kExitVerifyFailed.
int CheckFailed(const GlobalOptions& global, const std::string& command,
                const std::string& error) {
  if (global.json) {
    google::protobuf::Struct out;
    Put(&out, "ok", false);
    Put(&out, "error", error);
    PrintJson(out);
  } else {
    std::cout << command << " FAILED: " << error << "\n";
  }
  return kExitVerifyFailed;
}

std::vector<std::string> ToVector(
    const google::protobuf::RepeatedPtrField<std::string>& hashes) {
  return std::vector<std::string>(hashes.begin(), hashes.end());
}

// Re-checks the served event at `position` by itself: its payload digest
// and its chain hash recomputed from its content (from its own prev_hash).
absl::Status CheckServedEvent(v1::Ledger::Stub& stub,
                              const GlobalOptions& global, uint64_t position,
                              const std::string& event_hash) {
  grpc::ClientContext context;
  SetDeadline(context, global.timeout_seconds);
  v1::ReadAllRequest request;
  request.set_from_position(position);
  request.set_limit(1);
  request.set_include_raw_payload(true);
  v1::ReadAllResponse response;
  grpc::Status status = stub.ReadAll(&context, request, &response);
  if (!status.ok()) {
    return absl::UnavailableError(absl::StrCat(
        "reading event ", position, " failed: ", status.error_message()));
  }
  if (response.events_size() != 1 ||
      response.events(0).position() != position) {
    return absl::DataLossError(
        absl::StrCat("the server does not serve event ", position));
  }
  const v1::Event& e = response.events(0);
  ChainVerifier chain(e.prev_hash());
  std::string error;
  if (!chain.Check(e, &error)) return absl::DataLossError(error);
  if (e.hash() != event_hash) {
    return absl::DataLossError(absl::StrCat(
        "the proof is for event hash ", absl::BytesToHexString(event_hash),
        " but event ", position, " hashes to ",
        absl::BytesToHexString(e.hash())));
  }
  return absl::OkStatus();
}

}  // namespace

int RunDigest(const GlobalOptions& global, const IntegrityOptions& options) {
  std::string pinned;
  if (int code = kExitOk; !LoadPin(options.public_key, &pinned, &code)) {
    return code;
  }
  auto stub = v1::Integrity::NewStub(NewChannel(global));
  v1::SignedDigest digest;
  if (grpc::Status s = FetchDigest(*stub, global, options.tree_size, &digest);
      !s.ok()) {
    return RpcError(global, s);
  }
  if (absl::Status s = VerifyDigest(digest, pinned); !s.ok()) {
    return CheckFailed(global, "digest", std::string(s.message()));
  }
  if (options.tree_size != 0 && digest.tree_size() != options.tree_size) {
    return CheckFailed(
        global, "digest",
        absl::StrCat("asked for tree size ", options.tree_size,
                     ", the server signed ", digest.tree_size()));
  }
  if (!options.save.empty()) {
    if (absl::Status s = SaveDigest(digest, options.save); !s.ok()) {
      return UsageError(std::string(s.message()));
    }
  }
  if (global.json) {
    std::cout << ToJson(digest) << "\n";
    return kExitOk;
  }
  Table table({"SIGNED TREE HEAD", ""});
  AddDigestRows(digest, !pinned.empty(), &table);
  table.Print();
  std::cout << "signature OK\n";
  if (!options.save.empty()) {
    std::cout << "saved to " << options.save
              << " (later: ledgerctl consistency --since " << options.save
              << ")\n";
  }
  if (const std::string note = TrustNote(digest, !pinned.empty());
      !note.empty()) {
    std::cout << note << "\n";
  }
  return kExitOk;
}

int RunConsistency(const GlobalOptions& global,
                   const IntegrityOptions& options) {
  std::string pinned;
  if (int code = kExitOk; !LoadPin(options.public_key, &pinned, &code)) {
    return code;
  }
  absl::StatusOr<v1::SignedDigest> saved = LoadSavedDigest(options.since);
  if (!saved.ok()) return UsageError(std::string(saved.status().message()));
  // The saved digest was checked when it was saved; check that it still is
  // what the server signed then (a doctored file fails here).
  if (absl::Status s = VerifyDigest(*saved, ""); !s.ok()) {
    return CheckFailed(global, "consistency",
                       absl::StrCat("the saved digest ", options.since,
                                    " does not verify: ", s.message()));
  }
  const std::string key = pinned.empty() ? saved->public_key() : pinned;
  const uint64_t old_size = saved->tree_size();

  auto stub = v1::Integrity::NewStub(NewChannel(global));
  v1::SignedDigest new_digest;
  std::vector<std::string> proof;
  if (old_size == 0) {
    // Every log extends the empty one; there is nothing to prove.
    if (grpc::Status s = FetchDigest(*stub, global, 0, &new_digest); !s.ok()) {
      return RpcError(global, s);
    }
  } else {
    grpc::ClientContext context;
    SetDeadline(context, global.timeout_seconds);
    v1::GetConsistencyProofRequest request;
    request.set_old_size(old_size);
    v1::GetConsistencyProofResponse response;
    grpc::Status status =
        stub->GetConsistencyProof(&context, request, &response);
    if (!status.ok()) return RpcError(global, status);
    new_digest = response.new_digest();
    proof = ToVector(response.proof());
    if (response.old_size() != old_size ||
        response.new_size() != new_digest.tree_size()) {
      return CheckFailed(
          global, "consistency",
          absl::StrCat("the server answered for sizes ", response.old_size(),
                       " and ", response.new_size(), ", asked ", old_size,
                       " and its head of ", new_digest.tree_size()));
    }
    if (response.old_digest().root_hash() != saved->root_hash()) {
      return CheckFailed(
          global, "consistency",
          absl::StrCat(
              "the server now states root ",
              absl::BytesToHexString(response.old_digest().root_hash()),
              " for size ", old_size, ", not the saved ",
              absl::BytesToHexString(saved->root_hash()),
              ": the log was rewritten or forked"));
    }
  }
  if (absl::Status s = VerifyDigest(new_digest, key); !s.ok()) {
    return CheckFailed(global, "consistency",
                       absl::StrCat("the current digest: ", s.message()));
  }
  if (old_size > 0) {
    if (absl::Status s = VerifyConsistency(old_size, new_digest.tree_size(),
                                           saved->root_hash(),
                                           new_digest.root_hash(), proof);
        !s.ok()) {
      return CheckFailed(global, "consistency", std::string(s.message()));
    }
  }
  if (!options.save.empty()) {
    if (absl::Status s = SaveDigest(new_digest, options.save); !s.ok()) {
      return UsageError(std::string(s.message()));
    }
  }
  const std::string summary =
      absl::StrCat("the log at size ", new_digest.tree_size(),
                   " only appended to the log at size ", old_size);
  if (global.json) {
    google::protobuf::Struct out;
    Put(&out, "ok", true);
    Put(&out, "oldSize", old_size);
    Put(&out, "newSize", static_cast<uint64_t>(new_digest.tree_size()));
    Put(&out, "proofNodes", static_cast<uint64_t>(proof.size()));
    Put(&out, "keyPinned", !pinned.empty());
    PutDigest(&out, "old", *saved);
    PutDigest(&out, "new", new_digest);
    Put(&out, "summary", summary);
    PrintJson(out);
    return kExitOk;
  }
  Table table({"", "SAVED", "NOW"});
  table.AddRow({"tree size", std::to_string(old_size),
                std::to_string(new_digest.tree_size())});
  table.AddRow({"root hash", absl::BytesToHexString(saved->root_hash()),
                absl::BytesToHexString(new_digest.root_hash())});
  table.AddRow({"signed at", FormatTime(saved->signed_at()),
                FormatTime(new_digest.signed_at())});
  table.AddRow({"key id", saved->key_id(), new_digest.key_id()});
  table.Print();
  std::cout << "consistency OK: " << summary << " (" << proof.size()
            << "-node RFC 6962 proof checked locally; both signatures valid)\n";
  if (!options.save.empty()) {
    std::cout << "saved the current digest to " << options.save << "\n";
  }
  return kExitOk;
}

int RunProof(const GlobalOptions& global, const IntegrityOptions& options) {
  std::string pinned;
  if (int code = kExitOk; !LoadPin(options.public_key, &pinned, &code)) {
    return code;
  }
  if (options.position == 0) {
    return UsageError("POSITION must be 1 or more (the first event is 1)");
  }
  auto channel = NewChannel(global);
  auto stub = v1::Integrity::NewStub(channel);
  grpc::ClientContext context;
  SetDeadline(context, global.timeout_seconds);
  v1::GetInclusionProofRequest request;
  request.set_position(options.position);
  request.set_tree_size(options.tree_size);
  v1::GetInclusionProofResponse response;
  grpc::Status status = stub->GetInclusionProof(&context, request, &response);
  if (!status.ok()) return RpcError(global, status);
  const v1::SignedDigest& digest = response.digest();
  if (absl::Status s = VerifyDigest(digest, pinned); !s.ok()) {
    return CheckFailed(global, "proof", std::string(s.message()));
  }
  const uint64_t size = digest.tree_size();
  if (response.position() != options.position || response.tree_size() != size ||
      (options.tree_size != 0 && size != options.tree_size)) {
    return CheckFailed(
        global, "proof",
        absl::StrCat("asked to prove event ", options.position, " in size ",
                     options.tree_size, "; the server answered event ",
                     response.position(), " in size ", response.tree_size(),
                     " with a digest of size ", size));
  }
  if (absl::Status s = VerifyInclusion(
          options.position - 1, size, LeafHash(response.event_hash()),
          ToVector(response.audit_path()), digest.root_hash());
      !s.ok()) {
    return CheckFailed(global, "proof", std::string(s.message()));
  }
  auto ledger = v1::Ledger::NewStub(channel);
  if (absl::Status s = CheckServedEvent(*ledger, global, options.position,
                                        response.event_hash());
      !s.ok()) {
    return CheckFailed(global, "proof", std::string(s.message()));
  }
  const std::string summary = absl::StrCat(
      "event ", options.position, " is in the signed log of size ", size);
  if (global.json) {
    google::protobuf::Struct out;
    Put(&out, "ok", true);
    Put(&out, "position", static_cast<uint64_t>(options.position));
    Put(&out, "eventHash", absl::BytesToHexString(response.event_hash()));
    Put(&out, "proofNodes", static_cast<uint64_t>(response.audit_path_size()));
    Put(&out, "keyPinned", !pinned.empty());
    PutDigest(&out, "digest", digest);
    Put(&out, "summary", summary);
    PrintJson(out);
    return kExitOk;
  }
  Table table({"INCLUSION PROOF", ""});
  table.AddRow({"position", std::to_string(options.position)});
  table.AddRow({"event hash", absl::BytesToHexString(response.event_hash())});
  for (int i = 0; i < response.audit_path_size(); ++i) {
    table.AddRow({"audit path " + std::to_string(i),
                  absl::BytesToHexString(response.audit_path(i))});
  }
  AddDigestRows(digest, !pinned.empty(), &table);
  table.Print();
  std::cout << "proof OK: " << summary
            << " (event re-hashed from its content, audit path and "
               "signature checked locally)\n";
  if (const std::string note = TrustNote(digest, !pinned.empty());
      !note.empty()) {
    std::cout << note << "\n";
  }
  return kExitOk;
}

int RunVerifyArchive(const GlobalOptions& global,
                     const IntegrityOptions& options) {
  std::string pinned;
  if (int code = kExitOk; !LoadPin(options.public_key, &pinned, &code)) {
    return code;
  }
  std::ifstream file;
  std::istream* in = &std::cin;
  if (options.file != "-") {
    file.open(options.file, std::ios::binary);
    if (!file) return UsageError("cannot read " + options.file);
    in = &file;
  }
  std::unique_ptr<ProgressBar> progress;
  const ArchiveReport report =
      VerifyArchive(*in, pinned, [&](uint64_t done, uint64_t total) {
        if (progress == nullptr) {
          progress = std::make_unique<ProgressBar>(
              ProgressBar::Wanted(global.json), total, "events");
        }
        progress->Update(done);
      });
  if (progress != nullptr) progress->Finish();
  const bool has_digest = report.digest.public_key().size() == kHashSize;
  if (global.json) {
    google::protobuf::Struct out;
    Put(&out, "ok", report.ok);
    Put(&out, "from", report.from);
    Put(&out, "to", report.to);
    Put(&out, "events", report.events);
    Put(&out, "keyPinned", !pinned.empty());
    if (has_digest) PutDigest(&out, "digest", report.digest);
    if (!report.ok) {
      Put(&out, "error", report.error);
      if (report.bad_position != 0) {
        Put(&out, "badPosition", report.bad_position);
      }
    }
    PrintJson(out);
  } else if (report.ok) {
    Table table({"ARCHIVE", ""});
    table.AddRow({"file", options.file});
    table.AddRow({"events", absl::StrCat(report.from, "..", report.to)});
    AddDigestRows(report.digest, !pinned.empty(), &table);
    table.Print();
    std::cout << "verify-archive OK: " << report.events << " events (positions "
              << report.from << ".." << report.to
              << "): every chain link and payload digest checked, event "
              << report.to
              << " proven in the signed tree; no server was asked\n";
    if (const std::string note = TrustNote(report.digest, !pinned.empty());
        !note.empty()) {
      std::cout << note << "\n";
    }
  } else {
    std::cout << "verify-archive FAILED"
              << (report.bad_position != 0
                      ? absl::StrCat(" at position ", report.bad_position)
                      : std::string())
              << ": " << report.error << "\n";
  }
  return report.ok ? kExitOk : kExitVerifyFailed;
}

void IntegrityCommands::Register(CLI::App& app) {
  auto add_key = [this](CLI::App* cmd) {
    cmd->add_option("--public-key", options_.public_key,
                    "The server's Ed25519 public key to trust: 64 hex "
                    "digits, or a file with them, a PEM public key or a "
                    "saved digest (default: trust the key the server shows, "
                    "on first use)")
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  };
  verify_cmd_ = app.add_subcommand(
      "verify",
      "Audit the whole log: check every hash link and payload digest, "
      "recompute the RFC 6962 Merkle root from the event hashes and compare "
      "it with the server's signed tree head, check the Ed25519 signature; "
      "on a mismatch, name the first position where the server's tree "
      "disagrees with its events");
  add_key(verify_cmd_);
  verify_cmd_->add_option("--page", options_.page, "Events per read")
      ->capture_default_str();

  digest_cmd_ = app.add_subcommand(
      "digest", "The server's signed tree head (size, root, head hash)");
  add_key(digest_cmd_);
  digest_cmd_->add_option("--tree-size", options_.tree_size,
                          "An earlier tree size (default: the head)");
  digest_cmd_->add_option("--save", options_.save,
                          "Save the digest (JSON) for a later "
                          "`ledgerctl consistency --since FILE`");

  consistency_cmd_ = app.add_subcommand(
      "consistency",
      "Prove that today's log only appended to the log of a saved digest "
      "(RFC 6962 consistency proof, checked locally)");
  consistency_cmd_
      ->add_option("--since", options_.since,
                   "A digest saved with `ledgerctl digest --save`")
      ->required();
  add_key(consistency_cmd_);
  consistency_cmd_->add_option(
      "--save", options_.save,
      "After success, save the current digest here (may be the --since file)");

  proof_cmd_ = app.add_subcommand(
      "proof", "Prove that one event is in the signed log (inclusion proof)");
  proof_cmd_->add_option("position", options_.position, "Event position")
      ->required();
  proof_cmd_->add_option("--tree-size", options_.tree_size,
                         "Tree size to prove it in (default: the head)");
  add_key(proof_cmd_);

  verify_archive_cmd_ = app.add_subcommand(
      "verify-archive",
      "Check an archive from `ledgerctl export --from --to` fully offline: "
      "every event's link and payload digest, the last event's inclusion "
      "proof and the digest's signature");
  verify_archive_cmd_
      ->add_option("file", options_.file, "Archive file ('-' for stdin)")
      ->required();
  add_key(verify_archive_cmd_);
}

int IntegrityCommands::Run(const GlobalOptions& global) const {
  if (verify_cmd_->parsed()) return RunVerifyLog(global, options_);
  if (digest_cmd_->parsed()) return RunDigest(global, options_);
  if (consistency_cmd_->parsed()) return RunConsistency(global, options_);
  if (proof_cmd_->parsed()) return RunProof(global, options_);
  if (verify_archive_cmd_->parsed()) return RunVerifyArchive(global, options_);
  return -1;
}

}  // namespace ledger::ctl
