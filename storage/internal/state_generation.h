#ifndef LEDGER_STORAGE_INTERNAL_STATE_GENERATION_H_
#define LEDGER_STORAGE_INTERNAL_STATE_GENERATION_H_

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "rocksdb/db.h"

namespace ledger::storage::internal {

// One generation of the state families (column families
// "state.<name>@<number>"). Readers, the writer and a rebuild share it
// through std::shared_ptr; a generation replaced by a rebuild is retired and
// its families are dropped when the last holder lets go, so a reader never
// sees its tables disappear under it. Thread-safe.
class StateGeneration {
 public:
  // Takes ownership of `handles` (in EventLogOptions::state_families order).
  StateGeneration(rocksdb::DB* db, uint64_t number,
                  std::vector<rocksdb::ColumnFamilyHandle*> handles);
  // Destroys the handles; drops the families if retired.
  ~StateGeneration();

  StateGeneration(const StateGeneration&) = delete;
  StateGeneration& operator=(const StateGeneration&) = delete;

  // The RocksDB family of `state_family` in generation `number`, and what
  // the names of all its generations start with.
  static std::string FamilyName(const std::string& state_family,
                                uint64_t number);
  static std::string FamilyPrefix(const std::string& state_family);

  uint64_t number() const { return number_; }
  rocksdb::ColumnFamilyHandle* family(int index) const {
    return handles_[index];
  }
  const std::vector<rocksdb::ColumnFamilyHandle*>& families() const {
    return handles_;
  }
  // Drop the families once the last reference is gone.
  void Retire() { retired_.store(true, std::memory_order_release); }

 private:
  rocksdb::DB* const db_;
  const uint64_t number_;
  const std::vector<rocksdb::ColumnFamilyHandle*> handles_;
  std::atomic<bool> retired_{false};
};

}  // namespace ledger::storage::internal

#endif  // LEDGER_STORAGE_INTERNAL_STATE_GENERATION_H_
