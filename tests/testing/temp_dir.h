#ifndef LEDGER_TESTS_TESTING_TEMP_DIR_H_
#define LEDGER_TESTS_TESTING_TEMP_DIR_H_

#include <string>

namespace ledger::testing {

// A fresh directory under $TEST_TMPDIR (or /tmp), removed with its contents
// on destruction. Not thread-safe.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  // path() + "/" + name.
  std::string Sub(const std::string& name) const;

 private:
  std::string path_;
};

}  // namespace ledger::testing

#endif  // LEDGER_TESTS_TESTING_TEMP_DIR_H_
