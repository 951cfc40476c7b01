#include "storage/internal/state_generation.h"

#include "absl/strings/str_cat.h"

namespace ledger::storage::internal {

StateGeneration::StateGeneration(
    rocksdb::DB* db, uint64_t number,
    std::vector<rocksdb::ColumnFamilyHandle*> handles)
    : db_(db), number_(number), handles_(std::move(handles)) {}

StateGeneration::~StateGeneration() {
  const bool drop = retired_.load(std::memory_order_acquire);
  for (rocksdb::ColumnFamilyHandle* handle : handles_) {
    if (drop) db_->DropColumnFamily(handle).PermitUncheckedError();
    db_->DestroyColumnFamilyHandle(handle).PermitUncheckedError();
  }
}

std::string StateGeneration::FamilyName(const std::string& state_family,
                                        uint64_t number) {
  return absl::StrCat(FamilyPrefix(state_family), number);
}

std::string StateGeneration::FamilyPrefix(const std::string& state_family) {
  return absl::StrCat("state.", state_family, "@");
}

}  // namespace ledger::storage::internal
