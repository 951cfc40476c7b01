#ifndef LEDGER_SERVICES_INTERNAL_TOKEN_STORE_H_
#define LEDGER_SERVICES_INTERNAL_TOKEN_STORE_H_

#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "services/tokens_file.h"
#include "spdlog/logger.h"

namespace ledger::services::internal {

// The tokens file as the server currently knows it. Re-reads the file when
// its modification time, size or inode changed, checked at most once per
// `check_interval` on the call path (or at once when asked, e.g. for an
// unknown token id, so a token `ledgerctl token create` just added works
// immediately). A file that became malformed or group/other-accessible is
// not taken: the old entries stay and an error is logged.
//
// Thread-safe.
class TokenStore {
 public:
  // Loads `path`; fails as LoadTokensFile.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<TokenStore>> Open(
      const std::string& path, absl::Duration check_interval,
      std::shared_ptr<spdlog::logger> logger);

  TokenStore(const TokenStore&) = delete;
  TokenStore& operator=(const TokenStore&) = delete;

  // The current entries, after re-reading the file if it changed and a
  // check is due (or `check_now`).
  std::shared_ptr<const TokensFile> Get(bool check_now = false);

  const std::string& path() const { return path_; }

 private:
  struct Stamp {
    int64_t mtime_ns = 0;
    int64_t size = 0;
    ino_t inode = 0;
    bool operator==(const Stamp&) const = default;
  };
  TokenStore(std::string path, absl::Duration check_interval,
             std::shared_ptr<spdlog::logger> logger)
      : path_(std::move(path)),
        check_interval_(check_interval),
        logger_(std::move(logger)) {}
  static bool StatFile(const std::string& path, Stamp* stamp);
  void MaybeReload();

  const std::string path_;
  const absl::Duration check_interval_;
  const std::shared_ptr<spdlog::logger> logger_;
  std::atomic<int64_t> next_check_ns_{0};

  absl::Mutex reload_mu_;  // one reload at a time; never held by readers
  Stamp stamp_ ABSL_GUARDED_BY(reload_mu_);

  absl::Mutex mu_;
  std::shared_ptr<const TokensFile> current_ ABSL_GUARDED_BY(mu_);
};

}  // namespace ledger::services::internal

#endif  // LEDGER_SERVICES_INTERNAL_TOKEN_STORE_H_
