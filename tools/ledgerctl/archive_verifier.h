#ifndef LEDGER_TOOLS_LEDGERCTL_ARCHIVE_VERIFIER_H_
#define LEDGER_TOOLS_LEDGERCTL_ARCHIVE_VERIFIER_H_

#include <cstdint>
#include <functional>
#include <istream>
#include <string>

#include "absl/strings/string_view.h"
#include "ledger/v1/integrity.pb.h"

namespace ledger::ctl {

// What VerifyArchive found.
struct ArchiveReport {
  bool ok = false;
  std::string error;          // what is wrong, for people; empty when ok
  uint64_t bad_position = 0;  // the first bad or missing event; 0 when the
                              // fault is not one event's (format, proof,
                              // signature)
  uint64_t from = 0;          // the header's range
  uint64_t to = 0;
  uint64_t events = 0;              // events whose chain link checked out
  std::string last_hash;            // chain hash of the last good event
  ledger::v1::SignedDigest digest;  // the trailer's, once read
};

// Verifies an archive (proto/ledger/v1/archive.proto) from `in`, offline:
// the framing and header; every event in position order from `from` to
// `to` with no gap, duplicate or extra (its payload digest, prev_hash link
// and recomputed chain hash, as ChainVerifier does; for from = 1 the first
// prev_hash must be 32 zero bytes); the trailer's digest signature (with
// exactly `pinned_key` when it is not empty), its tree size = `to` and head
// hash = the last event's recomputed hash; and the inclusion proof of the
// last event in the signed root. Trusts nothing the file states about
// validity. `progress` (optional) gets (events checked, events expected).
ArchiveReport VerifyArchive(
    std::istream& in, absl::string_view pinned_key,
    const std::function<void(uint64_t, uint64_t)>& progress = nullptr);

}  // namespace ledger::ctl

#endif  // LEDGER_TOOLS_LEDGERCTL_ARCHIVE_VERIFIER_H_
