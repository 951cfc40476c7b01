// The log's principal index: who caused each event (metadata.actor and
// metadata.on_behalf_of), written with the event and built once at open for
// a log from before it.

#include <cstdint>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "storage/event_log.h"
#include "tests/storage/storage_test_util.h"
#include "tests/testing/raw_db.h"
#include "tests/testing/status_matchers.h"

namespace ledger::storage {
namespace {

using ::ledger::testing::IsOk;
using ::ledger::testing::StatusIs;
using test_util::EventLogFixture;
using test_util::MakeEvent;
using test_util::MakeRequest;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

constexpr PrincipalEntry kFromStart{INT64_MIN, 0};

class PrincipalIndexTest : public EventLogFixture {
 protected:
  // Appends one event by `actor` (on behalf of `on_behalf_of`, if set).
  AppendResult AppendBy(const std::string& actor,
                        const std::string& on_behalf_of = "",
                        const std::string& stream = "s") {
    ProposedEvent event = MakeEvent("Noted", "p", actor);
    event.metadata.on_behalf_of = on_behalf_of;
    std::vector<ProposedEvent> events;
    events.push_back(std::move(event));
    return MustAppend(
        MakeRequest(stream, ExpectedVersion::Any(), std::move(events)));
  }

  std::vector<uint64_t> Positions(PrincipalRole role,
                                  const std::string& principal,
                                  PrincipalEntry after = kFromStart,
                                  int64_t before = INT64_MAX,
                                  size_t limit = 100) {
    absl::StatusOr<std::vector<PrincipalEntry>> entries =
        log().ListByPrincipal(role, principal, after, before, limit);
    EXPECT_THAT(entries, IsOk());
    std::vector<uint64_t> positions;
    if (!entries.ok()) return positions;
    for (const PrincipalEntry& e : *entries) positions.push_back(e.position);
    return positions;
  }
};

TEST_F(PrincipalIndexTest, ListsEachPrincipalsEventsInLogOrder) {
  AppendBy("al");
  AppendBy("alice", "", "t");
  AppendBy("al", "bob");
  AppendBy("svc", "al");
  EXPECT_THAT(Positions(PrincipalRole::kActor, "al"), ElementsAre(1, 3));
  // A name that extends another never falls into the other's range.
  EXPECT_THAT(Positions(PrincipalRole::kActor, "alice"), ElementsAre(2));
  EXPECT_THAT(Positions(PrincipalRole::kActor, "a"), IsEmpty());
  EXPECT_THAT(Positions(PrincipalRole::kOnBehalfOf, "bob"), ElementsAre(3));
  EXPECT_THAT(Positions(PrincipalRole::kOnBehalfOf, "al"), ElementsAre(4));
  EXPECT_THAT(Positions(PrincipalRole::kActor, "bob"), IsEmpty());
  // Exactly as bytes: no case folding, no trimming.
  EXPECT_THAT(Positions(PrincipalRole::kActor, "AL"), IsEmpty());
}

TEST_F(PrincipalIndexTest, TimeBoundsAndCursorsSelectExactlyTheirEntries) {
  std::vector<PrincipalEntry> all;
  for (int i = 0; i < 12; ++i) {
    const AppendResult r = AppendBy(i % 3 == 2 ? "other" : "al");
    if (i % 3 != 2) all.push_back({r.recorded_at_micros, r.last_position});
  }
  ASSERT_EQ(all.size(), 8u);
  // Every (after, before) pair of entry bounds gives exactly the entries
  // strictly after `after` and committed before `before`.
  for (const PrincipalEntry& after : all) {
    for (const PrincipalEntry& bound : all) {
      std::vector<uint64_t> expected;
      for (const PrincipalEntry& e : all) {
        if (after < e && e.recorded_at_micros < bound.recorded_at_micros) {
          expected.push_back(e.position);
        }
      }
      EXPECT_EQ(Positions(PrincipalRole::kActor, "al", after,
                          bound.recorded_at_micros),
                expected)
          << "after position " << after.position << ", before the time of "
          << bound.position;
    }
  }
  // Pages of 3 resumed from the last entry list everything exactly once.
  std::vector<uint64_t> paged;
  PrincipalEntry after = kFromStart;
  for (int page = 0; page < 10; ++page) {
    absl::StatusOr<std::vector<PrincipalEntry>> entries =
        log().ListByPrincipal(PrincipalRole::kActor, "al", after, INT64_MAX, 3);
    ASSERT_THAT(entries, IsOk());
    if (entries->empty()) break;
    EXPECT_LE(entries->size(), 3u);
    for (const PrincipalEntry& e : *entries) paged.push_back(e.position);
    after = entries->back();
  }
  EXPECT_EQ(paged, Positions(PrincipalRole::kActor, "al"));
  EXPECT_EQ(paged.size(), 8u);
}

TEST_F(PrincipalIndexTest, RefusedAndDryRunAppendsLeaveNoEntry) {
  AppendBy("al");
  std::vector<ProposedEvent> events;
  events.push_back(MakeEvent("Noted", "p", "mallory"));
  AppendRequest stale =
      MakeRequest("s", ExpectedVersion::Exact(7), std::move(events));
  EXPECT_THAT(log().Append(stale), StatusIs(absl::StatusCode::kAborted));
  AppendRequest dry = stale;
  dry.expected = ExpectedVersion::Any();
  dry.dry_run = true;
  ASSERT_THAT(log().Append(dry), IsOk());
  EXPECT_THAT(Positions(PrincipalRole::kActor, "mallory"), IsEmpty());
  // The next committed event takes the position the dry run showed.
  dry.dry_run = false;
  ASSERT_THAT(log().Append(dry), IsOk());
  EXPECT_THAT(Positions(PrincipalRole::kActor, "mallory"), ElementsAre(2));
}

TEST_F(PrincipalIndexTest, ALogKeptWithoutTheIndexIsIndexedAtTheNextOpen) {
  AppendBy("al");
  CloseLog();
  options_.principal_index = false;
  OpenLog();
  AppendBy("al", "bob");  // committed while nothing indexes
  EXPECT_THAT(log().ListByPrincipal(PrincipalRole::kActor, "al", kFromStart,
                                    INT64_MAX, 10),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  CloseLog();
  options_.principal_index = true;
  OpenLog();
  EXPECT_THAT(Positions(PrincipalRole::kActor, "al"), ElementsAre(1, 2));
  EXPECT_THAT(Positions(PrincipalRole::kOnBehalfOf, "bob"), ElementsAre(2));
  AppendBy("al");
  ReopenLog();  // built once: a plain reopen neither loses nor repeats
  EXPECT_THAT(Positions(PrincipalRole::kActor, "al"), ElementsAre(1, 2, 3));
}

TEST_F(PrincipalIndexTest, IndexingALogWithAHoleRefusesToOpen) {
  CloseLog();
  options_.principal_index = false;
  OpenLog();
  for (int i = 0; i < 4; ++i) AppendBy("al");
  CloseLog();
  {
    ::ledger::testing::RawDb raw(options_.path);
    std::string key(8, '\0');
    key[7] = 2;  // u64be(2)
    raw.Delete("events", key);
  }
  options_.principal_index = true;
  EXPECT_THAT(EventLog::Open(options_).status(),
              StatusIs(absl::StatusCode::kDataLoss,
                       ::testing::HasSubstr("position 2 is missing")));
}

}  // namespace
}  // namespace ledger::storage
