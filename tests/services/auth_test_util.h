#ifndef LEDGER_TESTS_SERVICES_AUTH_TEST_UTIL_H_
#define LEDGER_TESTS_SERVICES_AUTH_TEST_UTIL_H_

// Tokens-file entries for tests, written from the README's format
// independently of ledgerctl's writer and the server's parser.

#include <openssl/rand.h>
#include <openssl/sha.h>
#include <sys/stat.h>

#include <fstream>
#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "grpcpp/grpcpp.h"

namespace ledger::testing {

struct TestToken {
  std::string id;
  std::string token;  // "<id>.<secret>": what a client sends
  std::string line;   // the tokens-file entry
};

// A token entry for `principal` with `role`; `extra` adds fields
// ("owner_id=x write=true revoked_at=…").
inline TestToken MakeToken(const std::string& id, const std::string& principal,
                           const std::string& role,
                           const std::string& extra = "") {
  unsigned char salt[16];
  RAND_bytes(salt, sizeof(salt));
  const std::string secret = absl::StrCat("secret-of-", id, "-xyz");
  std::string input(reinterpret_cast<const char*>(salt), sizeof(salt));
  input += secret;
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(input.data()), input.size(),
         digest);
  TestToken t;
  t.id = id;
  t.token = absl::StrCat(id, ".", secret);
  t.line =
      absl::StrCat("token_id=", id, " principal=", principal, " role=", role,
                   extra.empty() ? "" : " ", extra,
                   " created_at=2026-11-25T08:00:00Z", " salt=",
                   absl::BytesToHexString(absl::string_view(
                       reinterpret_cast<const char*>(salt), sizeof(salt))),
                   " sha256=",
                   absl::BytesToHexString(absl::string_view(
                       reinterpret_cast<const char*>(digest), sizeof(digest))));
  return t;
}

// Writes `text` to `path` with `mode`.
inline void WriteFileWithMode(const std::string& path, const std::string& text,
                              mode_t mode = 0600) {
  std::ofstream(path, std::ios::trunc) << text;
  chmod(path.c_str(), mode);
}

// Sends `token` as the bearer token of `context`.
inline void UseToken(grpc::ClientContext& context, const std::string& token) {
  context.AddMetadata("authorization", absl::StrCat("Bearer ", token));
}

}  // namespace ledger::testing

#endif  // LEDGER_TESTS_SERVICES_AUTH_TEST_UTIL_H_
