#include "tools/ledgerctl/archive_file.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/util/delimited_message_util.h"

namespace ledger::ctl {

absl::Status WriteArchiveMagic(std::ostream& out) {
  out.write(kArchiveMagic.data(),
            static_cast<std::streamsize>(kArchiveMagic.size()));
  if (!out) return absl::InternalError("cannot write the archive");
  return absl::OkStatus();
}

absl::Status WriteArchiveRecord(std::ostream& out,
                                const ledger::v1::ArchiveRecord& record) {
  if (!google::protobuf::util::SerializeDelimitedToOstream(record, &out) ||
      !out) {
    return absl::InternalError("cannot write the archive");
  }
  return absl::OkStatus();
}

ArchiveReader::ArchiveReader(std::istream& in) : stream_(&in) {}

absl::Status ArchiveReader::ReadMagic() {
  std::string magic;
  {
    // The coded stream gives back what it read ahead when it is destroyed.
    google::protobuf::io::CodedInputStream coded(&stream_);
    if (!coded.ReadString(&magic, static_cast<int>(kArchiveMagic.size()))) {
      magic.clear();
    }
  }
  if (magic != kArchiveMagic) {
    if (magic.rfind("customer-ledger-archive v", 0) == 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "unsupported archive format \"", magic.substr(0, magic.size() - 1),
          "\"; this ledgerctl reads \"customer-ledger-archive v1\""));
    }
    return absl::InvalidArgumentError(
        "not a customer-ledger archive (it does not start with "
        "\"customer-ledger-archive v1\")");
  }
  return absl::OkStatus();
}

absl::StatusOr<bool> ArchiveReader::Next(ledger::v1::ArchiveRecord* record) {
  bool clean_eof = false;
  if (!google::protobuf::util::ParseDelimitedFromZeroCopyStream(
          record, &stream_, &clean_eof)) {
    if (clean_eof) return false;
    return absl::DataLossError(absl::StrCat(
        "record ", records_ + 1, " of the archive is damaged or cut off"));
  }
  ++records_;
  return true;
}

}  // namespace ledger::ctl
