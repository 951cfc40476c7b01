#ifndef LEDGER_TESTS_TESTING_RAW_DB_H_
#define LEDGER_TESTS_TESTING_RAW_DB_H_

// Direct RocksDB access to the data directory of a closed EventLog (or of
// a stopped customer-ledgerd), for tests that tamper with what is stored.

#include <memory>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "rocksdb/db.h"

namespace ledger::testing {

// Direct access to the RocksDB of a closed log, every family opened.
// Not thread-safe.
class RawDb {
 public:
  explicit RawDb(const std::string& path) {
    std::vector<std::string> names;
    EXPECT_TRUE(
        rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), path, &names)
            .ok());
    std::vector<rocksdb::ColumnFamilyDescriptor> families;
    for (const std::string& name : names) {
      families.emplace_back(name, rocksdb::ColumnFamilyOptions());
    }
    rocksdb::DB* db = nullptr;
    rocksdb::Status s =
        rocksdb::DB::Open(rocksdb::DBOptions(), path, families, &handles_, &db);
    EXPECT_TRUE(s.ok()) << s.ToString();
    db_.reset(db);
    names_ = names;
  }
  ~RawDb() {
    for (rocksdb::ColumnFamilyHandle* h : handles_) {
      db_->DestroyColumnFamilyHandle(h).PermitUncheckedError();
    }
    if (db_ != nullptr) db_->Close().PermitUncheckedError();
  }

  rocksdb::DB* db() const { return db_.get(); }
  rocksdb::ColumnFamilyHandle* cf(const std::string& name) const {
    for (size_t i = 0; i < names_.size(); ++i) {
      if (names_[i] == name) return handles_[i];
    }
    ADD_FAILURE() << "no column family " << name;
    return nullptr;
  }
  std::string Get(const std::string& family, const std::string& key) {
    std::string value;
    rocksdb::Status s =
        db_->Get(rocksdb::ReadOptions(), cf(family), key, &value);
    EXPECT_TRUE(s.ok()) << family << ": " << s.ToString();
    return value;
  }
  void Put(const std::string& family, const std::string& key,
           const std::string& value) {
    rocksdb::WriteOptions options;
    options.sync = true;
    EXPECT_TRUE(db_->Put(options, cf(family), key, value).ok());
  }
  void Delete(const std::string& family, const std::string& key) {
    rocksdb::WriteOptions options;
    options.sync = true;
    EXPECT_TRUE(db_->Delete(options, cf(family), key).ok());
  }
  // Every key of a family.
  std::vector<std::string> Keys(const std::string& family) {
    std::vector<std::string> keys;
    std::unique_ptr<rocksdb::Iterator> it(
        db_->NewIterator(rocksdb::ReadOptions(), cf(family)));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      keys.push_back(it->key().ToString());
    }
    return keys;
  }

 private:
  std::unique_ptr<rocksdb::DB> db_;
  std::vector<std::string> names_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
};

}  // namespace ledger::testing

#endif  // LEDGER_TESTS_TESTING_RAW_DB_H_
