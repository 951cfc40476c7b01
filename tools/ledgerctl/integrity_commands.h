// ledgerctl subcommands of provable integrity (ledger.v1.Integrity): the
// auditor's side. Every check is done here, from the RFCs and the README,
// trusting nothing the server says about validity.
#ifndef LEDGER_TOOLS_LEDGERCTL_INTEGRITY_COMMANDS_H_
#define LEDGER_TOOLS_LEDGERCTL_INTEGRITY_COMMANDS_H_

#include <cstdint>
#include <string>

#include "CLI/CLI.hpp"
#include "tools/ledgerctl/commands.h"

namespace ledger::ctl {

struct IntegrityOptions {
  std::string public_key;  // --public-key: pin (hex or file); "" = TOFU
  uint32_t page = 1000;    // verify: events per read
  uint64_t tree_size = 0;  // digest, proof: 0 = the current head
  std::string save;        // digest, consistency: save the digest here
  std::string since;       // consistency: the saved digest
  uint64_t position = 0;   // proof
  std::string file;        // verify-archive
};

// `verify`: fetches the signed head, streams every event up to it and
// checks each chain link and payload digest, recomputes the Merkle root
// from the event hashes and compares it with the signed root, and checks
// the signature (pinned key, or trust on first use). When the root differs
// it bisects the tree size with GetDigest to name the first position from
// which the server's tree disagrees with its events. kExitOk, or
// kExitVerifyFailed / kExitRpcError / kExitUsage.
int RunVerifyLog(const GlobalOptions& global, const IntegrityOptions& options);

// `digest`, `consistency`, `proof`.
int RunDigest(const GlobalOptions& global, const IntegrityOptions& options);
int RunConsistency(const GlobalOptions& global,
                   const IntegrityOptions& options);
int RunProof(const GlobalOptions& global, const IntegrityOptions& options);

// `verify-archive FILE`: fully offline (see VerifyArchive).
int RunVerifyArchive(const GlobalOptions& global,
                     const IntegrityOptions& options);

// Registers verify, digest, consistency, proof and verify-archive on `app`;
// Run() runs the one parsed, or returns -1. (Archive export is an `export`
// mode; see archive_export.h.)
class IntegrityCommands {
 public:
  void Register(CLI::App& app);
  int Run(const GlobalOptions& global) const;

 private:
  IntegrityOptions options_;
  CLI::App* verify_cmd_ = nullptr;
  CLI::App* digest_cmd_ = nullptr;
  CLI::App* consistency_cmd_ = nullptr;
  CLI::App* proof_cmd_ = nullptr;
  CLI::App* verify_archive_cmd_ = nullptr;
};

}  // namespace ledger::ctl

#endif  // LEDGER_TOOLS_LEDGERCTL_INTEGRITY_COMMANDS_H_
