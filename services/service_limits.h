#ifndef LEDGER_SERVICES_SERVICE_LIMITS_H_
#define LEDGER_SERVICES_SERVICE_LIMITS_H_

#include <cstddef>

#include "absl/time/time.h"

namespace ledger::services {

// Request limits of the Ledger service; each is a customer-ledgerd flag.
struct ServiceLimits {
  size_t max_event_bytes = 1 << 20;     // one serialized payload
  size_t max_events_per_append = 1000;  // events in one AppendRequest
  size_t max_append_bytes = 8 << 20;    // all payloads of one append
  size_t max_read_page = 1000;          // events per ReadStream/ReadAll
  size_t default_read_page = 100;       // when the request says 0
  size_t max_scan = 10000;              // records examined per filtered page
  size_t max_filter_values = 100;       // values per filter list
  absl::Duration max_clock_skew = absl::Hours(24);  // occurred_at future bound
  absl::Duration checkpoint_interval = absl::Seconds(5);
  size_t subscribe_page = 256;  // events a subscriber buffers
};

}  // namespace ledger::services

#endif  // LEDGER_SERVICES_SERVICE_LIMITS_H_
