// Append/read round trips of EventLog over a real RocksDB.

#include "storage/event_log.h"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_join.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "storage/hash_chain.h"
#include "tests/storage/storage_test_util.h"

namespace ledger::storage {
namespace {

using ::ledger::storage::test_util::Describe;
using ::ledger::storage::test_util::EventLogFixture;
using ::ledger::storage::test_util::IsOk;
using ::ledger::storage::test_util::MakeEvent;
using ::ledger::storage::test_util::MakeRequest;
using ::ledger::storage::test_util::OneEvent;
using ::ledger::storage::test_util::Positions;
using ::ledger::storage::test_util::Range;
using ::ledger::storage::test_util::ReadEverything;
using ::ledger::storage::test_util::StatusIs;
using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

std::vector<uint64_t> Versions(const std::vector<EventRecord>& records) {
  std::vector<uint64_t> out;
  for (const EventRecord& r : records) out.push_back(r.version);
  return out;
}

std::vector<std::string> Payloads(const std::vector<EventRecord>& records) {
  std::vector<std::string> out;
  for (const EventRecord& r : records) out.push_back(r.payload);
  return out;
}

class EventLogTest : public EventLogFixture {
 protected:
  // Appends versions 1..n of `stream` with payloads "<stream>-<version>",
  // each preceded by one event of stream "noise".
  void AppendInterleaved(const std::string& stream, int n) {
    for (int v = 1; v <= n; ++v) {
      MustAppend(OneEvent("noise", ExpectedVersion::Any(), "n"));
      MustAppend(OneEvent(stream, ExpectedVersion::Exact(v - 1),
                          absl::StrCat(stream, "-", v)));
    }
  }
};

TEST_F(EventLogTest, NewLogIsEmpty) {
  EXPECT_EQ(log().last_position(), 0u);
  EXPECT_EQ(log().head().hash, Hash256{});
  absl::StatusOr<LogPage> page = log().ReadAll(1, 10, LogFilter(), 100);
  ASSERT_THAT(page, IsOk());
  EXPECT_THAT(page->records, IsEmpty());
  EXPECT_EQ(page->head_position, 0u);
  EXPECT_EQ(page->next_position, 1u);
  LogStats stats = log().stats();
  EXPECT_EQ(stats.commit_groups, 0u);
  EXPECT_EQ(stats.committed_appends, 0u);
  EXPECT_EQ(stats.committed_events, 0u);
}

TEST_F(EventLogTest, SingleEventRoundTripsEveryField) {
  ProposedEvent event =
      MakeEvent("CustomerRegistered", std::string("bin\0ary\xff payload", 16));
  event.metadata.actor = "alice";
  event.metadata.reason = "onboarding";
  event.metadata.correlation_id = "corr-1";
  event.metadata.causation_id = "cause-1";
  event.metadata.service = "crm";
  event.metadata.on_behalf_of = "bob";
  event.metadata.occurred_at_micros = -42;  // before 1970 is allowed
  event.metadata.request_id = "ignored: set by the log";
  event.metadata.recorded_at_micros = 7;  // ignored: set by the log
  std::vector<ProposedEvent> events = {event};
  absl::StatusOr<AppendResult> result = log().Append(MakeRequest(
      "cust-1", ExpectedVersion::NoStream(), std::move(events), "req-1"));
  ASSERT_THAT(result, IsOk());
  EXPECT_EQ(result->first_position, 1u);
  EXPECT_EQ(result->last_position, 1u);
  EXPECT_EQ(result->first_version, 1u);
  EXPECT_EQ(result->last_version, 1u);
  EXPECT_FALSE(result->duplicate);
  EXPECT_GT(result->recorded_at_micros, 1'600'000'000'000'000);

  absl::StatusOr<EventRecord> record = log().ReadAt(1);
  ASSERT_THAT(record, IsOk());
  EXPECT_EQ(record->position, 1u);
  EXPECT_EQ(record->stream, "cust-1");
  EXPECT_EQ(record->version, 1u);
  EXPECT_EQ(record->type, "CustomerRegistered");
  EXPECT_EQ(record->payload, event.payload);
  EXPECT_EQ(record->payload_sha256, Sha256().Digest(event.payload));
  EXPECT_EQ(record->metadata.actor, "alice");
  EXPECT_EQ(record->metadata.reason, "onboarding");
  EXPECT_EQ(record->metadata.request_id, "req-1");
  EXPECT_EQ(record->metadata.correlation_id, "corr-1");
  EXPECT_EQ(record->metadata.causation_id, "cause-1");
  EXPECT_EQ(record->metadata.service, "crm");
  EXPECT_EQ(record->metadata.on_behalf_of, "bob");
  EXPECT_EQ(record->metadata.occurred_at_micros, -42);
  EXPECT_EQ(record->metadata.recorded_at_micros, result->recorded_at_micros);
  EXPECT_EQ(record->prev_hash, Hash256{});
  EXPECT_NE(record->hash, Hash256{});
  EXPECT_EQ(record->hash, log().head().hash);
  EXPECT_EQ(log().last_position(), 1u);
}

TEST_F(EventLogTest, MultiEventAppendsGetGaplessPositionsAndVersions) {
  AppendResult a = MustAppend(MakeRequest(
      "a", ExpectedVersion::Any(),
      {MakeEvent("T", "a1"), MakeEvent("T", "a2"), MakeEvent("T", "a3")}));
  EXPECT_EQ(a.first_position, 1u);
  EXPECT_EQ(a.last_position, 3u);
  EXPECT_EQ(a.first_version, 1u);
  EXPECT_EQ(a.last_version, 3u);
  AppendResult b =
      MustAppend(MakeRequest("b", ExpectedVersion::Any(),
                             {MakeEvent("T", "b1"), MakeEvent("T", "b2")}));
  EXPECT_EQ(b.first_position, 4u);
  EXPECT_EQ(b.last_position, 5u);
  EXPECT_EQ(b.first_version, 1u);
  EXPECT_EQ(b.last_version, 2u);
  AppendResult a4 = MustAppend(OneEvent("a", ExpectedVersion::Any(), "a4"));
  EXPECT_EQ(a4.first_position, 6u);
  EXPECT_EQ(a4.first_version, 4u);
  EXPECT_EQ(a4.last_version, 4u);

  std::vector<EventRecord> all = ReadEverything(log());
  EXPECT_THAT(Positions(all), ElementsAreArray(Range(1, 6)));
  EXPECT_THAT(Versions(all), ElementsAre(1, 2, 3, 1, 2, 4));
  EXPECT_THAT(Payloads(all), ElementsAre("a1", "a2", "a3", "b1", "b2", "a4"));
  // Events of one append share the commit time; every link chains.
  EXPECT_EQ(all[0].metadata.recorded_at_micros,
            all[2].metadata.recorded_at_micros);
  for (size_t i = 1; i < all.size(); ++i) {
    EXPECT_EQ(all[i].prev_hash, all[i - 1].hash) << "position " << i + 1;
  }
  EXPECT_EQ(log().last_position(), 6u);
  EXPECT_EQ(log().head().hash, all.back().hash);
  LogStats stats = log().stats();
  EXPECT_EQ(stats.committed_appends, 3u);
  EXPECT_EQ(stats.committed_events, 6u);
}

TEST_F(EventLogTest, ReadStreamForwardsPagesWithNextVersion) {
  AppendInterleaved("s", 7);
  std::vector<std::string> seen;
  uint64_t from = 0;
  std::vector<uint64_t> next_versions;
  do {
    absl::StatusOr<StreamPage> page = log().ReadStream("s", from, false, 3);
    ASSERT_THAT(page, IsOk());
    EXPECT_EQ(page->stream_version, 7u);
    for (const EventRecord& r : page->records) {
      EXPECT_EQ(r.stream, "s");
      seen.push_back(r.payload);
    }
    next_versions.push_back(page->next_version);
    from = page->next_version;
  } while (from != 0 && next_versions.size() < 10);
  EXPECT_THAT(next_versions, ElementsAre(4, 7, 0));
  EXPECT_THAT(seen,
              ElementsAre("s-1", "s-2", "s-3", "s-4", "s-5", "s-6", "s-7"));
}

TEST_F(EventLogTest, ReadStreamFromVersionStartsThere) {
  AppendInterleaved("s", 7);
  absl::StatusOr<StreamPage> page = log().ReadStream("s", 5, false, 100);
  ASSERT_THAT(page, IsOk());
  EXPECT_THAT(Versions(page->records), ElementsAre(5, 6, 7));
  EXPECT_EQ(page->next_version, 0u);
  // Positions are the global ones: noise events sit in between.
  EXPECT_THAT(Positions(page->records), ElementsAre(10, 12, 14));
}

TEST_F(EventLogTest, ReadStreamBackwardsPagesWithNextVersion) {
  AppendInterleaved("s", 7);
  std::vector<uint64_t> versions;
  std::vector<uint64_t> next_versions;
  uint64_t from = 0;
  do {
    absl::StatusOr<StreamPage> page = log().ReadStream("s", from, true, 3);
    ASSERT_THAT(page, IsOk());
    EXPECT_EQ(page->stream_version, 7u);
    for (const EventRecord& r : page->records) versions.push_back(r.version);
    next_versions.push_back(page->next_version);
    from = page->next_version;
  } while (from != 0 && next_versions.size() < 10);
  EXPECT_THAT(versions, ElementsAre(7, 6, 5, 4, 3, 2, 1));
  EXPECT_THAT(next_versions, ElementsAre(4, 1, 0));

  absl::StatusOr<StreamPage> mid = log().ReadStream("s", 2, true, 10);
  ASSERT_THAT(mid, IsOk());
  EXPECT_THAT(Versions(mid->records), ElementsAre(2, 1));
  EXPECT_EQ(mid->next_version, 0u);
  // Past the head, backwards starts at the head.
  absl::StatusOr<StreamPage> past = log().ReadStream("s", 99, true, 2);
  ASSERT_THAT(past, IsOk());
  EXPECT_THAT(Versions(past->records), ElementsAre(7, 6));
  EXPECT_EQ(past->next_version, 5u);
}

TEST_F(EventLogTest, ReadStreamPastHeadForwardsIsEmpty) {
  AppendInterleaved("s", 3);
  absl::StatusOr<StreamPage> page = log().ReadStream("s", 4, false, 10);
  ASSERT_THAT(page, IsOk());
  EXPECT_THAT(page->records, IsEmpty());
  EXPECT_EQ(page->stream_version, 3u);
  EXPECT_EQ(page->next_version, 0u);
}

TEST_F(EventLogTest, ReadStreamUnknownStreamIsNotFound) {
  MustAppend(OneEvent("known"));
  EXPECT_THAT(log().ReadStream("unknown", 0, false, 10),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("unknown")));
  EXPECT_THAT(log().ReadStream("unknown", 0, true, 10),
              StatusIs(absl::StatusCode::kNotFound));
  // A stream whose id is a prefix of an existing one is a different stream.
  EXPECT_THAT(log().ReadStream("know", 0, false, 10),
              StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(EventLogTest, ReadStreamRecordsEqualReadAllRecords) {
  AppendInterleaved("s", 4);
  std::vector<EventRecord> all = ReadEverything(log());
  absl::StatusOr<StreamPage> page = log().ReadStream("s", 0, false, 100);
  ASSERT_THAT(page, IsOk());
  std::vector<std::string> from_all;
  for (const EventRecord& r : all) {
    if (r.stream == "s") from_all.push_back(Describe(r));
  }
  std::vector<std::string> from_stream;
  for (const EventRecord& r : page->records) from_stream.push_back(Describe(r));
  EXPECT_EQ(from_stream, from_all);
}

TEST_F(EventLogTest, ReadAllPagesWithLimit) {
  for (int i = 1; i <= 10; ++i) {
    MustAppend(OneEvent(absl::StrCat("s", i % 3), ExpectedVersion::Any(),
                        absl::StrCat("p", i)));
  }
  std::vector<uint64_t> positions;
  std::vector<uint64_t> next_positions;
  uint64_t from = 1;
  for (int pages = 0; pages < 3; ++pages) {
    absl::StatusOr<LogPage> page = log().ReadAll(from, 4, LogFilter(), 1000);
    ASSERT_THAT(page, IsOk());
    EXPECT_EQ(page->head_position, 10u);
    for (const EventRecord& r : page->records) positions.push_back(r.position);
    next_positions.push_back(page->next_position);
    from = page->next_position;
  }
  EXPECT_THAT(positions, ElementsAreArray(Range(1, 10)));
  EXPECT_THAT(next_positions, ElementsAre(5, 9, 11));

  absl::StatusOr<LogPage> end = log().ReadAll(11, 4, LogFilter(), 1000);
  ASSERT_THAT(end, IsOk());
  EXPECT_THAT(end->records, IsEmpty());
  EXPECT_EQ(end->next_position, 11u);
  EXPECT_EQ(end->head_position, 10u);
  // from_position 0 means the start.
  absl::StatusOr<LogPage> zero = log().ReadAll(0, 2, LogFilter(), 1000);
  ASSERT_THAT(zero, IsOk());
  EXPECT_THAT(Positions(zero->records), ElementsAre(1, 2));
}

TEST_F(EventLogTest, ReadAllFiltersByTypeAndStream) {
  // position: stream/type
  // 1 a/Opened 2 b/Opened 3 a/Noted 4 c/Closed 5 b/Noted 6 a/Closed
  MustAppend(OneEvent("a", ExpectedVersion::Any(), "1", "Opened"));
  MustAppend(OneEvent("b", ExpectedVersion::Any(), "2", "Opened"));
  MustAppend(OneEvent("a", ExpectedVersion::Any(), "3", "Noted"));
  MustAppend(OneEvent("c", ExpectedVersion::Any(), "4", "Closed"));
  MustAppend(OneEvent("b", ExpectedVersion::Any(), "5", "Noted"));
  MustAppend(OneEvent("a", ExpectedVersion::Any(), "6", "Closed"));

  auto read = [&](LogFilter filter) {
    absl::StatusOr<LogPage> page = log().ReadAll(1, 100, filter, 1000);
    EXPECT_THAT(page, IsOk());
    return page.ok() ? Positions(page->records) : std::vector<uint64_t>();
  };
  LogFilter by_type;
  by_type.types = {"Noted"};
  EXPECT_THAT(read(by_type), ElementsAre(3, 5));
  LogFilter by_types;
  by_types.types = {"Opened", "Closed"};
  EXPECT_THAT(read(by_types), ElementsAre(1, 2, 4, 6));
  LogFilter by_stream;
  by_stream.streams = {"a"};
  EXPECT_THAT(read(by_stream), ElementsAre(1, 3, 6));
  LogFilter by_streams;
  by_streams.streams = {"b", "c"};
  EXPECT_THAT(read(by_streams), ElementsAre(2, 4, 5));
  LogFilter both;  // AND across the lists
  both.types = {"Opened", "Closed"};
  both.streams = {"a"};
  EXPECT_THAT(read(both), ElementsAre(1, 6));
  LogFilter none;
  none.types = {"NoSuchType"};
  EXPECT_THAT(read(none), IsEmpty());
}

TEST_F(EventLogTest, ReadAllLimitCountsMatchesNotScannedRecords) {
  for (int i = 1; i <= 8; ++i) {
    MustAppend(OneEvent("s", ExpectedVersion::Any(), "p",
                        i % 2 == 0 ? "Even" : "Odd"));
  }
  LogFilter even;
  even.types = {"Even"};
  absl::StatusOr<LogPage> page = log().ReadAll(1, 2, even, 1000);
  ASSERT_THAT(page, IsOk());
  EXPECT_THAT(Positions(page->records), ElementsAre(2, 4));
  EXPECT_EQ(page->next_position, 5u);
}

TEST_F(EventLogTest, ReadAllMaxScanReturnsShortPagesThatStillAdvance) {
  for (int i = 1; i <= 8; ++i)
    MustAppend(OneEvent("s", ExpectedVersion::Any()));
  MustAppend(OneEvent("s", ExpectedVersion::Any(), "r9", "Rare"));
  MustAppend(OneEvent("s", ExpectedVersion::Any(), "r10", "Rare"));
  LogFilter rare;
  rare.types = {"Rare"};

  absl::StatusOr<LogPage> page = log().ReadAll(1, 10, rare, 3);
  ASSERT_THAT(page, IsOk());
  EXPECT_THAT(page->records, IsEmpty());
  EXPECT_EQ(page->next_position, 4u);  // examined 1..3 only
  EXPECT_EQ(page->head_position, 10u);

  std::vector<uint64_t> found;
  std::vector<uint64_t> next_positions = {page->next_position};
  uint64_t from = page->next_position;
  while (from <= 10 && next_positions.size() < 20) {
    page = log().ReadAll(from, 10, rare, 3);
    ASSERT_THAT(page, IsOk());
    EXPECT_LE(page->records.size(), 3u);
    for (const EventRecord& r : page->records) found.push_back(r.position);
    ASSERT_GT(page->next_position, from) << "a page must advance";
    from = page->next_position;
    next_positions.push_back(from);
  }
  EXPECT_THAT(found, ElementsAre(9, 10));
  EXPECT_THAT(next_positions, ElementsAre(4, 7, 10, 11));
}

TEST_F(EventLogTest, ReadAllHeadPositionIsLastCommittedPosition) {
  MustAppend(MakeRequest("s", ExpectedVersion::Any(),
                         {MakeEvent("T", "1"), MakeEvent("T", "2")}));
  absl::StatusOr<LogPage> page = log().ReadAll(1, 1, LogFilter(), 10);
  ASSERT_THAT(page, IsOk());
  EXPECT_EQ(page->head_position, 2u);
  EXPECT_EQ(page->next_position, 2u);
  MustAppend(OneEvent("s"));
  page = log().ReadAll(3, 1, LogFilter(), 10);
  ASSERT_THAT(page, IsOk());
  EXPECT_EQ(page->head_position, 3u);
  EXPECT_THAT(Positions(page->records), ElementsAre(3));
}

TEST_F(EventLogTest, ReadAtReturnsRecordAndNotFoundOutsideTheLog) {
  MustAppend(OneEvent("a", ExpectedVersion::Any(), "first"));
  MustAppend(OneEvent("b", ExpectedVersion::Any(), "second"));
  absl::StatusOr<EventRecord> second = log().ReadAt(2);
  ASSERT_THAT(second, IsOk());
  EXPECT_EQ(second->stream, "b");
  EXPECT_EQ(second->payload, "second");
  EXPECT_EQ(second->position, 2u);
  EXPECT_THAT(log().ReadAt(3), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(log().ReadAt(0), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(log().ReadAt(UINT64_MAX), StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(EventLogTest, GetStreamHeadTracksVersionAndLastPosition) {
  absl::StatusOr<std::optional<StreamHead>> head = log().GetStreamHead("a");
  ASSERT_THAT(head, IsOk());
  EXPECT_FALSE(head->has_value());

  MustAppend(MakeRequest("a", ExpectedVersion::Any(),
                         {MakeEvent("T", "1"), MakeEvent("T", "2")}));
  MustAppend(OneEvent("b"));
  head = log().GetStreamHead("a");
  ASSERT_THAT(head, IsOk());
  ASSERT_TRUE(head->has_value());
  EXPECT_EQ((*head)->version, 2u);
  EXPECT_EQ((*head)->last_position, 2u);

  MustAppend(OneEvent("a"));
  head = log().GetStreamHead("a");
  ASSERT_THAT(head, IsOk());
  ASSERT_TRUE(head->has_value());
  EXPECT_EQ((*head)->version, 3u);
  EXPECT_EQ((*head)->last_position, 4u);

  head = log().GetStreamHead("b");
  ASSERT_THAT(head, IsOk());
  ASSERT_TRUE(head->has_value());
  EXPECT_EQ((*head)->version, 1u);
  EXPECT_EQ((*head)->last_position, 3u);
}

// RocksDB starts a new info log at every open: a server restarted often
// must not pile them up (RocksDB's default keeps a thousand).
TEST_F(EventLogTest, RestartsKeepABoundedNumberOfInfoLogs) {
  for (int i = 0; i < 14; ++i) ReopenLog();
  std::vector<std::string> info_logs;
  for (const auto& entry : std::filesystem::directory_iterator(options_.path)) {
    if (absl::StartsWith(entry.path().filename().string(), "LOG")) {
      info_logs.push_back(entry.path().filename().string());
    }
  }
  EXPECT_GE(info_logs.size(), 2u);
  EXPECT_LE(info_logs.size(), 10u) << absl::StrJoin(info_logs, " ");
}

}  // namespace
}  // namespace ledger::storage
