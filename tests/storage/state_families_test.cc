// The inline projector hook and state families of EventLog, exercised with a
// small fake projector (a per-stream counter and a per-stream event list)
// that refuses events of type "Refuse".

#include <algorithm>
#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "rocksdb/convenience.h"
#include "rocksdb/metadata.h"
#include "rocksdb/table.h"
#include "rocksdb/table_properties.h"
#include "rocksdb/utilities/options_util.h"
#include "storage/projector.h"
#include "storage/state_view.h"
#include "tests/storage/storage_test_util.h"
#include "tests/testing/raw_db.h"

namespace ledger::storage {
namespace {

using ::ledger::testing::IsOk;
using ::ledger::testing::StatusIs;
using test_util::AsyncResults;
using test_util::MakeEvent;
using test_util::MakeRequest;
using test_util::WriterGate;

constexpr int kCounts = 0;  // stream -> number of events folded
constexpr int kLists = 1;   // stream \0 position -> type (+ note)

// What a test appender attaches to an event (ProposedEvent::decoded).
class Note final : public DecodedPayload {
 public:
  explicit Note(std::string text) : text_(std::move(text)) {}
  const std::string& text() const { return text_; }

 private:
  const std::string text_;
};

class CountingProjector final : public Projector {
 public:
  absl::Status Apply(const EventRecord& record, StateWriter& state) override {
    return Fold(record, record.type, state);
  }
  // Lists "<type>+<note>" for an event that came with a Note.
  absl::Status ApplyDecoded(const EventRecord& record,
                            const DecodedPayload& decoded,
                            StateWriter& state) override {
    const auto* note = dynamic_cast<const Note*>(&decoded);
    if (note == nullptr) return absl::InternalError("not a Note");
    return Fold(record, absl::StrCat(record.type, "+", note->text()), state);
  }

 private:
  absl::Status Fold(const EventRecord& record, const std::string& listed,
                    StateWriter& state) {
    if (record.type == "Refuse") {
      return absl::FailedPreconditionError(
          absl::StrCat("refused at position ", record.position));
    }
    std::string value;
    int count = 0;
    absl::Status s = state.Get(kCounts, record.stream, &value);
    if (s.ok()) {
      count = std::stoi(value);
    } else if (!absl::IsNotFound(s)) {
      return s;
    }
    state.Put(kCounts, record.stream, std::to_string(count + 1));
    state.Put(
        kLists,
        absl::StrCat(record.stream, std::string(1, '\0'), record.position),
        listed);
    if (record.type == "Reset") state.Delete(kCounts, record.stream);
    return absl::OkStatus();
  }
};

// The column families and options RocksDB persisted at the last open of
// the database at `path` (its OPTIONS file).
void LoadPersistedFamilies(
    const std::string& path,
    std::vector<rocksdb::ColumnFamilyDescriptor>* descriptors) {
  rocksdb::DBOptions db_options;
  rocksdb::ConfigOptions config;
  ASSERT_TRUE(
      rocksdb::LoadLatestOptions(config, path, &db_options, descriptors).ok());
}

class StateFamiliesTest : public test_util::EventLogFixture {
 protected:
  StateFamiliesTest() {
    options_.state_families = {{"counts", StateAccess::kLookups},
                               {"lists", StateAccess::kScansOnly}};
    options_.projector = &projector_;
  }

  // Count stored for `stream` in a fresh view; -1 when absent.
  int Count(const std::string& stream) {
    std::string value;
    absl::Status s = log().GetStateView()->Get(kCounts, stream, &value);
    if (absl::IsNotFound(s)) return -1;
    EXPECT_THAT(s, IsOk());
    return std::stoi(value);
  }

  // Every (key, value) of family `family`, in key order.
  std::vector<std::pair<std::string, std::string>> Dump(int family) {
    std::vector<std::pair<std::string, std::string>> out;
    auto it = log().GetStateView()->NewIterator(family);
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      out.emplace_back(std::string(it->key()), std::string(it->value()));
    }
    EXPECT_THAT(it->status(), IsOk());
    return out;
  }

  // Appends `events` single "T" events round-robin over the streams s0,
  // s1, … s<streams - 1>.
  void AppendRoundRobin(int events, int streams) {
    for (int i = 0; i < events; ++i) {
      ASSERT_THAT(log().Append(MakeRequest(absl::StrCat("s", i % streams),
                                           ExpectedVersion::Any(),
                                           {MakeEvent("T", "x")})),
                  IsOk());
    }
  }

  CountingProjector projector_;
};

TEST_F(StateFamiliesTest, ProjectorSeesEveryCommittedEventInline) {
  ASSERT_THAT(
      log().Append(MakeRequest("a", ExpectedVersion::Any(),
                               {MakeEvent("T", "1"), MakeEvent("T", "2")})),
      IsOk());
  ASSERT_THAT(log().Append(MakeRequest("b", ExpectedVersion::Any(),
                                       {MakeEvent("T", "3")})),
              IsOk());
  EXPECT_EQ(Count("a"), 2);
  EXPECT_EQ(Count("b"), 1);
  EXPECT_EQ(log().GetStateView()->position(), 3u);
  EXPECT_EQ(Dump(kLists).size(), 3u);
}

TEST_F(StateFamiliesTest, DecodedPayloadReachesTheInlineFoldOnly) {
  ProposedEvent noted = MakeEvent("T", "1");
  noted.decoded = std::make_shared<const Note>("plain");
  ASSERT_THAT(
      log().Append(MakeRequest("a", ExpectedVersion::Any(),
                               {std::move(noted), MakeEvent("T", "2")})),
      IsOk());
  const std::string a = absl::StrCat("a", std::string(1, '\0'));
  EXPECT_THAT(Dump(kLists),
              ::testing::ElementsAre(::testing::Pair(a + "1", "T+plain"),
                                     ::testing::Pair(a + "2", "T")));
  // The log stores the bytes, not the appender's object: a rebuild folds
  // every event from its record.
  CountingProjector fresh;
  ASSERT_THAT(log().RebuildState(fresh, "v-rebuilt"), IsOk());
  EXPECT_THAT(Dump(kLists),
              ::testing::ElementsAre(::testing::Pair(a + "1", "T"),
                                     ::testing::Pair(a + "2", "T")));
  EXPECT_EQ(Count("a"), 2);
}

TEST_F(StateFamiliesTest, RefusedAppendLeavesNoTraceInLogOrState) {
  ASSERT_THAT(log().Append(MakeRequest("a", ExpectedVersion::Any(),
                                       {MakeEvent("T", "1")})),
              IsOk());
  absl::StatusOr<AppendResult> refused = log().Append(MakeRequest(
      "a", ExpectedVersion::Any(),
      {MakeEvent("T", "2"), MakeEvent("Refuse", "3"), MakeEvent("T", "4")}));
  EXPECT_THAT(refused, StatusIs(absl::StatusCode::kFailedPrecondition,
                                ::testing::HasSubstr("refused")));
  EXPECT_EQ(log().last_position(), 1u);
  EXPECT_EQ(Count("a"), 1);
  EXPECT_EQ(Dump(kLists).size(), 1u);
  // The chain continues from the last accepted event.
  ASSERT_THAT(log().Append(MakeRequest("a", ExpectedVersion::Exact(1),
                                       {MakeEvent("T", "5")})),
              IsOk());
  EXPECT_EQ(Count("a"), 2);
  EXPECT_THAT(log().VerifyChain(1, 0), IsOk());
}

TEST_F(StateFamiliesTest, DryRunChecksEverythingAndWritesNothing) {
  ASSERT_THAT(log().Append(MakeRequest("a", ExpectedVersion::Any(),
                                       {MakeEvent("T", "1")})),
              IsOk());
  AppendRequest dry = MakeRequest("a", ExpectedVersion::Exact(1),
                                  {MakeEvent("T", "2"), MakeEvent("T", "3")});
  dry.request_id = "dry-1";
  dry.dry_run = true;
  absl::StatusOr<AppendResult> would = log().Append(dry);
  ASSERT_THAT(would, IsOk());
  EXPECT_EQ(would->first_position, 2u);
  EXPECT_EQ(would->last_position, 3u);
  EXPECT_EQ(would->last_version, 3u);
  EXPECT_FALSE(would->duplicate);
  EXPECT_EQ(log().last_position(), 1u);
  EXPECT_EQ(Count("a"), 1);
  EXPECT_EQ(Dump(kLists).size(), 1u);

  // The same checks as a real append: the projector, the expected version.
  AppendRequest refused =
      MakeRequest("a", ExpectedVersion::Any(), {MakeEvent("Refuse", "x")});
  refused.dry_run = true;
  EXPECT_THAT(log().Append(refused),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  AppendRequest stale =
      MakeRequest("a", ExpectedVersion::Exact(5), {MakeEvent("T", "y")});
  stale.dry_run = true;
  EXPECT_THAT(log().Append(stale), StatusIs(absl::StatusCode::kAborted));

  // The request_id was not used up: the real append takes it.
  dry.dry_run = false;
  absl::StatusOr<AppendResult> real = log().Append(dry);
  ASSERT_THAT(real, IsOk());
  EXPECT_FALSE(real->duplicate);
  EXPECT_EQ(real->last_position, 3u);
  EXPECT_EQ(Count("a"), 3);
  EXPECT_THAT(log().VerifyChain(1, 0), IsOk());
}

// Several appends to one stream in ONE commit group: each sees the state the
// earlier ones left, and a refused one in the middle is undone alone.
TEST_F(StateFamiliesTest, GroupMembersSeeEarlierWritesAndRefusalIsUndoneAlone) {
  WriterGate gate(log());
  gate.Arm();
  ASSERT_THAT(log().Append(MakeRequest("trigger", ExpectedVersion::Any(),
                                       {MakeEvent("T", "t")})),
              IsOk());
  ASSERT_TRUE(gate.WaitUntilParked());
  constexpr int kQueued = 9;
  AsyncResults results(kQueued);
  for (int i = 0; i < kQueued; ++i) {
    std::vector<ProposedEvent> events = {MakeEvent("T", "x")};
    if (i == 4) events.push_back(MakeEvent("Refuse", "r"));
    if (i == 2) events.push_back(MakeEvent("Reset", "z"));
    log().AppendAsync(
        MakeRequest("s", ExpectedVersion::Any(), std::move(events)),
        results.Callback(i));
  }
  gate.Release();
  ASSERT_TRUE(results.WaitAll());
  const auto all = results.results();
  for (int i = 0; i < kQueued; ++i) {
    if (i == 4) {
      EXPECT_THAT(all[i], StatusIs(absl::StatusCode::kFailedPrecondition));
    } else {
      EXPECT_THAT(all[i], IsOk()) << i;
    }
  }
  // Append 2 ends with a Reset that deletes the count; 3 counts from zero;
  // 4 is refused (its count update undone); 5-8 count on: 5.
  EXPECT_EQ(Count("s"), 5);
  EXPECT_EQ(log().last_position(), 1u + (kQueued - 1) + 1);
  EXPECT_EQ(Dump(kLists).size(), log().last_position());
  EXPECT_EQ(log().GetStateView()->position(), log().last_position());
}

TEST_F(StateFamiliesTest, AppendCheckSeesItsGroupAndItsRefusalWritesNothing) {
  WriterGate gate(log());
  gate.Arm();
  ASSERT_THAT(log().Append(MakeRequest("trigger", ExpectedVersion::Any(),
                                       {MakeEvent("T", "t")})),
              IsOk());
  ASSERT_TRUE(gate.WaitUntilParked());
  // Checks that stream "s" has no events yet, as the writer stages them.
  auto s_is_empty = [](StateWriter& state) -> absl::Status {
    std::string value;
    absl::Status read = state.Get(kCounts, "s", &value);
    if (absl::IsNotFound(read)) return absl::OkStatus();
    if (!read.ok()) return read;
    return absl::FailedPreconditionError(
        absl::StrCat("s already holds ", value, " events"));
  };
  AsyncResults results(3);
  AppendRequest before =
      MakeRequest("a", ExpectedVersion::Any(), {MakeEvent("T", "1")});
  before.check = s_is_empty;
  log().AppendAsync(std::move(before), results.Callback(0));
  log().AppendAsync(
      MakeRequest("s", ExpectedVersion::Any(), {MakeEvent("T", "2")}),
      results.Callback(1));
  // Queued behind the append to "s" in the same group: it sees that write,
  // although nothing was committed when it was queued.
  AppendRequest after =
      MakeRequest("b", ExpectedVersion::Any(), {MakeEvent("T", "3")});
  after.check = s_is_empty;
  log().AppendAsync(std::move(after), results.Callback(2));
  gate.Release();
  ASSERT_TRUE(results.WaitAll());
  const auto all = results.results();
  EXPECT_THAT(all[0], IsOk());
  EXPECT_THAT(all[1], IsOk());
  EXPECT_THAT(all[2], StatusIs(absl::StatusCode::kFailedPrecondition,
                               ::testing::HasSubstr("s already holds 1")));
  EXPECT_EQ(log().last_position(), 3u);
  EXPECT_EQ(Count("b"), -1);
  EXPECT_THAT(log().VerifyChain(1, 0), IsOk());
}

TEST_F(StateFamiliesTest, RebuildReproducesInlineStateAndRecordsVersion) {
  for (int i = 0; i < 50; ++i) {
    std::vector<ProposedEvent> events = {MakeEvent("T", "x")};
    if (i % 10 == 9) events.push_back(MakeEvent("Reset", "z"));
    ASSERT_THAT(
        log().Append(MakeRequest(absl::StrCat("s", i % 7),
                                 ExpectedVersion::Any(), std::move(events))),
        IsOk());
  }
  const auto counts = Dump(kCounts);
  const auto lists = Dump(kLists);
  absl::StatusOr<std::string> unbuilt = log().StoredStateVersion();
  ASSERT_THAT(unbuilt, IsOk());
  EXPECT_EQ(*unbuilt, "");
  CountingProjector fresh;
  std::vector<uint64_t> progress;
  ASSERT_THAT(log().RebuildState(fresh, "v2",
                                 [&](uint64_t position, uint64_t) {
                                   progress.push_back(position);
                                 }),
              IsOk());
  EXPECT_EQ(Dump(kCounts), counts);
  EXPECT_EQ(Dump(kLists), lists);
  ASSERT_FALSE(progress.empty());
  EXPECT_EQ(progress.back(), log().last_position());
  absl::StatusOr<std::string> version = log().StoredStateVersion();
  ASSERT_THAT(version, IsOk());
  EXPECT_EQ(*version, "v2");
  ReopenLog();
  EXPECT_EQ(Dump(kCounts), counts);
  EXPECT_EQ(log().GetStateView()->position(), log().last_position());
}

// Records the positions it is asked to prefetch (from the log's reading
// thread) and checks, as each event is folded, that the first event of
// every run of one stream was prefetched before.
class PrefetchRecordingProjector final : public Projector {
 public:
  absl::Status Apply(const EventRecord& record, StateWriter& state) override {
    if (record.stream != last_folded_stream_) {
      absl::MutexLock lock(&mu_);
      if (std::find(prefetched_.begin(), prefetched_.end(), record.position) ==
          prefetched_.end()) {
        return absl::InternalError(
            absl::StrCat("position ", record.position, " was not prefetched"));
      }
    }
    last_folded_stream_ = record.stream;
    return inner_.Apply(record, state);
  }
  void Prefetch(const EventRecord& record) const override {
    absl::MutexLock lock(&mu_);
    prefetched_.push_back(record.position);
  }
  std::vector<uint64_t> prefetched() const {
    absl::MutexLock lock(&mu_);
    return prefetched_;
  }

 private:
  CountingProjector inner_;
  std::string last_folded_stream_;
  mutable absl::Mutex mu_;
  mutable std::vector<uint64_t> prefetched_ ABSL_GUARDED_BY(mu_);
};

TEST_F(StateFamiliesTest, RebuildPrefetchesTheFirstEventOfEachRunOfAStream) {
  for (const char* stream : {"a", "a", "b", "b", "b", "a", "c"}) {
    ASSERT_THAT(log().Append(MakeRequest(stream, ExpectedVersion::Any(),
                                         {MakeEvent("T", "x")})),
                IsOk());
  }
  const auto counts = Dump(kCounts);
  PrefetchRecordingProjector fresh;
  ASSERT_THAT(log().RebuildState(fresh, "v2", nullptr), IsOk());
  EXPECT_THAT(fresh.prefetched(), ::testing::ElementsAre(1, 3, 6, 7));
  EXPECT_EQ(Dump(kCounts), counts);
}

// Tiny chunks: the fold reads keys back from the chunk being written and
// from ingested files, and deletes keys that earlier chunks wrote.
TEST_F(StateFamiliesTest, RebuildInManySmallChunksMatchesInlineState) {
  for (int i = 0; i < 400; ++i) {
    std::vector<ProposedEvent> events = {MakeEvent("T", "x")};
    if (i % 13 == 12) events.push_back(MakeEvent("Reset", "z"));
    ASSERT_THAT(
        log().Append(MakeRequest(absl::StrCat("s", i / 5 % 11),
                                 ExpectedVersion::Any(), std::move(events))),
        IsOk());
  }
  const auto counts = Dump(kCounts);
  const auto lists = Dump(kLists);
  options_.rebuild_chunk_keys = 3;
  ReopenLog();
  CountingProjector fresh;
  ASSERT_THAT(log().RebuildState(fresh, "v-chunks"), IsOk());
  EXPECT_EQ(Dump(kCounts), counts);
  EXPECT_EQ(Dump(kLists), lists);
  EXPECT_EQ(log().GetStateView()->position(), log().last_position());
  ReopenLog();
  EXPECT_EQ(Dump(kCounts), counts);
  EXPECT_EQ(Dump(kLists), lists);
}

// A rebuild leaves no compaction behind: every table the fold never read
// back ("lists") is one sorted run in the last level, merged once at the
// end rather than rewritten as each chunk arrived, and the tables serve
// with compaction back on.
TEST_F(StateFamiliesTest, RebuildMergesUnreadTablesOnceIntoTheLastLevel) {
  ASSERT_NO_FATAL_FAILURE(AppendRoundRobin(300, 17));
  const auto lists = Dump(kLists);
  options_.rebuild_chunk_keys = 20;  // ~30 chunks, each a file per table
  ReopenLog();
  CountingProjector fresh;
  ASSERT_THAT(log().RebuildState(fresh, "v-merged"), IsOk());
  EXPECT_EQ(Dump(kLists), lists);
  CloseLog();

  const std::string family = "state.lists@2";
  {
    ledger::testing::RawDb raw(options_.path);
    rocksdb::ColumnFamilyMetaData meta;
    raw.db()->GetColumnFamilyMetaData(raw.cf(family), &meta);
    size_t files = 0;
    for (const rocksdb::LevelMetaData& level : meta.levels) {
      files += level.files.size();
      if (level.level + 1 < static_cast<int>(meta.levels.size())) {
        EXPECT_TRUE(level.files.empty())
            << level.files.size() << " files in level " << level.level;
      }
    }
    EXPECT_GE(files, 1u);
  }
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  ASSERT_NO_FATAL_FAILURE(LoadPersistedFamilies(options_.path, &descriptors));
  bool seen = false;
  for (const rocksdb::ColumnFamilyDescriptor& d : descriptors) {
    if (d.name != family && d.name != "state.counts@2") continue;
    seen = true;
    EXPECT_FALSE(d.options.disable_auto_compactions) << d.name;
  }
  EXPECT_TRUE(seen);
  OpenLog();
  EXPECT_EQ(Dump(kLists), lists);
}

TEST_F(StateFamiliesTest, ScansOnlyFamiliesAreBuiltWithoutFilters) {
  ASSERT_NO_FATAL_FAILURE(AppendRoundRobin(200, 7));
  options_.rebuild_chunk_keys = 50;  // several ingested files per table
  ReopenLog();
  CountingProjector fresh;
  ASSERT_THAT(log().RebuildState(fresh, "v-filters"), IsOk());
  CloseLog();
  const std::pair<std::string, bool> families[] = {{"state.counts@2", true},
                                                   {"state.lists@2", false}};
  {
    ledger::testing::RawDb raw(options_.path);
    for (const auto& [family, filtered] : families) {
      rocksdb::TablePropertiesCollection tables;
      ASSERT_TRUE(
          raw.db()->GetPropertiesOfAllTables(raw.cf(family), &tables).ok());
      ASSERT_FALSE(tables.empty()) << family;
      for (const auto& [file, properties] : tables) {
        EXPECT_EQ(properties->filter_size > 0, filtered) << family << file;
      }
    }
  }
  // Reopened, each family keeps its build for what it flushes and merges
  // from now on (the options RocksDB persisted at the open).
  OpenLog();
  CloseLog();
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  ASSERT_NO_FATAL_FAILURE(LoadPersistedFamilies(options_.path, &descriptors));
  int seen = 0;
  for (const rocksdb::ColumnFamilyDescriptor& d : descriptors) {
    for (const auto& [family, filtered] : families) {
      if (d.name != family) continue;
      ++seen;
      const auto* table = d.options.table_factory
                              ->GetOptions<rocksdb::BlockBasedTableOptions>();
      ASSERT_NE(table, nullptr) << family;
      EXPECT_EQ(table->filter_policy != nullptr, filtered) << family;
    }
  }
  EXPECT_EQ(seen, 2);
}

// Stands for a shutdown or an operator's cancel arriving mid-rebuild.
class CancellingProjector final : public Projector {
 public:
  CancellingProjector(std::atomic<bool>* cancel, uint64_t at)
      : cancel_(cancel), at_(at) {}
  absl::Status Apply(const EventRecord& record, StateWriter& state) override {
    if (record.position == at_) cancel_->store(true);
    return inner_.Apply(record, state);
  }

 private:
  std::atomic<bool>* const cancel_;
  const uint64_t at_;
  CountingProjector inner_;
};

TEST_F(StateFamiliesTest, CancelledRebuildKeepsTheOldStateInForce) {
  ASSERT_NO_FATAL_FAILURE(AppendRoundRobin(300, 9));
  CountingProjector first;
  ASSERT_THAT(log().RebuildState(first, "v1"), IsOk());
  const auto counts = Dump(kCounts);
  std::atomic<bool> cancel{false};
  CancellingProjector cancelling(&cancel, 120);
  EXPECT_THAT(log().RebuildState(cancelling, "v2", nullptr, &cancel),
              StatusIs(absl::StatusCode::kCancelled,
                       ::testing::HasSubstr("position 121 of 300")));
  absl::StatusOr<std::string> version = log().StoredStateVersion();
  ASSERT_THAT(version, IsOk());
  EXPECT_EQ(*version, "v1");
  EXPECT_EQ(Dump(kCounts), counts);
  // The log goes on, and the half-built generation is gone: a new rebuild
  // starts at once.
  ASSERT_THAT(log().Append(MakeRequest("s0", ExpectedVersion::Any(),
                                       {MakeEvent("T", "y")})),
              IsOk());
  EXPECT_EQ(Count("s0"), std::stoi(counts.front().second) + 1);
  CountingProjector again;
  ASSERT_THAT(log().RebuildState(again, "v2"), IsOk());
  EXPECT_EQ(Count("s0"), std::stoi(counts.front().second) + 1);
  ReopenLog();
  EXPECT_EQ(Count("s0"), std::stoi(counts.front().second) + 1);
}

TEST_F(StateFamiliesTest, GetStateValueReadsValueAndPositionTogether) {
  ASSERT_THAT(
      log().Append(MakeRequest("a", ExpectedVersion::Any(),
                               {MakeEvent("T", "1"), MakeEvent("T", "2")})),
      IsOk());
  std::string value;
  uint64_t position = 99;
  ASSERT_THAT(log().GetStateValue(kCounts, "a", &value, &position), IsOk());
  EXPECT_EQ(value, "2");
  EXPECT_EQ(position, 2u);
  ASSERT_THAT(log().Append(MakeRequest("b", ExpectedVersion::Any(),
                                       {MakeEvent("T", "3")})),
              IsOk());
  EXPECT_THAT(log().GetStateValue(kCounts, "missing", &value, &position),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_EQ(position, 3u);
}

TEST_F(StateFamiliesTest, StateViewIsASnapshot) {
  ASSERT_THAT(log().Append(MakeRequest("a", ExpectedVersion::Any(),
                                       {MakeEvent("T", "1")})),
              IsOk());
  std::unique_ptr<StateView> before = log().GetStateView();
  ASSERT_THAT(log().Append(MakeRequest("a", ExpectedVersion::Any(),
                                       {MakeEvent("T", "2")})),
              IsOk());
  std::string value;
  ASSERT_THAT(before->Get(kCounts, "a", &value), IsOk());
  EXPECT_EQ(value, "1");
  EXPECT_EQ(before->position(), 1u);
  EXPECT_EQ(Count("a"), 2);
}

TEST_F(StateFamiliesTest, RebuildOfALogWithAHoleIsDataLossAndKeepsTheState) {
  for (int i = 0; i < 6; ++i) {
    std::vector<ProposedEvent> events;
    events.push_back(MakeEvent("Noted", "p"));
    ASSERT_THAT(
        log().Append(MakeRequest(absl::StrCat("s", i % 2),
                                 ExpectedVersion::Any(), std::move(events))),
        IsOk());
  }
  CloseLog();
  {
    ::ledger::testing::RawDb raw(options_.path);
    std::string key(8, '\0');
    key[7] = 3;  // u64be(3)
    raw.Delete("events", key);
  }
  ASSERT_NO_FATAL_FAILURE(OpenLog());
  CountingProjector fresh;
  EXPECT_THAT(log().RebuildState(fresh, "v-hole"),
              StatusIs(absl::StatusCode::kDataLoss,
                       ::testing::HasSubstr(
                           "position 3 is missing from the log (found 4)")));
  // The state in force is the one folded inline, untouched.
  EXPECT_EQ(Count("s0"), 3);
  EXPECT_EQ(Count("s1"), 3);
}

}  // namespace
}  // namespace ledger::storage

namespace ledger::storage {
namespace {

// A rebuild while appends continue: the switch-over folds what arrived
// meanwhile, readers keep a consistent view, and nothing is lost.
TEST_F(StateFamiliesTest, RebuildWhileAppendingLosesNothing) {
  ASSERT_NO_FATAL_FAILURE(AppendRoundRobin(3000, 13));
  std::unique_ptr<StateView> old_view = log().GetStateView();
  std::atomic<bool> stop{false};
  std::atomic<int> appended{0};
  std::thread writer([&] {
    while (!stop.load()) {
      absl::StatusOr<AppendResult> r = log().Append(
          MakeRequest(absl::StrCat("s", appended.load() % 13),
                      ExpectedVersion::Any(), {MakeEvent("T", "y")}));
      if (!r.ok()) {
        ADD_FAILURE() << r.status();
        return;
      }
      ++appended;
    }
  });
  CountingProjector fresh;
  absl::Status rebuilt = log().RebuildState(fresh, "v-online");
  stop = true;
  writer.join();
  ASSERT_THAT(rebuilt, IsOk());
  EXPECT_GT(appended.load(), 0);
  // Inline appends after the switch went to the new generation too.
  ASSERT_THAT(log().Append(MakeRequest("s0", ExpectedVersion::Any(),
                                       {MakeEvent("T", "z")})),
              IsOk());
  int total = 0;
  for (const auto& [stream, count] : Dump(kCounts)) total += std::stoi(count);
  EXPECT_EQ(static_cast<uint64_t>(total), log().last_position());
  EXPECT_EQ(Dump(kLists).size(), log().last_position());
  EXPECT_EQ(log().GetStateView()->position(), log().last_position());
  // The view taken before still reads the old generation, unchanged.
  std::string value;
  ASSERT_THAT(old_view->Get(kCounts, "s0", &value), IsOk());
  EXPECT_EQ(std::stoi(value), 3000 / 13 + 1);
  old_view.reset();
  ReopenLog();
  EXPECT_EQ(Dump(kLists).size(), log().last_position());
  absl::StatusOr<std::string> version = log().StoredStateVersion();
  ASSERT_THAT(version, IsOk());
  EXPECT_EQ(*version, "v-online");
}

}  // namespace
}  // namespace ledger::storage

namespace ledger::storage {
namespace {

// A log opened without its state families (as --verify-chain does) must not
// touch them.
TEST_F(StateFamiliesTest, OpeningWithoutStateFamiliesLeavesThemAlone) {
  ASSERT_THAT(log().Append(MakeRequest("a", ExpectedVersion::Any(),
                                       {MakeEvent("T", "1")})),
              IsOk());
  CountingProjector fresh;
  ASSERT_THAT(log().RebuildState(fresh, "v1"), IsOk());
  CloseLog();
  options_.state_families.clear();
  options_.projector = nullptr;
  OpenLog();
  EXPECT_THAT(log().VerifyChain(1, 0), IsOk());
  CloseLog();
  options_.state_families = {{"counts", StateAccess::kLookups},
                             {"lists", StateAccess::kScansOnly}};
  options_.projector = &projector_;
  OpenLog();
  EXPECT_EQ(Count("a"), 1);
  absl::StatusOr<std::string> version = log().StoredStateVersion();
  ASSERT_THAT(version, IsOk());
  EXPECT_EQ(*version, "v1");
}

}  // namespace
}  // namespace ledger::storage
