#ifndef LEDGER_PROJECTIONS_CUSTOMER_PROJECTOR_H_
#define LEDGER_PROJECTIONS_CUSTOMER_PROJECTOR_H_

#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "google/protobuf/arena.h"
#include "ledger/v1/customer.pb.h"
#include "ledger/v1/ledger.pb.h"
#include "projections/payload_opener.h"
#include "storage/event_record.h"
#include "storage/projector.h"

namespace ledger::projections {

// Name and version of the customer projections (profile, timeline,
// classification history and the search indexes). Bump the version whenever
// the fold or the key layout changes: the server then rebuilds at start-up.
inline constexpr char kCustomerProjectionVersion[] = "customer-projections/9";

// Maintains the customer projections from the log: decodes each event, folds
// it into the customer's profile (customer_fold.h) and records
// (customer_records.h), appends timeline and classification-history entries
// and keeps the secondary indexes in step. A CustomerMerged event folds the
// merged customer's file into the survivor's (customer_merge.h); events of
// the rules stream go to the rules family (classification_rules.h). Who
// caused each event is the log's own index (EventLog::ListByPrincipal), not
// a projection's.
// Refuses (FAILED_PRECONDITION) an event the customer's records or key
// people forbid, and any event for a merged or forgotten customer. A
// CustomerForgotten event erases every personal value of the customer and
// of the files merged into it: profiles, timeline entries, records, and the
// index entries derived from them (personal_fields.h decides what is
// personal).
//
// Sealed personal fields are opened with the opener given (none: the fold
// sees only the public part of sealed payloads, as tests of plain payloads
// do).
//
// Profiles are loaded once per customer and kept in memory until Flush(),
// which stores each touched profile once and updates its index entries by
// the difference between the stored and the final profile. Inline, the log
// flushes after every append; a rebuild flushes per chunk, so a customer's
// whole history costs one profile write instead of one per event.
//
// Not thread-safe (the log calls it from one thread).
class CustomerProjector final : public storage::Projector {
 public:
  // `opener` (not owned, may be null) must outlive the projector.
  explicit CustomerProjector(const PayloadOpener* opener = nullptr);

  absl::Status Apply(const storage::EventRecord& record,
                     storage::StateWriter& state) override;
  // Folds the payload of `decoded` when it is a PlainPayload (the appender's
  // plaintext: no parse, no opening of sealed fields); else as Apply.
  absl::Status ApplyDecoded(const storage::EventRecord& record,
                            const storage::DecodedPayload& decoded,
                            storage::StateWriter& state) override;
  // Prefetches the customer's key from the opener.
  void Prefetch(const storage::EventRecord& record) const override;
  absl::Status Flush(storage::StateWriter& state) override;

 private:
  struct Touched {
    std::string customer_id;
    ledger::v1::CustomerProfile profile;
    std::vector<std::string> stored_index;  // index keys as stored
  };

  // The customer's profile as folded so far: from touched_, else from the
  // state (empty when absent; `known_new` skips the lookup). The pointer
  // stays valid until the next Flush or failed Apply (Reset).
  absl::StatusOr<Touched*> Load(const std::string& customer_id, bool known_new,
                                storage::StateWriter& state);
  // Folds `record`, whose payload is `plain` when known (else decoded).
  absl::Status ApplyEvent(const storage::EventRecord& record,
                          const ledger::v1::EventPayload* plain,
                          storage::StateWriter& state);
  absl::Status MaybeFlush(storage::StateWriter& state);
  // Forgets every touched profile; their objects go back to the pool.
  void Reset();
  // Erases the personal data of `event`'s customer and the files merged
  // into it (CustomerForgotten).
  absl::Status Forget(const ledger::v1::Event& event,
                      storage::StateWriter& state);

  const PayloadOpener* const opener_;
  // Profiles touched since the last Flush: touched_ indexes pool_[0, used_).
  // The objects are reused, not freed: Clear() keeps their allocations,
  // which a rebuild would otherwise free and make again for every chunk's
  // 100,000 customers.
  absl::flat_hash_map<std::string, Touched*> touched_;
  std::vector<std::unique_ptr<Touched>> pool_;
  size_t used_ = 0;
  // Each event is decoded on this arena, reset before the next one: its
  // messages and their small strings cost no malloc or free, which a
  // rebuild would otherwise pay dozens of times per event. The first block
  // is ours and survives Reset.
  std::unique_ptr<char[]> arena_block_;
  google::protobuf::Arena arena_;
  std::string scratch_;
};

}  // namespace ledger::projections

#endif  // LEDGER_PROJECTIONS_CUSTOMER_PROJECTOR_H_
