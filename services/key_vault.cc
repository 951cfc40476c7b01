#include "services/key_vault.h"

#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "projections/aead.h"
#include "storage/event_log.h"
#include "storage/status_macros.h"

namespace ledger::services {

namespace {

constexpr char kSecretPrefix[] = "customer-key/";
constexpr char kFormat = '\x01';

void PutLengthPrefixed(std::string* out, absl::string_view s) {
  const uint32_t n = static_cast<uint32_t>(s.size());
  for (int shift = 24; shift >= 0; shift -= 8) {
    out->push_back(static_cast<char>((n >> shift) & 0xff));
  }
  out->append(s.data(), s.size());
}

bool GetLengthPrefixed(absl::string_view* in, absl::string_view* out) {
  if (in->size() < 4) return false;
  uint32_t n = 0;
  for (int i = 0; i < 4; ++i) n = (n << 8) | static_cast<uint8_t>((*in)[i]);
  in->remove_prefix(4);
  if (in->size() < n) return false;
  *out = in->substr(0, n);
  in->remove_prefix(n);
  return true;
}

// The id of the master key that wrapped a stored key; empty if malformed.
std::string WrappingMasterId(absl::string_view wrapped) {
  absl::string_view master;
  if (wrapped.empty() || wrapped[0] != kFormat) return std::string();
  wrapped.remove_prefix(1);
  if (!GetLengthPrefixed(&wrapped, &master)) return std::string();
  return std::string(master);
}

std::string WrapAad(absl::string_view customer_id, absl::string_view key_id) {
  std::string aad = "ledger.v1.customer-key/1";
  PutLengthPrefixed(&aad, customer_id);
  PutLengthPrefixed(&aad, key_id);
  return aad;
}

}  // namespace

absl::StatusOr<std::unique_ptr<KeyVault>> KeyVault::Create(
    std::string master_key_file, std::vector<MasterKey> master_keys,
    size_t cache_capacity, std::shared_ptr<spdlog::logger> logger) {
  if (master_keys.empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat("master key file ", master_key_file, ": holds no key"));
  }
  return std::unique_ptr<KeyVault>(
      new KeyVault(std::move(master_key_file), std::move(master_keys),
                   cache_capacity, std::move(logger)));
}

KeyVault::KeyVault(std::string master_key_file,
                   std::vector<MasterKey> master_keys, size_t cache_capacity,
                   std::shared_ptr<spdlog::logger> logger)
    : master_key_file_(std::move(master_key_file)),
      cache_capacity_(std::max<size_t>(cache_capacity, 1)),
      logger_(std::move(logger)),
      master_keys_(std::move(master_keys)),
      purger_([this] { PurgeLoop(); }) {}

KeyVault::~KeyVault() { Stop(); }

void KeyVault::AttachLog(storage::EventLog* log) { log_ = log; }

std::string KeyVault::SecretName(absl::string_view customer_id) {
  return absl::StrCat(kSecretPrefix, customer_id);
}

absl::StatusOr<std::string> KeyVault::Wrap(const std::string& customer_id,
                                           const projections::DataKey& key,
                                           const MasterKey& master) const {
  LEDGER_ASSIGN_OR_RETURN(std::string nonce, projections::RandomBytes(
                                                 projections::kAeadNonceBytes));
  LEDGER_ASSIGN_OR_RETURN(std::string sealed,
                          projections::AeadSeal(master.bytes, nonce, key.bytes,
                                                WrapAad(customer_id, key.id)));
  std::string out(1, kFormat);
  PutLengthPrefixed(&out, master.id);
  PutLengthPrefixed(&out, key.id);
  out += nonce;
  out += sealed;
  return out;
}

absl::StatusOr<projections::DataKey> KeyVault::Unwrap(
    const std::string& customer_id, absl::string_view wrapped,
    std::string* master_id) const {
  absl::string_view in = wrapped;
  absl::string_view master;
  absl::string_view key_id;
  if (in.empty() || in[0] != kFormat) {
    return absl::DataLossError(absl::StrCat(
        "the stored key of customer ", customer_id, " has an unknown format"));
  }
  in.remove_prefix(1);
  if (!GetLengthPrefixed(&in, &master) || !GetLengthPrefixed(&in, &key_id) ||
      in.size() < projections::kAeadNonceBytes + projections::kAeadTagBytes) {
    return absl::DataLossError(absl::StrCat("the stored key of customer ",
                                            customer_id, " is truncated"));
  }
  *master_id = std::string(master);
  std::string master_bytes;
  {
    absl::MutexLock lock(&mu_);
    for (const MasterKey& k : master_keys_) {
      if (k.id == master) master_bytes = k.bytes;
    }
  }
  if (master_bytes.empty()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the key of customer ", customer_id, " is wrapped by master key \"",
        master, "\", which is not in ", master_key_file_,
        " (was it removed before RotateMasterKey re-wrapped every key?)"));
  }
  absl::StatusOr<std::string> bytes = projections::AeadOpen(
      master_bytes, in.substr(0, projections::kAeadNonceBytes),
      in.substr(projections::kAeadNonceBytes), WrapAad(customer_id, key_id));
  if (!bytes.ok()) {
    return absl::DataLossError(absl::StrCat("the key of customer ", customer_id,
                                            " does not unwrap with master "
                                            "key \"",
                                            master,
                                            "\": ", bytes.status().message()));
  }
  return projections::DataKey{std::string(key_id), *std::move(bytes)};
}

absl::StatusOr<std::optional<projections::DataKey>> KeyVault::Load(
    const std::string& customer_id) const {
  if (log_ == nullptr) {
    return absl::UnavailableError("the key vault is not attached to the log");
  }
  std::string wrapped;
  absl::Status read = log_->GetSecret(SecretName(customer_id), &wrapped);
  if (absl::IsNotFound(read)) return std::optional<projections::DataKey>();
  LEDGER_RETURN_IF_ERROR(read);
  std::string master_id;
  LEDGER_ASSIGN_OR_RETURN(projections::DataKey key,
                          Unwrap(customer_id, wrapped, &master_id));
  return std::optional<projections::DataKey>(std::move(key));
}

void KeyVault::Remember(const std::string& customer_id,
                        const projections::DataKey& key) const {
  absl::MutexLock lock(&mu_);
  RememberLocked(customer_id, key);
}

void KeyVault::RememberLocked(const std::string& customer_id,
                              const projections::DataKey& key) const {
  if (forgetting_.contains(customer_id)) return;
  if (!cache_.emplace(customer_id, key).second) return;
  cache_order_.push_back(customer_id);
  while (cache_.size() > cache_capacity_ && !cache_order_.empty()) {
    cache_.erase(cache_order_.front());
    cache_order_.pop_front();
  }
}

absl::StatusOr<std::optional<projections::DataKey>> KeyVault::Find(
    const std::string& customer_id) const {
  {
    absl::MutexLock lock(&mu_);
    if (forgetting_.contains(customer_id)) {
      // Its key goes with the commit of the forget: from then on absent.
      // Until then the stored one is still read, never cached.
    } else if (auto it = cache_.find(customer_id); it != cache_.end()) {
      return std::optional<projections::DataKey>(it->second);
    } else if (auto p = pending_.find(customer_id); p != pending_.end()) {
      // Staging an append that carries it opens its events with it.
      return std::optional<projections::DataKey>(p->second.key);
    }
  }
  LEDGER_ASSIGN_OR_RETURN(std::optional<projections::DataKey> key,
                          Load(customer_id));
  if (key.has_value()) Remember(customer_id, *key);
  return key;
}

absl::StatusOr<KeyVault::Lease> KeyVault::Acquire(
    const std::string& customer_id,
    const std::function<absl::Status()>& may_create) {
  // A pending key of this customer, leased once more; nullopt when none.
  auto lease_pending = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    std::optional<Lease> lease;
    if (auto p = pending_.find(customer_id); p != pending_.end()) {
      ++p->second.leases;
      lease = Lease{p->second.key, p->second.wrapped};
    }
    return lease;
  };
  {
    absl::MutexLock lock(&mu_);
    if (auto it = cache_.find(customer_id); it != cache_.end()) {
      return Lease{it->second, std::nullopt};
    }
    if (std::optional<Lease> lease = lease_pending()) return *std::move(lease);
  }
  absl::MutexLock create(&create_mu_);
  {
    absl::MutexLock lock(&mu_);
    if (std::optional<Lease> lease = lease_pending()) return *std::move(lease);
  }
  LEDGER_ASSIGN_OR_RETURN(std::optional<projections::DataKey> found,
                          Find(customer_id));
  if (found.has_value()) return Lease{*std::move(found), std::nullopt};
  MasterKey master;
  {
    absl::MutexLock lock(&mu_);
    if (forgetting_.contains(customer_id)) {
      return absl::FailedPreconditionError(absl::StrCat(
          "customer ", customer_id,
          " is being forgotten or was forgotten; its file takes no more "
          "personal data"));
    }
    master = master_keys_.back();
  }
  if (may_create) LEDGER_RETURN_IF_ERROR(may_create());
  projections::DataKey key;
  LEDGER_ASSIGN_OR_RETURN(std::string id, projections::RandomBytes(8));
  key.id = absl::BytesToHexString(id);
  LEDGER_ASSIGN_OR_RETURN(key.bytes,
                          projections::RandomBytes(projections::kAeadKeyBytes));
  LEDGER_ASSIGN_OR_RETURN(std::string wrapped, Wrap(customer_id, key, master));
  absl::MutexLock lock(&mu_);
  if (master_keys_.back().id != master.id) {
    // A rotation ran since `master` was read (it re-wrapped pending keys,
    // but not this one yet): wrap with its key instead.
    master = master_keys_.back();
    LEDGER_ASSIGN_OR_RETURN(wrapped, Wrap(customer_id, key, master));
  }
  pending_[customer_id] = PendingKey{key, wrapped, 1};
  return Lease{std::move(key), std::move(wrapped)};
}

void KeyVault::Release(const std::string& customer_id, const Lease& lease,
                       bool stored) {
  if (!lease.wrapped.has_value()) return;
  absl::MutexLock lock(&mu_);
  auto it = pending_.find(customer_id);
  // Not held: another lease of the key stored it already.
  const bool held = it != pending_.end() && it->second.key.id == lease.key.id;
  if (!stored) {
    if (held && --it->second.leases == 0) pending_.erase(it);
    return;
  }
  if (held) pending_.erase(it);
  if (forgetting_.contains(customer_id)) return;
  RememberLocked(customer_id, lease.key);
  const MasterKey& current = master_keys_.back();
  if (WrappingMasterId(*lease.wrapped) == current.id) return;
  // The append stored a wrapping by a master key that a rotation replaced
  // after it was leased, perhaps after the rotation's scan of the stored
  // keys. Under mu_, like the rotation's own writes, so that a forget
  // cannot slip between.
  absl::StatusOr<std::string> rewrapped = Wrap(customer_id, lease.key, current);
  absl::Status written =
      rewrapped.ok() ? log_->PutSecret(SecretName(customer_id), *rewrapped,
                                       /*sync=*/true)
                     : rewrapped.status();
  if (!written.ok()) {
    logger_->error(
        "a customer key stored during a master key rotation keeps its old "
        "wrapping ({}); run RotateMasterKey again",
        written.ToString());
  }
}

absl::Status KeyVault::Open(absl::string_view customer_id,
                            absl::string_view event_type,
                            ledger::v1::EventPayload* payload) const {
  if (!payload->has_sealed()) return absl::OkStatus();
  LEDGER_ASSIGN_OR_RETURN(std::optional<projections::DataKey> key,
                          Find(std::string(customer_id)));
  return projections::OpenSealedFields(
      customer_id, event_type, key.has_value() ? &*key : nullptr, payload);
}

void KeyVault::Prefetch(absl::string_view customer_id) const {
  // A failure is Open's to report, when it reads the key again.
  Find(std::string(customer_id)).IgnoreError();
}

void KeyVault::BeginForget(const std::vector<std::string>& customer_ids) {
  absl::MutexLock lock(&mu_);
  for (const std::string& id : customer_ids) {
    forgetting_.insert(id);
    cache_.erase(id);  // cache_order_ keeps the id: erased when it ages out
  }
}

void KeyVault::EndForget(const std::vector<std::string>& customer_ids,
                         bool committed) {
  if (committed) return;  // stays: the keys are gone
  absl::MutexLock lock(&mu_);
  for (const std::string& id : customer_ids) forgetting_.erase(id);
}

void KeyVault::SchedulePurge() {
  absl::MutexLock lock(&purge_mu_);
  ++purges_requested_;
}

void KeyVault::WaitForPurges() {
  absl::MutexLock lock(&purge_mu_);
  struct Wait {
    KeyVault* vault;
    uint64_t target;
  } wait{this, purges_requested_};
  purge_mu_.Await(absl::Condition(
      +[](Wait* w) ABSL_NO_THREAD_SAFETY_ANALYSIS {
        return w->vault->purges_done_ >= w->target || w->vault->stopping_;
      },
      &wait));
}

void KeyVault::PurgeLoop() {
  for (;;) {
    uint64_t target = 0;
    {
      absl::MutexLock lock(&purge_mu_);
      purge_mu_.Await(absl::Condition(
          +[](KeyVault* v) ABSL_NO_THREAD_SAFETY_ANALYSIS {
            return v->stopping_ || v->purges_requested_ > v->purges_done_;
          },
          this));
      if (stopping_) return;
      target = purges_requested_;
    }
    absl::Status purged = log_ == nullptr ? absl::UnavailableError("no log")
                                          : log_->PurgeDeletedSecrets();
    if (purged.ok()) {
      logger_->info("destroyed keys purged from storage");
    } else {
      logger_->error("purging destroyed keys failed: {}", purged.ToString());
    }
    absl::MutexLock lock(&purge_mu_);
    purges_done_ = target;
  }
}

void KeyVault::Stop() {
  {
    absl::MutexLock lock(&purge_mu_);
    stopping_ = true;
  }
  if (purger_.joinable()) purger_.join();
}

absl::StatusOr<KeyVault::Rotation> KeyVault::RotateMasterKey() {
  LEDGER_ASSIGN_OR_RETURN(
      std::vector<MasterKey> file,
      LoadMasterKeyFile(master_key_file_, /*create_if_missing=*/false,
                        *logger_));
  absl::MutexLock create(&create_mu_);
  Rotation result;
  MasterKey current = file.back();
  result.master_key_id = current.id;
  {
    absl::MutexLock lock(&mu_);
    for (const MasterKey& k : file) {
      bool known = false;
      for (const MasterKey& old : master_keys_) {
        if (old.id != k.id) continue;
        known = true;
        if (old.bytes != k.bytes) {
          return absl::FailedPreconditionError(absl::StrCat(
              "master key file ", master_key_file_, ": key id ", k.id,
              " now has other bytes than when it was loaded; give a new key "
              "a new id"));
        }
      }
      if (!known) master_keys_.push_back(k);
    }
    // The file's last key becomes current (and stays last in memory).
    std::erase_if(master_keys_,
                  [&](const MasterKey& k) { return k.id == current.id; });
    master_keys_.push_back(current);
    // Keys not stored yet: appends from now on carry the new wrapping
    // (Release re-wraps one that an earlier lease stores).
    for (auto& [customer_id, pending] : pending_) {
      LEDGER_ASSIGN_OR_RETURN(pending.wrapped,
                              Wrap(customer_id, pending.key, current));
    }
  }
  absl::Status first_error;
  LEDGER_RETURN_IF_ERROR(log_->ForEachSecret(
      kSecretPrefix,
      [&](absl::string_view name, absl::string_view wrapped) -> absl::Status {
        const std::string customer_id(name.substr(sizeof(kSecretPrefix) - 1));
        std::string master_id;
        absl::StatusOr<projections::DataKey> key =
            Unwrap(customer_id, wrapped, &master_id);
        if (!key.ok()) {
          if (first_error.ok()) first_error = key.status();
          return absl::OkStatus();
        }
        if (master_id == current.id) {
          ++result.already_current;
          return absl::OkStatus();
        }
        LEDGER_ASSIGN_OR_RETURN(std::string rewrapped,
                                Wrap(customer_id, *key, current));
        // Under mu_: a forget that begins now waits for this write, and one
        // that began earlier is seen here, so a destroyed key never comes
        // back.
        absl::MutexLock lock(&mu_);
        if (forgetting_.contains(customer_id)) return absl::OkStatus();
        LEDGER_RETURN_IF_ERROR(
            log_->PutSecret(name, rewrapped, /*sync=*/false));
        ++result.rewrapped;
        return absl::OkStatus();
      }));
  // One synced write makes every unsynced re-wrap before it durable.
  LEDGER_RETURN_IF_ERROR(
      log_->PutSecret("master-key/current", current.id, /*sync=*/true));
  logger_->info(
      "master key rotation to {}: {} customer keys re-wrapped, {} "
      "already current",
      current.id, result.rewrapped, result.already_current);
  LEDGER_RETURN_IF_ERROR(first_error);
  return result;
}

}  // namespace ledger::services
