// Helpers shared by the ledgerctl integrity commands (verify, digest,
// consistency, proof, export --from/--to, verify-archive): key pinning,
// signed digests, and the summaries they print.
#ifndef LEDGER_TOOLS_LEDGERCTL_INTEGRITY_UTIL_H_
#define LEDGER_TOOLS_LEDGERCTL_INTEGRITY_UTIL_H_

#include <cstdint>
#include <string>

#include "google/protobuf/struct.pb.h"
#include "grpcpp/support/status.h"
#include "ledger/v1/integrity.grpc.pb.h"
#include "tools/ledgerctl/commands.h"
#include "tools/ledgerctl/output.h"

namespace ledger::ctl {

// Loads --public-key `spec` (see LoadPublicKey) into *pinned; an empty
// spec pins nothing. On failure prints a usage error, sets *exit_code and
// returns false.
bool LoadPin(const std::string& spec, std::string* pinned, int* exit_code);

// GetDigest(tree_size) under the global deadline.
grpc::Status FetchDigest(ledger::v1::Integrity::Stub& stub,
                         const GlobalOptions& global, uint64_t tree_size,
                         ledger::v1::SignedDigest* digest);

// Table rows describing `digest` ("tree size", "root hash", …) and how its
// key is trusted: pinned, or trusted on first use (with the key to pin).
void AddDigestRows(const ledger::v1::SignedDigest& digest, bool pinned,
                   Table* table);
// A one-line note for people when the key was not pinned; "" when it was.
std::string TrustNote(const ledger::v1::SignedDigest& digest, bool pinned);

// A JSON summary for --json: build with Put, print with PrintJson.
void Put(google::protobuf::Struct* s, const std::string& key,
         const std::string& value);
void Put(google::protobuf::Struct* s, const std::string& key,
         const char* value);
void Put(google::protobuf::Struct* s, const std::string& key, uint64_t value);
void Put(google::protobuf::Struct* s, const std::string& key, bool value);
// The digest's fields (hashes and key in hex) under `key`.
void PutDigest(google::protobuf::Struct* s, const std::string& key,
               const ledger::v1::SignedDigest& digest);
void PrintJson(const google::protobuf::Struct& s);

}  // namespace ledger::ctl

#endif  // LEDGER_TOOLS_LEDGERCTL_INTEGRITY_UTIL_H_
