// Reading and writing the archive file format of proto/ledger/v1/
// archive.proto: a magic line, then length-delimited ArchiveRecords.
#ifndef LEDGER_TOOLS_LEDGERCTL_ARCHIVE_FILE_H_
#define LEDGER_TOOLS_LEDGERCTL_ARCHIVE_FILE_H_

#include <cstdint>
#include <istream>
#include <ostream>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/io/zero_copy_stream_impl.h"
#include "ledger/v1/archive.pb.h"

namespace ledger::ctl {

// The first line of every archive, format version 1.
inline constexpr absl::string_view kArchiveMagic =
    "customer-ledger-archive v1\n";

// Writes the magic line; then call WriteArchiveRecord for each record.
[[nodiscard]] absl::Status WriteArchiveMagic(std::ostream& out);
// Writes one record, preceded by its length as a varint.
[[nodiscard]] absl::Status WriteArchiveRecord(
    std::ostream& out, const ledger::v1::ArchiveRecord& record);

// Reads records one at a time from an archive stream. Not thread-safe.
class ArchiveReader {
 public:
  explicit ArchiveReader(std::istream& in);
  ArchiveReader(const ArchiveReader&) = delete;
  ArchiveReader& operator=(const ArchiveReader&) = delete;

  // Checks the magic line. INVALID_ARGUMENT if the stream is not an
  // archive of a format version this reader knows.
  [[nodiscard]] absl::Status ReadMagic();

  // Reads the next record: true, or false at a clean end of the stream.
  // DATA_LOSS if the bytes are not a complete record.
  absl::StatusOr<bool> Next(ledger::v1::ArchiveRecord* record);

  // Records read so far.
  uint64_t records() const { return records_; }

 private:
  google::protobuf::io::IstreamInputStream stream_;
  uint64_t records_ = 0;
};

}  // namespace ledger::ctl

#endif  // LEDGER_TOOLS_LEDGERCTL_ARCHIVE_FILE_H_
