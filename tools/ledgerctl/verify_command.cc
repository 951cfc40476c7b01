// `ledgerctl verify`: the whole log against the signed Merkle tree head.

#include <iostream>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "grpcpp/grpcpp.h"
#include "ledger/v1/integrity.grpc.pb.h"
#include "ledger/v1/ledger.grpc.pb.h"
#include "tools/ledgerctl/chain_verifier.h"
#include "tools/ledgerctl/digest_signature.h"
#include "tools/ledgerctl/event_stream.h"
#include "tools/ledgerctl/integrity_commands.h"
#include "tools/ledgerctl/integrity_util.h"
#include "tools/ledgerctl/merkle_verifier.h"
#include "tools/ledgerctl/output.h"
#include "tools/ledgerctl/progress_bar.h"

namespace ledger::ctl {

namespace {

namespace v1 = ::ledger::v1;

// The root of the first `size` leaves of `leaves` (32-byte leaf hashes,
// concatenated).
std::string PrefixRoot(const std::string& leaves, uint64_t size) {
  MerkleRootBuilder builder;
  for (uint64_t i = 0; i < size; ++i) {
    builder.AddLeafHash(
        absl::string_view(leaves).substr(i * kHashSize, kHashSize));
  }
  return builder.Root();
}

// Finds the smallest tree size whose signed root differs from the root
// recomputed from the events, knowing that size `bad` differs (and size 0
// cannot). Each probe is a signed digest of the same key.
absl::Status Bisect(v1::Integrity::Stub& stub, const GlobalOptions& global,
                    const std::string& leaves, uint64_t bad,
                    const std::string& key, uint64_t* first_bad) {
  uint64_t good = 0;
  while (bad - good > 1) {
    const uint64_t mid = good + (bad - good) / 2;
    v1::SignedDigest digest;
    grpc::Status status = FetchDigest(stub, global, mid, &digest);
    if (!status.ok()) {
      return absl::UnavailableError(absl::StrCat("GetDigest(tree_size=", mid,
                                                 ") failed while looking "
                                                 "for the first bad position: ",
                                                 status.error_message()));
    }
    if (absl::Status s = VerifyDigest(digest, key); !s.ok()) return s;
    if (digest.tree_size() != mid) {
      return absl::DataLossError(absl::StrCat("asked for the digest of size ",
                                              mid, ", got one of size ",
                                              digest.tree_size()));
    }
    if (digest.root_hash() == PrefixRoot(leaves, mid)) {
      good = mid;
    } else {
      bad = mid;
    }
  }
  *first_bad = bad;
  return absl::OkStatus();
}

}  // namespace

int RunVerifyLog(const GlobalOptions& global, const IntegrityOptions& options) {
  std::string pinned;
  if (int code = kExitOk; !LoadPin(options.public_key, &pinned, &code)) {
    return code;
  }
  auto channel = NewChannel(global);
  auto integrity = v1::Integrity::NewStub(channel);
  auto ledger = v1::Ledger::NewStub(channel);

  v1::SignedDigest digest;
  if (grpc::Status s = FetchDigest(*integrity, global, 0, &digest); !s.ok()) {
    return RpcError(global, s);
  }
  const uint64_t n = digest.tree_size();
  std::string error;
  uint64_t bad_position = 0;
  bool signature_ok = true;
  bool chain_ok = true;
  bool root_ok = true;
  if (absl::Status s = VerifyDigest(digest, pinned); !s.ok()) {
    signature_ok = false;
    error = std::string(s.message());
  }

  ChainVerifier chain(std::string(kHashSize, '\0'));
  MerkleRootBuilder builder;
  std::string leaves;  // kept to name the first bad position
  if (signature_ok) {
    leaves.reserve(n * kHashSize);
    uint64_t missing = 0;
    ProgressBar progress(ProgressBar::Wanted(global.json), n, "events");
    grpc::Status status = ForEachEvent(
        *ledger, global, 1, n, options.page,
        [&](const v1::Event& e) {
          if (!chain.Check(e, &error)) {
            bad_position = chain.verified() + 1;
            return false;
          }
          const std::string leaf = LeafHash(e.hash());
          builder.AddLeafHash(leaf);
          leaves.append(leaf);
          progress.Update(chain.verified());
          return true;
        },
        &missing);
    progress.Finish();
    if (!status.ok()) return RpcError(global, status);
    if (bad_position != 0) {
      chain_ok = false;
    } else if (missing != 0) {
      chain_ok = false;
      bad_position = missing;
      error = absl::StrCat("the server signed a tree of ", n,
                           " events but sent none at position ", missing);
    } else if (chain.last_hash() != digest.head_hash()) {
      chain_ok = false;
      bad_position = n;
      error = absl::StrCat("the signed head hash ",
                           absl::BytesToHexString(digest.head_hash()),
                           " is not event ", n, "'s recomputed hash ",
                           absl::BytesToHexString(chain.last_hash()));
    } else if (builder.Root() != digest.root_hash()) {
      root_ok = false;
      uint64_t first_bad = 0;
      absl::Status s = Bisect(*integrity, global, leaves, n,
                              digest.public_key(), &first_bad);
      if (s.ok()) {
        bad_position = first_bad;
        error = absl::StrCat(
            "the server's tree disagrees with its events from position ",
            first_bad, ": its signed root of size ", first_bad,
            " differs from the root recomputed from events 1..", first_bad,
            first_bad > 1 ? absl::StrCat(" (size ", first_bad - 1, " agrees)")
                          : std::string());
      } else {
        error = absl::StrCat("the signed root ",
                             absl::BytesToHexString(digest.root_hash()),
                             " differs from the root recomputed from the "
                             "events ",
                             absl::BytesToHexString(builder.Root()),
                             "; locating the position failed: ", s.message());
      }
    }
  }
  const bool ok = signature_ok && chain_ok && root_ok;
  if (global.json) {
    google::protobuf::Struct out;
    Put(&out, "ok", ok);
    Put(&out, "events", static_cast<uint64_t>(chain.verified()));
    Put(&out, "treeSize", n);
    Put(&out, "signatureValid", signature_ok);
    Put(&out, "chainValid", signature_ok && chain_ok);
    Put(&out, "rootMatches", signature_ok && chain_ok && root_ok);
    Put(&out, "keyPinned", !pinned.empty());
    PutDigest(&out, "digest", digest);
    if (!ok) {
      Put(&out, "error", error);
      if (bad_position != 0) Put(&out, "badPosition", bad_position);
    }
    PrintJson(out);
  } else {
    Table table({"SIGNED TREE HEAD", ""});
    AddDigestRows(digest, !pinned.empty(), &table);
    table.Print();
    if (ok) {
      std::cout << "verify OK: " << chain.verified()
                << " events: every chain link and payload digest checked, "
                   "the Merkle root recomputed from the event hashes equals "
                   "the signed root, and the Ed25519 signature is valid\n";
    } else {
      std::cout << "verify FAILED"
                << (bad_position != 0
                        ? absl::StrCat(" at position ", bad_position)
                        : std::string())
                << ": " << error << "\n";
    }
    if (const std::string note = TrustNote(digest, !pinned.empty());
        !note.empty()) {
      std::cout << note << "\n";
    }
  }
  return ok ? kExitOk : kExitVerifyFailed;
}

}  // namespace ledger::ctl
