#include "tools/ledgerctl/archive_verifier.h"

#include <memory>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "ledger/v1/archive.pb.h"
#include "tools/ledgerctl/archive_file.h"
#include "tools/ledgerctl/chain_verifier.h"
#include "tools/ledgerctl/digest_signature.h"
#include "tools/ledgerctl/merkle_verifier.h"

namespace ledger::ctl {

namespace {

namespace v1 = ::ledger::v1;

ArchiveReport Fail(ArchiveReport report, std::string error,
                   uint64_t bad_position = 0) {
  report.ok = false;
  report.error = std::move(error);
  report.bad_position = bad_position;
  return report;
}

}  // namespace

ArchiveReport VerifyArchive(
    std::istream& in, absl::string_view pinned_key,
    const std::function<void(uint64_t, uint64_t)>& progress) {
  ArchiveReport report;
  ArchiveReader reader(in);
  if (absl::Status s = reader.ReadMagic(); !s.ok()) {
    return Fail(report, std::string(s.message()));
  }
  v1::ArchiveRecord record;
  absl::StatusOr<bool> more = reader.Next(&record);
  if (!more.ok() || !*more || !record.has_header()) {
    return Fail(report, "the archive has no header record");
  }
  const v1::ArchiveHeader header = record.header();
  if (header.format_version() != 1) {
    return Fail(report, absl::StrCat("unsupported archive format version ",
                                     header.format_version()));
  }
  report.from = header.from_position();
  report.to = header.to_position();
  if (report.from == 0 || report.to < report.from) {
    return Fail(report, absl::StrCat("the header's range ", report.from, "..",
                                     report.to, " is not a range of events"));
  }
  const uint64_t total = report.to - report.from + 1;

  std::unique_ptr<ChainVerifier> chain;
  uint64_t expected = report.from;
  bool have_trailer = false;
  v1::ArchiveTrailer trailer;
  for (;;) {
    record.Clear();
    more = reader.Next(&record);
    if (!more.ok()) {
      return Fail(report,
                  absl::StrCat("the archive is damaged at position ", expected,
                               ": ", more.status().message()),
                  expected);
    }
    if (!*more) break;
    if (record.has_trailer()) {
      trailer = record.trailer();
      have_trailer = true;
      break;
    }
    if (!record.has_event()) {
      return Fail(report,
                  absl::StrCat("unexpected record ", reader.records(),
                               " where event ", expected, " belongs"),
                  expected);
    }
    v1::Event& e = *record.mutable_event();
    if (e.position() != expected) {
      std::string what = e.position() > expected
                             ? absl::StrCat("event ", expected,
                                            " is missing (the next event "
                                            "in the file is ",
                                            e.position(), ")")
                             : absl::StrCat("event ", e.position(),
                                            " appears again or out "
                                            "of order where event ",
                                            expected, " belongs");
      return Fail(report, std::move(what), expected);
    }
    if (e.position() > report.to) {
      return Fail(
          report,
          absl::StrCat("event ", e.position(),
                       " is past the header's range ending at ", report.to),
          e.position());
    }
    if (chain == nullptr) {
      // Event P's prev_hash is covered by its own hash; only the log's
      // first event has a known predecessor (none: zeros).
      std::string prev =
          report.from == 1 ? std::string(kHashSize, '\0') : e.prev_hash();
      chain = std::make_unique<ChainVerifier>(std::move(prev));
    }
    // The archive stores only the hashed bytes; decode them for the check.
    e.clear_payload();
    if (!e.mutable_payload()->ParseFromString(e.raw_payload())) {
      e.clear_payload();
    }
    std::string error;
    if (!chain->Check(e, &error)) {
      return Fail(report, error, e.position());
    }
    report.events = chain->verified();
    report.last_hash = chain->last_hash();
    ++expected;
    if (progress) progress(report.events, total);
  }
  if (expected <= report.to) {
    return Fail(report,
                absl::StrCat("events ", expected, "..", report.to,
                             " are missing: the archive ends",
                             have_trailer ? "" : " without its trailer",
                             " after position ", expected - 1),
                expected);
  }
  if (!have_trailer) {
    return Fail(report, "the archive is cut off: its trailer is missing");
  }
  record.Clear();
  more = reader.Next(&record);
  if (!more.ok() || *more) {
    return Fail(report, "there is data after the archive's trailer");
  }
  report.digest = trailer.digest();
  if (trailer.event_count() != total) {
    return Fail(report,
                absl::StrCat("the trailer counts ", trailer.event_count(),
                             " events, not ", total));
  }
  if (absl::Status s = VerifyDigest(trailer.digest(), pinned_key); !s.ok()) {
    return Fail(report, std::string(s.message()));
  }
  if (!header.public_key().empty() &&
      header.public_key() != trailer.digest().public_key()) {
    return Fail(report,
                "the header names a different key than the one that signed "
                "the trailer's digest");
  }
  if (trailer.digest().tree_size() != report.to) {
    return Fail(report, absl::StrCat("the signed digest covers ",
                                     trailer.digest().tree_size(),
                                     " events, not the archive's last "
                                     "position ",
                                     report.to));
  }
  if (trailer.digest().head_hash() != report.last_hash) {
    return Fail(
        report,
        absl::StrCat("the signed head hash ",
                     absl::BytesToHexString(trailer.digest().head_hash()),
                     " is not event ", report.to, "'s recomputed hash ",
                     absl::BytesToHexString(report.last_hash)),
        report.to);
  }
  const std::vector<std::string> path(trailer.audit_path().begin(),
                                      trailer.audit_path().end());
  if (absl::Status s =
          VerifyInclusion(report.to - 1, report.to, LeafHash(report.last_hash),
                          path, trailer.digest().root_hash());
      !s.ok()) {
    return Fail(report, absl::StrCat("the inclusion proof of event ", report.to,
                                     " fails: ", s.message()));
  }
  report.ok = true;
  return report;
}

}  // namespace ledger::ctl
