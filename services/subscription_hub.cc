#include "services/subscription_hub.h"

#include <algorithm>

namespace ledger::services {

SubscriptionHub::SubscriptionHub(absl::Duration tick) : tick_(tick) {
  thread_ = std::thread([this] { Run(); });
}

SubscriptionHub::~SubscriptionHub() {
  {
    absl::MutexLock lock(&mu_);
    stop_ = true;
  }
  thread_.join();
}

void SubscriptionHub::Register(Subscriber* subscriber) {
  absl::MutexLock lock(&mu_);
  subscribers_.push_back(subscriber);
  committed_ = true;  // let the hub look at the newcomer promptly
}

void SubscriptionHub::Unregister(Subscriber* subscriber) {
  absl::MutexLock lock(&mu_);
  subscribers_.erase(
      std::remove(subscribers_.begin(), subscribers_.end(), subscriber),
      subscribers_.end());
}

void SubscriptionHub::NotifyCommitted() {
  absl::MutexLock lock(&mu_);
  committed_ = true;
}

void SubscriptionHub::Shutdown() {
  absl::MutexLock lock(&mu_);
  shutting_down_ = true;
  committed_ = true;
}

bool SubscriptionHub::shutting_down() const {
  absl::MutexLock lock(&mu_);
  return shutting_down_;
}

void SubscriptionHub::Run() {
  std::vector<Subscriber*> batch;
  for (;;) {
    bool shutting_down = false;
    {
      absl::MutexLock lock(&mu_);
      auto woken = [this]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
        return committed_ || stop_;
      };
      mu_.AwaitWithTimeout(absl::Condition(&woken), tick_);
      if (stop_) return;
      committed_ = false;
      shutting_down = shutting_down_;
      // Poke outside the lock: a poke may read the log and start a write,
      // and a finishing subscriber unregisters itself concurrently.
      batch = subscribers_;
      for (Subscriber* s : batch) s->Ref();
    }
    for (Subscriber* s : batch) {
      s->Poke(shutting_down);
      s->Unref();
    }
    batch.clear();
  }
}

}  // namespace ledger::services
