#include "storage/internal/merkle_store.h"

#include <chrono>
#include <cstring>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "spdlog/spdlog.h"
#include "storage/internal/coding.h"
#include "storage/internal/db_handle.h"
#include "storage/internal/log_scanner.h"
#include "storage/status_macros.h"

namespace ledger::storage::internal {

namespace {

// Events per WriteBatch of a backfill.
constexpr uint64_t kBackfillBatch = 1 << 16;
constexpr uint64_t kBackfillLogEvery = 1'000'000;
constexpr uint64_t kVerifyProgressEvery = 100'000;

rocksdb::Slice AsSlice(const Hash256& hash) {
  return rocksdb::Slice(reinterpret_cast<const char*>(hash.data()),
                        hash.size());
}

}  // namespace

MerkleStore::MerkleStore(const DbHandle* db) : db_(db) {}

std::string MerkleStore::NodeKey(int level, uint64_t index) {
  std::string key;
  PutFixed64BE(&key, (index + 1) << level);
  key.push_back(static_cast<char>(level));
  return key;
}

bool MerkleStore::ParseNodeKey(absl::string_view key, int* level,
                               uint64_t* index) {
  if (key.size() != 9) return false;
  const uint64_t last = DecodeFixed64BE(key.data());
  *level = static_cast<unsigned char>(key[8]);
  if (*level >= 64 || last == 0 || last % (uint64_t{1} << *level) != 0) {
    return false;
  }
  *index = (last >> *level) - 1;
  return true;
}

std::string MerkleStore::DescribeNode(int level, uint64_t index) {
  const uint64_t first = (index << level) + 1;
  const uint64_t last = (index + 1) << level;
  return absl::StrCat(
      "merkle node level ", level, " index ", index,
      first == last ? absl::StrCat(" (position ", first, ")")
                    : absl::StrCat(" (positions ", first, "..", last, ")"));
}

absl::StatusOr<Hash256> MerkleStore::ReadNode(int level, uint64_t index) const {
  std::string value;
  rocksdb::Status s =
      db_->db()->Get(rocksdb::ReadOptions(), db_->cf(Cf::kMerkle),
                     NodeKey(level, index), &value);
  if (s.IsNotFound()) {
    return absl::DataLossError(
        absl::StrCat(DescribeNode(level, index), " is missing"));
  }
  LEDGER_RETURN_IF_ERROR(FromRocks(s, "reading a merkle node"));
  Hash256 hash;
  if (value.size() != hash.size()) {
    return absl::DataLossError(absl::StrCat(DescribeNode(level, index),
                                            " is malformed (", value.size(),
                                            " bytes)"));
  }
  std::copy(value.begin(), value.end(), hash.begin());
  return hash;
}

absl::StatusOr<uint64_t> MerkleStore::StoredSize() const {
  std::unique_ptr<rocksdb::Iterator> it(
      db_->db()->NewIterator(rocksdb::ReadOptions(), db_->cf(Cf::kMerkle)));
  it->SeekToLast();
  LEDGER_RETURN_IF_ERROR(FromRocks(it->status(), "seeking the last node"));
  if (!it->Valid()) return 0;
  int level = 0;
  uint64_t index = 0;
  if (!ParseNodeKey(absl::string_view(it->key().data(), it->key().size()),
                    &level, &index)) {
    return absl::DataLossError("malformed key of the last merkle node");
  }
  return (index + 1) << level;
}

absl::StatusOr<MerkleFrontier> MerkleStore::LoadFrontier(uint64_t size) const {
  std::vector<Hash256> nodes;
  for (const auto& [level, index] : MerkleFrontier::NodesOf(size)) {
    LEDGER_ASSIGN_OR_RETURN(Hash256 hash, ReadNode(level, index));
    nodes.push_back(hash);
  }
  return MerkleFrontier::FromNodes(size, nodes);
}

void MerkleStore::Stage(const std::vector<Hash256>& event_hashes, Sha256& sha,
                        MerkleFrontier* frontier,
                        rocksdb::WriteBatch* batch) const {
  rocksdb::ColumnFamilyHandle* cf = db_->cf(Cf::kMerkle);
  for (const Hash256& event_hash : event_hashes) {
    const Hash256 leaf = MerkleLeafHash(
        sha, absl::string_view(reinterpret_cast<const char*>(event_hash.data()),
                               event_hash.size()));
    frontier->Append(sha, leaf,
                     [&](int level, uint64_t index, const Hash256& hash) {
                       batch->Put(cf, NodeKey(level, index), AsSlice(hash))
                           .PermitUncheckedError();
                     });
  }
}

absl::Status MerkleStore::Backfill(uint64_t head, MerkleFrontier* frontier,
                                   spdlog::logger& logger) const {
  const uint64_t from = frontier->size() + 1;
  if (from > head) return absl::OkStatus();
  logger.info(
      "building the Merkle tree: adding events {}..{} (once, for a data "
      "directory without the tree)",
      from, head);
  const auto start = std::chrono::steady_clock::now();
  auto seconds = [&start] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                         start)
        .count();
  };
  LogScanner scanner(db_->db(), db_->cf(Cf::kEvents), from, head);
  MerkleFrontier next = *frontier;
  Sha256 sha;
  rocksdb::WriteBatch batch;
  std::vector<Hash256> hashes;
  uint64_t expected = from;
  rocksdb::WriteOptions write_options;
  for (;;) {
    const std::vector<EventRecord>* records = nullptr;
    LEDGER_RETURN_IF_ERROR(scanner.Next(&records));
    if (records->empty()) break;
    hashes.clear();
    for (const EventRecord& record : *records) {
      hashes.push_back(record.hash);
      ++expected;
    }
    Stage(hashes, sha, &next, &batch);
    if (batch.Count() >= 2 * kBackfillBatch || expected > head) {
      LEDGER_RETURN_IF_ERROR(FromRocks(db_->db()->Write(write_options, &batch),
                                       "writing merkle nodes"));
      batch.Clear();
      // Only what is written counts: a failed write leaves the caller's
      // frontier at the stored tree.
      *frontier = next;
    }
    const uint64_t done = expected - from;
    if (done / kBackfillLogEvery !=
        (done - records->size()) / kBackfillLogEvery) {
      logger.info("Merkle tree: {}/{} events ({:.0f} events/s)", expected - 1,
                  head, done / std::max(seconds(), 1e-9));
    }
  }
  LEDGER_RETURN_IF_ERROR(
      FromRocks(db_->db()->FlushWAL(/*sync=*/true), "syncing merkle nodes"));
  const double took = seconds();
  logger.info("Merkle tree built: {} events in {:.2f} s ({:.0f} events/s)",
              head - from + 1, took, (head - from + 1) / std::max(took, 1e-9));
  return absl::OkStatus();
}

absl::StatusOr<Hash256> MerkleStore::Verify(
    uint64_t head, const std::function<void(uint64_t)>& progress) const {
  LogScanner scanner(db_->db(), db_->cf(Cf::kEvents), 1, head);
  // The stored nodes are keyed in the order the tree completes them, so one
  // pass of an iterator checks them all: any other key where a node is
  // expected is a node missing or an entry that does not belong.
  const std::string upper = EncodeFixed64BE(head + 1);  // past position head
  rocksdb::Slice upper_slice(upper);
  rocksdb::ReadOptions options;
  options.iterate_upper_bound = &upper_slice;
  options.fill_cache = false;
  options.readahead_size = 2 << 20;
  std::unique_ptr<rocksdb::Iterator> it(
      db_->db()->NewIterator(options, db_->cf(Cf::kMerkle)));
  it->SeekToFirst();
  MerkleFrontier tree;
  Sha256 sha;
  uint64_t expected = 1;
  absl::Status mismatch;
  auto check = [&](int level, uint64_t index, const Hash256& hash) {
    if (!mismatch.ok()) return;
    const std::string key = NodeKey(level, index);
    if (!it->Valid() || it->key().compare(key) > 0) {
      mismatch = FromRocks(it->status(), "reading merkle nodes");
      if (mismatch.ok()) {
        mismatch = absl::DataLossError(
            absl::StrCat(DescribeNode(level, index), " is missing"));
      }
      return;
    }
    if (it->key().compare(key) < 0) {
      mismatch = absl::DataLossError(absl::StrCat(
          "the merkle family holds an entry that is no node of the tree (key ",
          absl::BytesToHexString(it->key().ToString()), ") before ",
          DescribeNode(level, index)));
      return;
    }
    if (it->value().size() != hash.size() ||
        std::memcmp(it->value().data(), hash.data(), hash.size()) != 0) {
      mismatch = absl::DataLossError(absl::StrCat(
          DescribeNode(level, index), " does not match the events: stored ",
          absl::BytesToHexString(it->value().ToString()), ", the events give ",
          HexDigest(hash)));
      return;
    }
    it->Next();
  };
  for (;;) {
    const std::vector<EventRecord>* records = nullptr;
    LEDGER_RETURN_IF_ERROR(scanner.Next(&records));
    if (records->empty()) break;
    for (const EventRecord& record : *records) {
      const Hash256 leaf = MerkleLeafHash(
          sha,
          absl::string_view(reinterpret_cast<const char*>(record.hash.data()),
                            record.hash.size()));
      tree.Append(sha, leaf, check);
      if (!mismatch.ok()) return mismatch;
      if (progress && expected % kVerifyProgressEvery == 0) progress(expected);
      ++expected;
    }
  }
  LEDGER_RETURN_IF_ERROR(FromRocks(it->status(), "reading merkle nodes"));
  if (it->Valid()) {
    return absl::DataLossError(absl::StrCat(
        "the merkle family holds an entry that is no node of the tree (key ",
        absl::BytesToHexString(it->key().ToString()), ")"));
  }
  return tree.Root(sha);
}

}  // namespace ledger::storage::internal
