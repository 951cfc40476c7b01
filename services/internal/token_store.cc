#include "services/internal/token_store.h"

#include <sys/stat.h>

#include <utility>

namespace ledger::services::internal {

absl::StatusOr<std::unique_ptr<TokenStore>> TokenStore::Open(
    const std::string& path, absl::Duration check_interval,
    std::shared_ptr<spdlog::logger> logger) {
  std::unique_ptr<TokenStore> store(
      new TokenStore(path, check_interval, std::move(logger)));
  Stamp stamp;
  StatFile(path, &stamp);  // before reading: a later change is then seen
  absl::StatusOr<TokensFile> file = LoadTokensFile(path);
  if (!file.ok()) return file.status();
  {
    absl::MutexLock lock(&store->reload_mu_);
    store->stamp_ = stamp;
  }
  absl::MutexLock lock(&store->mu_);
  store->current_ = std::make_shared<const TokensFile>(*std::move(file));
  store->next_check_ns_ =
      absl::ToUnixNanos(absl::Now() + store->check_interval_);
  return store;
}

bool TokenStore::StatFile(const std::string& path, Stamp* stamp) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0) return false;
  stamp->mtime_ns =
      int64_t{st.st_mtim.tv_sec} * 1000000000 + st.st_mtim.tv_nsec;
  stamp->size = st.st_size;
  stamp->inode = st.st_ino;
  return true;
}

std::shared_ptr<const TokensFile> TokenStore::Get(bool check_now) {
  const int64_t now = absl::ToUnixNanos(absl::Now());
  if (check_now || now >= next_check_ns_.load(std::memory_order_relaxed)) {
    next_check_ns_.store(absl::ToUnixNanos(absl::Now() + check_interval_),
                         std::memory_order_relaxed);
    MaybeReload();
  }
  absl::MutexLock lock(&mu_);
  return current_;
}

void TokenStore::MaybeReload() {
  // Another thread is already reloading: use what is there.
  if (!reload_mu_.TryLock()) return;
  Stamp stamp;
  if (!StatFile(path_, &stamp)) {
    if (!(stamp_ == Stamp{})) {
      logger_->error(
          "tokens file {} is gone; the entries read before stay in force",
          path_);
      stamp_ = Stamp{};
    }
    reload_mu_.Unlock();
    return;
  }
  if (stamp == stamp_) {
    reload_mu_.Unlock();
    return;
  }
  stamp_ = stamp;
  absl::StatusOr<TokensFile> file = LoadTokensFile(path_);
  if (!file.ok()) {
    logger_->error(
        "tokens file changed but is not taken, the entries read "
        "before stay in force: {}",
        file.status().ToString());
    reload_mu_.Unlock();
    return;
  }
  logger_->info("tokens file {} reloaded: {} tokens, {} certificate subjects",
                path_, file->tokens.size(), file->certs.size());
  auto fresh = std::make_shared<const TokensFile>(*std::move(file));
  reload_mu_.Unlock();
  absl::MutexLock lock(&mu_);
  current_ = std::move(fresh);
}

}  // namespace ledger::services::internal
