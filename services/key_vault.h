#ifndef LEDGER_SERVICES_KEY_VAULT_H_
#define LEDGER_SERVICES_KEY_VAULT_H_

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "projections/payload_opener.h"
#include "projections/payload_sealing.h"
#include "services/master_key_file.h"
#include "spdlog/logger.h"

namespace ledger::storage {
class EventLog;
}  // namespace ledger::storage

namespace ledger::services {

// The customers' data keys: one random AES-256 key per customer, stored
// wrapped (AES-256-GCM) by a master key in the log's secrets family under
// "customer-key/<customer id>", unwrapped keys cached in memory (bounded).
// Destroying a customer's key (ForgetCustomer deletes the secret in the
// commit of its CustomerForgotten event) makes the personal fields of that
// customer's events unreadable for good: they open as erased.
//
// Wrapped key record (format 1): 0x01, lp(master key id), lp(data key id),
// 12-byte random nonce, AES-256-GCM(master key, nonce, data key, aad =
// "ledger.v1.customer-key/1" lp(customer id) lp(data key id)) with its tag;
// lp = 4-byte big-endian length, then the bytes.
//
// Thread-safe.
class KeyVault final : public projections::PayloadOpener {
 public:
  // `master_keys`: as read from `master_key_file` (the last is current).
  // REQUIRES: AttachLog before any other call but Stop.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<KeyVault>> Create(
      std::string master_key_file, std::vector<MasterKey> master_keys,
      size_t cache_capacity, std::shared_ptr<spdlog::logger> logger);
  ~KeyVault() override;

  KeyVault(const KeyVault&) = delete;
  KeyVault& operator=(const KeyVault&) = delete;

  // The log whose secrets family holds the wrapped keys; must outlive the
  // vault's use (call Stop before the log closes).
  void AttachLog(storage::EventLog* log);

  // Name of a customer's key in the secrets family.
  static std::string SecretName(absl::string_view customer_id);

  // A key to seal one append's events with.
  struct Lease {
    projections::DataKey key;
    // Set when the key is not stored yet: the append must write this value
    // under SecretName(customer) in its own batch
    // (storage::AppendRequest::put_secrets) and call Release when it ends.
    std::optional<std::string> wrapped;
  };

  // The customer's key, or a new one when it has none. A new key is only
  // held in memory ("pending") until an append that carries it commits, so
  // that no handler waits for a write of its own: every append that uses a
  // pending key carries it (the same wrapped bytes), and the first to
  // commit stores it. Creation is serialised, so concurrent first appends of
  // one customer share one key; `may_create` is asked first and its error
  // returned (e.g. the customer was forgotten). FAILED_PRECONDITION while
  // the customer is being forgotten. Reads the stored key (a point lookup)
  // when it is not cached.
  [[nodiscard]] absl::StatusOr<Lease> Acquire(
      const std::string& customer_id,
      const std::function<absl::Status()>& may_create);

  // Ends a lease that carried `wrapped`, with its append's outcome
  // (`stored`: the append committed and wrote the key). A stored key joins
  // the cache; a pending key that no append holds any more and none stored
  // is dropped (nothing it sealed was kept). A key that was wrapped by a
  // master key rotated away meanwhile is re-wrapped and written (synced):
  // the only case in which this call writes.
  void Release(const std::string& customer_id, const Lease& lease, bool stored);

  // The customer's key (also a pending one); nullopt when it has none
  // (never made, or destroyed).
  [[nodiscard]] absl::StatusOr<std::optional<projections::DataKey>> Find(
      const std::string& customer_id) const;

  // PayloadOpener: opens with the customer's key; without one the sealed
  // fields read as erased.
  absl::Status Open(absl::string_view customer_id, absl::string_view event_type,
                    ledger::v1::EventPayload* payload) const override;
  // PayloadOpener: Find() for the cache's sake.
  void Prefetch(absl::string_view customer_id) const override;

  // Around the append that destroys these customers' keys: Begin drops
  // them from the cache and stops caching or creating them; End keeps that
  // for good when the append committed, else undoes it.
  void BeginForget(const std::vector<std::string>& customer_ids);
  void EndForget(const std::vector<std::string>& customer_ids, bool committed);

  // Queues a purge of deleted secrets (EventLog::PurgeDeletedSecrets) on
  // the vault's own thread; returns at once.
  void SchedulePurge();
  // Blocks until no purge is queued or running (tests).
  void WaitForPurges();

  struct Rotation {
    std::string master_key_id;
    uint64_t rewrapped = 0;
    uint64_t already_current = 0;
  };
  // Re-reads the master key file and re-wraps every customer key not yet
  // wrapped by its last key with it. Keys it cannot unwrap (their master
  // key is neither in the file nor loaded before): FAILED_PRECONDITION
  // naming the key id, after re-wrapping the others.
  [[nodiscard]] absl::StatusOr<Rotation> RotateMasterKey();

  // Ends the purge thread (a running purge finishes). Idempotent.
  void Stop();

 private:
  KeyVault(std::string master_key_file, std::vector<MasterKey> master_keys,
           size_t cache_capacity, std::shared_ptr<spdlog::logger> logger);

  // Reads and unwraps the stored key; nullopt when absent.
  absl::StatusOr<std::optional<projections::DataKey>> Load(
      const std::string& customer_id) const;
  absl::StatusOr<std::string> Wrap(const std::string& customer_id,
                                   const projections::DataKey& key,
                                   const MasterKey& master) const;
  absl::StatusOr<projections::DataKey> Unwrap(const std::string& customer_id,
                                              absl::string_view wrapped,
                                              std::string* master_id) const;
  void Remember(const std::string& customer_id,
                const projections::DataKey& key) const;
  void RememberLocked(const std::string& customer_id,
                      const projections::DataKey& key) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void PurgeLoop();

  const std::string master_key_file_;
  const size_t cache_capacity_;
  const std::shared_ptr<spdlog::logger> logger_;
  storage::EventLog* log_ = nullptr;  // set once by AttachLog

  // Serialises key creation and rotation against each other.
  absl::Mutex create_mu_;  // taken before mu_

  mutable absl::Mutex mu_;
  std::vector<MasterKey> master_keys_ ABSL_GUARDED_BY(mu_);  // last: current
  mutable absl::flat_hash_map<std::string, projections::DataKey> cache_
      ABSL_GUARDED_BY(mu_);
  mutable std::deque<std::string> cache_order_ ABSL_GUARDED_BY(mu_);
  // Customers being forgotten or forgotten since start: never cached or
  // created again (after a restart their keys are simply absent).
  absl::flat_hash_set<std::string> forgetting_ ABSL_GUARDED_BY(mu_);
  // New keys not stored yet, by customer; never evicted while held.
  struct PendingKey {
    projections::DataKey key;
    std::string wrapped;  // by the current master key
    int leases = 0;
  };
  absl::flat_hash_map<std::string, PendingKey> pending_ ABSL_GUARDED_BY(mu_);

  absl::Mutex purge_mu_;
  uint64_t purges_requested_ ABSL_GUARDED_BY(purge_mu_) = 0;
  uint64_t purges_done_ ABSL_GUARDED_BY(purge_mu_) = 0;
  bool stopping_ ABSL_GUARDED_BY(purge_mu_) = false;
  std::thread purger_;
};

}  // namespace ledger::services

#endif  // LEDGER_SERVICES_KEY_VAULT_H_
