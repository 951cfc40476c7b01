#ifndef LEDGER_SERVICES_SUBSCRIPTION_HUB_H_
#define LEDGER_SERVICES_SUBSCRIPTION_HUB_H_

#include <atomic>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace ledger::services {

// Something the hub wakes: a live subscription.
class Subscriber {
 public:
  virtual ~Subscriber() = default;
  // Called on the hub thread after commits and on every tick. Must not
  // block; `shutting_down` asks the subscriber to finish.
  virtual void Poke(bool shutting_down) = 0;
  // Reference counting keeps a subscriber alive while the hub pokes it.
  virtual void Ref() = 0;
  virtual void Unref() = 0;
};

// Wakes parked subscriptions when the log commits and on a timer (for
// checkpoints), from one thread of its own, so the group-commit writer never
// does subscriber work and a slow subscriber never blocks it.
//
// Thread-safe.
class SubscriptionHub {
 public:
  explicit SubscriptionHub(absl::Duration tick);
  ~SubscriptionHub();  // stops the thread; subscribers must be gone

  SubscriptionHub(const SubscriptionHub&) = delete;
  SubscriptionHub& operator=(const SubscriptionHub&) = delete;

  void Register(Subscriber* subscriber);
  void Unregister(Subscriber* subscriber);

  // Cheap; safe to call from the writer thread's commit listener.
  void NotifyCommitted();

  // Asks every subscriber to finish and refuses new ones (Register then
  // pokes the newcomer with shutting_down at once). Idempotent.
  void Shutdown();
  bool shutting_down() const;

 private:
  void Run();

  // Constant after construction.
  const absl::Duration tick_;

  mutable absl::Mutex mu_;
  std::vector<Subscriber*> subscribers_ ABSL_GUARDED_BY(mu_);
  bool committed_ ABSL_GUARDED_BY(mu_) = false;
  bool shutting_down_ ABSL_GUARDED_BY(mu_) = false;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;

  std::thread thread_;
};

}  // namespace ledger::services

#endif  // LEDGER_SERVICES_SUBSCRIPTION_HUB_H_
