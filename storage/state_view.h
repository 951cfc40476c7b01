#ifndef LEDGER_STORAGE_STATE_VIEW_H_
#define LEDGER_STORAGE_STATE_VIEW_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace ledger::storage {

// Ordered cursor over one state family of a StateView. Not thread-safe.
class StateIterator {
 public:
  virtual ~StateIterator() = default;
  virtual void Seek(absl::string_view key) = 0;         // first key >= key
  virtual void SeekForPrev(absl::string_view key) = 0;  // last key <= key
  virtual void SeekToFirst() = 0;
  virtual void SeekToLast() = 0;
  virtual bool Valid() const = 0;
  virtual void Next() = 0;
  virtual void Prev() = 0;
  // REQUIRES: Valid(). Views stay valid until the next move.
  virtual absl::string_view key() const = 0;
  virtual absl::string_view value() const = 0;
  // Non-OK if iteration stopped because of an error.
  virtual absl::Status status() const = 0;
};

// A consistent, read-only snapshot of the state families together with the
// log position they reflect. Cheap to create; keeps the families it was
// opened on alive even if a rebuild switches to new ones meanwhile.
// Thread-safe for concurrent reads; iterators are not.
class StateView {
 public:
  virtual ~StateView() = default;
  // The last log position folded into this view.
  virtual uint64_t position() const = 0;
  // NOT_FOUND when absent.
  [[nodiscard]] virtual absl::Status Get(int family, absl::string_view key,
                                         std::string* value) const = 0;
  virtual std::unique_ptr<StateIterator> NewIterator(int family) const = 0;
};

}  // namespace ledger::storage

#endif  // LEDGER_STORAGE_STATE_VIEW_H_
