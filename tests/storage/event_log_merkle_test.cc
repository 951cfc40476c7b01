// EventLog's RFC 6962 tree: built in the commit groups (concurrent appenders,
// refused and dry-run requests), recovered at open, backfilled for a data
// directory without it, consistent for readers during appends, untouched by
// a state rebuild, and tamper-evident (VerifyMerkle names the node and the
// positions; proofs from a tampered tree fail the independent verifier).

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "rocksdb/db.h"
#include "storage/event_log.h"
#include "storage/hash_chain.h"
#include "storage/internal/merkle_store.h"
#include "storage/internal/record_codec.h"
#include "storage/projector.h"
#include "tests/storage/storage_test_util.h"
#include "tests/testing/raw_db.h"
#include "tests/testing/rfc6962_verifier.h"

namespace ledger::storage {
namespace {

using ::ledger::testing::RawDb;
using ::ledger::testing::Rfc6962LeafHash;
using ::ledger::testing::Rfc6962Root;
using ::ledger::testing::VerifyRfc6962Consistency;
using ::ledger::testing::VerifyRfc6962Inclusion;
using test_util::AsyncResults;
using test_util::Bytes;
using test_util::EventHashes;
using test_util::ExpectTreeMatchesEvents;
using test_util::IsOk;
using test_util::MakeEvent;
using test_util::MakeRequest;
using test_util::OneEvent;
using test_util::StatusIs;
using test_util::WriterGate;
using ::testing::AllOf;
using ::testing::HasSubstr;

std::vector<std::string> Strs(const std::vector<Hash256>& hashes) {
  std::vector<std::string> out;
  for (const Hash256& h : hashes) out.push_back(Bytes(h));
  return out;
}

std::string Prefix(const std::vector<std::string>& v, size_t n) {
  return Rfc6962Root(std::vector<std::string>(v.begin(), v.begin() + n));
}

// Counts events per stream; refuses events of type "Refuse".
class CountingProjector final : public Projector {
 public:
  absl::Status Apply(const EventRecord& record, StateWriter& state) override {
    if (record.type == "Refuse") {
      return absl::FailedPreconditionError("refused");
    }
    std::string value;
    int count = 0;
    absl::Status s = state.Get(0, record.stream, &value);
    if (s.ok()) {
      count = std::stoi(value);
    } else if (!absl::IsNotFound(s)) {
      return s;
    }
    state.Put(0, record.stream, std::to_string(count + 1));
    return absl::OkStatus();
  }
};

// Requests one appender thread has in flight at once.
constexpr int kWave = 5;

std::string NodeKey(int level, uint64_t index) {
  return internal::MerkleStore::NodeKey(level, index);
}

class EventLogMerkleTest : public test_util::EventLogFixture {
 protected:
  EventLogMerkleTest() {
    options_.state_families = {{"counts"}};
    options_.projector = &projector_;
  }

  // Appends `n` events, one per request, to a few streams.
  void AppendEvents(int n, const std::string& tag = "e") {
    for (int i = 0; i < n; ++i) {
      MustAppend(OneEvent(absl::StrCat("s", i % 5), ExpectedVersion::Any(),
                          absl::StrCat(tag, "-", i)));
    }
  }

  // Appends from `threads` threads at once, each `appends` requests of 1..3
  // events in waves of 5 asynchronous requests, so that there are many
  // commit groups and groups hold several requests.
  void AppendConcurrently(int threads, int appends) {
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) {
      workers.emplace_back([this, t, appends] {
        for (int first = 0; first < appends; first += kWave) {
          const int n = std::min(kWave, appends - first);
          AsyncResults results(n);
          for (int k = 0; k < n; ++k) {
            const int i = first + k;
            std::vector<ProposedEvent> events;
            for (int e = 0; e <= (i + t) % 3; ++e) {
              events.push_back(
                  MakeEvent("Noted", absl::StrCat(t, "/", i, "/", e)));
            }
            log().AppendAsync(
                MakeRequest(absl::StrCat("w", t), ExpectedVersion::Any(),
                            std::move(events)),
                results.Callback(k));
          }
          ASSERT_TRUE(results.WaitAll());
          for (const auto& r : results.results()) EXPECT_THAT(r, IsOk());
        }
      });
    }
    for (std::thread& w : workers) w.join();
  }

  CountingProjector projector_;
};

TEST_F(EventLogMerkleTest, EmptyLogHasTheEmptyRoot) {
  absl::StatusOr<TreeHead> head = log().GetTreeHead(0);
  ASSERT_THAT(head, IsOk());
  EXPECT_EQ(head->tree_size, 0u);
  EXPECT_EQ(Bytes(head->root_hash), Rfc6962Root({}));
  EXPECT_EQ(head->head_hash, Hash256{});
  EXPECT_THAT(log().GetTreeHead(1), StatusIs(absl::StatusCode::kNotFound,
                                             HasSubstr("past the log head 0")));
  EXPECT_THAT(log().InclusionProof(1, 1),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(log().InclusionProof(0, 0),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(log().ConsistencyProof(0, 0),
              StatusIs(absl::StatusCode::kInvalidArgument));
  absl::StatusOr<TreeHead> verified = log().VerifyMerkle();
  ASSERT_THAT(verified, IsOk());
  EXPECT_EQ(verified->tree_size, 0u);
}

TEST_F(EventLogMerkleTest, RootMatchesTheEventHashesAfterConcurrentGroups) {
  ASSERT_NO_FATAL_FAILURE(AppendConcurrently(4, 60));
  const LogStats stats = log().stats();
  EXPECT_GT(stats.commit_groups, 1u);
  EXPECT_LT(stats.commit_groups, stats.committed_appends)
      << "some groups should hold several appends";
  ASSERT_NO_FATAL_FAILURE(ExpectTreeMatchesEvents(log()));

  // Every size, not just the head, and the head hash of each.
  const std::vector<std::string> hashes = EventHashes(log());
  for (size_t n = 1; n <= hashes.size(); n += 7) {
    absl::StatusOr<TreeHead> head = log().GetTreeHead(n);
    ASSERT_THAT(head, IsOk());
    EXPECT_EQ(Bytes(head->root_hash), Prefix(hashes, n)) << "size " << n;
    EXPECT_EQ(Bytes(head->head_hash), hashes[n - 1]);
  }
}

TEST_F(EventLogMerkleTest, ProofsOfTheLogVerifyIndependently) {
  AppendEvents(70);
  const std::vector<std::string> hashes = EventHashes(log());
  for (uint64_t size : {1, 2, 5, 32, 33, 64, 69, 70}) {
    const std::string root = Prefix(hashes, size);
    for (uint64_t position = 1; position <= size; ++position) {
      absl::StatusOr<std::vector<Hash256>> path =
          log().InclusionProof(position, size);
      ASSERT_THAT(path, IsOk());
      EXPECT_TRUE(VerifyRfc6962Inclusion(position - 1, size,
                                         Rfc6962LeafHash(hashes[position - 1]),
                                         Strs(*path), root))
          << "position " << position << " in " << size;
    }
    for (uint64_t old_size = 1; old_size <= size; ++old_size) {
      absl::StatusOr<std::vector<Hash256>> proof =
          log().ConsistencyProof(old_size, size);
      ASSERT_THAT(proof, IsOk());
      EXPECT_TRUE(VerifyRfc6962Consistency(
          old_size, size, Prefix(hashes, old_size), root, Strs(*proof)))
          << old_size << " -> " << size;
    }
  }
  EXPECT_THAT(log().InclusionProof(71, 70),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(log().InclusionProof(5, 71),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(log().ConsistencyProof(10, 9),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(log().ConsistencyProof(10, 71),
              StatusIs(absl::StatusCode::kNotFound));
}

// Readers during appends see only committed sizes, whose roots and proofs
// stay valid for good.
TEST_F(EventLogMerkleTest, ReadsDuringAppendsAreConsistent) {
  struct Seen {
    uint64_t size;
    std::string root;
    uint64_t position;
    std::vector<std::string> path;
    uint64_t old_size;
    std::vector<std::string> consistency;
  };
  std::vector<Seen> seen;
  std::atomic<bool> done{false};
  std::thread reader([&] {
    uint64_t previous = 0;
    while (!done.load()) {
      const uint64_t size = log().last_position();
      if (size == 0) continue;
      absl::StatusOr<TreeHead> head = log().GetTreeHead(size);
      ASSERT_THAT(head, IsOk());
      Seen s{size, Bytes(head->root_hash), size / 2 + 1, {}, 0, {}};
      absl::StatusOr<std::vector<Hash256>> path =
          log().InclusionProof(s.position, size);
      ASSERT_THAT(path, IsOk());
      s.path = Strs(*path);
      if (previous > 0) {
        s.old_size = previous;
        absl::StatusOr<std::vector<Hash256>> proof =
            log().ConsistencyProof(previous, size);
        ASSERT_THAT(proof, IsOk());
        s.consistency = Strs(*proof);
      }
      previous = size;
      seen.push_back(std::move(s));
    }
  });
  ASSERT_NO_FATAL_FAILURE(AppendConcurrently(3, 80));
  done = true;
  reader.join();
  ASSERT_GT(seen.size(), 1u);
  const std::vector<std::string> hashes = EventHashes(log());
  for (const Seen& s : seen) {
    SCOPED_TRACE(absl::StrCat("size ", s.size));
    EXPECT_EQ(s.root, Prefix(hashes, s.size));
    EXPECT_TRUE(VerifyRfc6962Inclusion(s.position - 1, s.size,
                                       Rfc6962LeafHash(hashes[s.position - 1]),
                                       s.path, s.root));
    if (s.old_size > 0) {
      EXPECT_TRUE(VerifyRfc6962Consistency(s.old_size, s.size,
                                           Prefix(hashes, s.old_size), s.root,
                                           s.consistency));
    }
  }
}

// Refused, aborted and dry-run requests in the same group as real appends
// add no leaves.
TEST_F(EventLogMerkleTest, RefusedAndDryRunAppendsAddNoLeaves) {
  AppendEvents(3);
  WriterGate gate(log());
  gate.Arm();
  MustAppend(OneEvent("trigger"));
  ASSERT_TRUE(gate.WaitUntilParked());
  AsyncResults results(5);
  log().AppendAsync(OneEvent("a"), results.Callback(0));
  AppendRequest dry = OneEvent("b");
  dry.dry_run = true;
  log().AppendAsync(std::move(dry), results.Callback(1));
  log().AppendAsync(
      MakeRequest("c", ExpectedVersion::Any(),
                  {MakeEvent("Noted", "x"), MakeEvent("Refuse", "y")}),
      results.Callback(2));
  log().AppendAsync(OneEvent("s0", ExpectedVersion::Exact(99)),
                    results.Callback(3));
  log().AppendAsync(OneEvent("d"), results.Callback(4));
  gate.Release();
  ASSERT_TRUE(results.WaitAll());
  const auto all = results.results();
  EXPECT_THAT(all[0], IsOk());
  EXPECT_THAT(all[1], IsOk());
  EXPECT_THAT(all[2], StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(all[3], StatusIs(absl::StatusCode::kAborted));
  EXPECT_THAT(all[4], IsOk());
  EXPECT_EQ(log().last_position(), 6u);
  ASSERT_NO_FATAL_FAILURE(ExpectTreeMatchesEvents(log()));
}

TEST_F(EventLogMerkleTest, TreeSurvivesRestarts) {
  AppendEvents(37);
  absl::StatusOr<TreeHead> before = log().GetTreeHead(37);
  ASSERT_THAT(before, IsOk());
  ReopenLog();
  absl::StatusOr<TreeHead> after = log().GetTreeHead(37);
  ASSERT_THAT(after, IsOk());
  EXPECT_EQ(after->root_hash, before->root_hash);
  // The recovered right edge continues the tree.
  AppendEvents(28, "more");
  ASSERT_NO_FATAL_FAILURE(ExpectTreeMatchesEvents(log()));
  ReopenLog();
  ASSERT_NO_FATAL_FAILURE(ExpectTreeMatchesEvents(log()));
  AppendEvents(1, "last");
  ASSERT_NO_FATAL_FAILURE(ExpectTreeMatchesEvents(log()));
}

TEST_F(EventLogMerkleTest, RebuildStateLeavesTheTreeIntact) {
  AppendEvents(50);
  std::atomic<bool> done{false};
  std::thread appender([&] {
    int i = 0;
    while (!done.load() || i < 20) {
      MustAppend(OneEvent("during", ExpectedVersion::Any(),
                          absl::StrCat("during-", i++)));
    }
  });
  CountingProjector rebuild;
  EXPECT_THAT(log().RebuildState(rebuild, "v2"), IsOk());
  done = true;
  appender.join();
  ASSERT_NO_FATAL_FAILURE(ExpectTreeMatchesEvents(log()));
  ReopenLog();
  ASSERT_NO_FATAL_FAILURE(ExpectTreeMatchesEvents(log()));
}

// A data directory from before the tree: its "merkle" family does not
// exist. Opening it builds the tree from the log.
TEST_F(EventLogMerkleTest, OpenBackfillsADataDirectoryWithoutTheTree) {
  ASSERT_NO_FATAL_FAILURE(AppendConcurrently(2, 150));
  const uint64_t size = log().last_position();
  absl::StatusOr<TreeHead> before = log().GetTreeHead(size);
  ASSERT_THAT(before, IsOk());
  CloseLog();
  {
    RawDb raw(options_.path);
    ASSERT_TRUE(raw.db()->DropColumnFamily(raw.cf("merkle")).ok());
  }
  {
    std::vector<std::string> names;
    ASSERT_TRUE(rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(),
                                                options_.path, &names)
                    .ok());
    ASSERT_EQ(std::count(names.begin(), names.end(), "merkle"), 0)
        << "the store must look like one made before the tree";
  }
  OpenLog();
  absl::StatusOr<TreeHead> after = log().GetTreeHead(size);
  ASSERT_THAT(after, IsOk());
  EXPECT_EQ(after->root_hash, before->root_hash);
  ASSERT_NO_FATAL_FAILURE(ExpectTreeMatchesEvents(log()));
  AppendEvents(9);
  ASSERT_NO_FATAL_FAILURE(ExpectTreeMatchesEvents(log()));
}

// A log opened without the tree (the access log) writes no node, answers
// tree questions with FAILED_PRECONDITION, and keeps its hash chain.
TEST_F(EventLogMerkleTest, LogWithoutTheTreeWritesNoNodesAndRefusesProofs) {
  CloseLog();
  options_.merkle_tree = false;
  OpenLog();
  ASSERT_NO_FATAL_FAILURE(AppendConcurrently(2, 20));
  const uint64_t size = log().last_position();
  ASSERT_GT(size, 0u);
  EXPECT_THAT(log().GetTreeHead(size),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("no Merkle tree")));
  EXPECT_THAT(log().InclusionProof(1, size),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(log().ConsistencyProof(1, size),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(log().VerifyMerkle().status(),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(log().VerifyChain(0, 0), IsOk());
  CloseLog();
  {
    RawDb raw(options_.path);
    EXPECT_THAT(raw.Keys("merkle"), ::testing::IsEmpty());
  }
  // Reopened with the tree, the log backfills it from the events.
  options_.merkle_tree = true;
  OpenLog();
  ASSERT_NO_FATAL_FAILURE(ExpectTreeMatchesEvents(log()));
}

// An interrupted backfill leaves the tree of a prefix of the log; the next
// open adds the rest.
TEST_F(EventLogMerkleTest, OpenCompletesATreeThatCoversAPrefix) {
  AppendEvents(100);
  CloseLog();
  {
    RawDb raw(options_.path);
    int removed = 0;
    for (const std::string& key : raw.Keys("merkle")) {
      int level = 0;
      uint64_t index = 0;
      ASSERT_TRUE(internal::MerkleStore::ParseNodeKey(key, &level, &index));
      ASSERT_EQ(key, NodeKey(level, index));
      if (((index + 1) << level) > 37) {  // covers a position past 37
        raw.Delete("merkle", key);
        ++removed;
      }
    }
    EXPECT_GT(removed, 60);
  }
  OpenLog();
  ASSERT_NO_FATAL_FAILURE(ExpectTreeMatchesEvents(log()));
}

TEST_F(EventLogMerkleTest, VerifyMerkleNamesATamperedNodeAndItsPositions) {
  AppendEvents(40);
  const std::vector<std::string> hashes = EventHashes(log());
  const std::string root32 = Prefix(hashes, 32);
  CloseLog();
  {
    RawDb raw(options_.path);
    std::string node = raw.Get("merkle", NodeKey(3, 2));
    ASSERT_EQ(node.size(), 32u);
    node[7] ^= 0x40;
    raw.Put("merkle", NodeKey(3, 2), node);
  }
  OpenLog();
  EXPECT_THAT(
      log().VerifyMerkle(),
      StatusIs(absl::StatusCode::kDataLoss,
               HasSubstr("merkle node level 3 index 2 (positions 17..24) does "
                         "not match the events")));
  // The chain is intact: only the tree was touched.
  EXPECT_THAT(log().VerifyChain(0, 0), IsOk());
  // A proof that uses the node no longer verifies against the true root.
  absl::StatusOr<std::vector<Hash256>> path = log().InclusionProof(30, 32);
  ASSERT_THAT(path, IsOk());
  EXPECT_FALSE(VerifyRfc6962Inclusion(29, 32, Rfc6962LeafHash(hashes[29]),
                                      Strs(*path), root32));
}

TEST_F(EventLogMerkleTest, VerifyMerkleNamesATamperedLeafAndAMissingNode) {
  AppendEvents(12);
  CloseLog();
  {
    RawDb raw(options_.path);
    std::string leaf = raw.Get("merkle", NodeKey(0, 4));
    leaf[0] ^= 0x01;
    raw.Put("merkle", NodeKey(0, 4), leaf);
    raw.Delete("merkle", NodeKey(1, 4));  // positions 9..10
  }
  OpenLog();
  EXPECT_THAT(log().VerifyMerkle(),
              StatusIs(absl::StatusCode::kDataLoss,
                       HasSubstr("merkle node level 0 index 4 (position 5) "
                                 "does not match the events")));
  CloseLog();
  {
    RawDb raw(options_.path);
    std::string leaf = raw.Get("merkle", NodeKey(0, 4));
    leaf[0] ^= 0x01;  // repaired
    raw.Put("merkle", NodeKey(0, 4), leaf);
  }
  OpenLog();
  EXPECT_THAT(log().VerifyMerkle(),
              StatusIs(absl::StatusCode::kDataLoss,
                       HasSubstr("merkle node level 1 index 4 (positions "
                                 "9..10) is missing")));
  CloseLog();
  {
    RawDb raw(options_.path);
    raw.Put("merkle", NodeKey(1, 4), std::string(32, 'x'));  // restored...
    raw.Put("merkle", NodeKey(1, 4).substr(0, 8), "stray");  // ...plus junk
  }
  OpenLog();
  EXPECT_THAT(
      log().VerifyMerkle(),
      StatusIs(absl::StatusCode::kDataLoss,
               HasSubstr("holds an entry that is no node of the tree")));
}

// Rewrites event `position`'s payload in the raw store; with `rechain`,
// also recomputes its hash and every later one so the chain verifies again
// (what an attacker with write access to the files would do).
void TamperEvent(RawDb& raw, uint64_t position, uint64_t head, bool rechain) {
  Sha256 sha;
  std::string scratch;
  Hash256 prev{};
  for (uint64_t p = position; p <= head; ++p) {
    EventRecord record;
    ASSERT_THAT(internal::DecodeRecord(raw.Get("events", internal::EventKey(p)),
                                       &record),
                IsOk());
    if (p == position) {
      record.payload = "forged";
      if (rechain) record.payload_sha256 = sha.Digest(record.payload);
      prev = record.prev_hash;
    }
    if (rechain) {
      record.prev_hash = prev;
      record.hash = sha.EventHash(prev, record, &scratch);
      prev = record.hash;
    }
    raw.Put("events", internal::EventKey(p), internal::EncodeRecord(record));
    if (!rechain) break;
  }
}

TEST_F(EventLogMerkleTest, TamperedEventsAreCaughtByTheChainOrTheTree) {
  AppendEvents(20);
  absl::StatusOr<TreeHead> signed_head = log().GetTreeHead(20);
  ASSERT_THAT(signed_head, IsOk());
  CloseLog();
  // A changed payload: the chain names the position.
  {
    RawDb raw(options_.path);
    ASSERT_NO_FATAL_FAILURE(TamperEvent(raw, 7, 20, /*rechain=*/false));
  }
  OpenLog();
  EXPECT_THAT(log().VerifyChain(0, 0),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("position 7:")));
  CloseLog();
  // The whole chain recomputed after the forgery: the chain verifies, the
  // stored tree does not match it.
  {
    RawDb raw(options_.path);
    ASSERT_NO_FATAL_FAILURE(TamperEvent(raw, 7, 20, /*rechain=*/true));
  }
  OpenLog();
  EXPECT_THAT(log().VerifyChain(0, 0), IsOk());
  EXPECT_THAT(log().VerifyMerkle(),
              StatusIs(absl::StatusCode::kDataLoss,
                       AllOf(HasSubstr("level 0 index 6 (position 7)"),
                             HasSubstr("does not match the events"))));
  CloseLog();
  // The tree rebuilt too: everything on disk agrees, but the root is not
  // the one signed before, and no consistency proof links them.
  {
    RawDb raw(options_.path);
    ASSERT_TRUE(raw.db()->DropColumnFamily(raw.cf("merkle")).ok());
  }
  OpenLog();
  ASSERT_NO_FATAL_FAILURE(ExpectTreeMatchesEvents(log()));
  absl::StatusOr<TreeHead> forged = log().GetTreeHead(20);
  ASSERT_THAT(forged, IsOk());
  EXPECT_NE(forged->root_hash, signed_head->root_hash);
  AppendEvents(5, "later");
  absl::StatusOr<TreeHead> later = log().GetTreeHead(25);
  ASSERT_THAT(later, IsOk());
  absl::StatusOr<std::vector<Hash256>> proof = log().ConsistencyProof(20, 25);
  ASSERT_THAT(proof, IsOk());
  EXPECT_FALSE(VerifyRfc6962Consistency(20, 25, Bytes(signed_head->root_hash),
                                        Bytes(later->root_hash), Strs(*proof)));
}

TEST_F(EventLogMerkleTest, OpenRefusesALogShorterThanItsTree) {
  AppendEvents(5);
  CloseLog();
  {
    RawDb raw(options_.path);
    raw.Delete("events", internal::EventKey(5));
  }
  EXPECT_THAT(EventLog::Open(options_),
              StatusIs(absl::StatusCode::kDataLoss,
                       AllOf(HasSubstr("Merkle tree holds 5 events"),
                             HasSubstr("log ends at 4"))));
}

}  // namespace
}  // namespace ledger::storage
