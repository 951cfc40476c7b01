// Property test of the customer projections: random valid event sequences
// appended through a real EventLog (RocksDB in a temp dir), some from several
// threads at once, must leave the inline state families exactly equal to a
// pure in-memory fold of the log, to a full rebuild, and to both after a
// reopen. Personal fields are sealed in the log as the services seal them,
// and about half of the events carry their plaintext for the inline fold
// (PlainPayload), which must fold to what decoding and opening gives. Set
// LEDGER_PROPERTY_SEED to replay a failing seed.

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <iterator>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/blocking_counter.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "google/protobuf/util/time_util.h"
#include "gtest/gtest.h"
#include "ledger/v1/customer.pb.h"
#include "ledger/v1/events.pb.h"
#include "ledger/v1/ledger.pb.h"
#include "projections/customer_fold.h"
#include "projections/customer_keys.h"
#include "projections/customer_projector.h"
#include "projections/customer_records.h"
#include "projections/event_codec.h"
#include "projections/greetings.h"
#include "projections/payload_opener.h"
#include "projections/payload_sealing.h"
#include "projections/plain_payload.h"
#include "projections/report_keys.h"
#include "services/internal/customer_queries.h"
#include "storage/event_log.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace ledger::projections {
namespace {

namespace v1 = ::ledger::v1;
using google::protobuf::util::MessageDifferencer;
using google::protobuf::util::TimeUtil;
using ::ledger::testing::IsOk;

constexpr int kCustomers = 200;
constexpr int kSequentialAppends = 900;
constexpr int kThreads = 4;
constexpr int kBurstsPerThread = 25;
constexpr int kBurstSize = 8;
constexpr int kHotCustomers = 12;
constexpr int64_t kBaseMicros = 1700000000LL * 1000000;  // 2023-11-14
constexpr int64_t kDayMicros = 86400LL * 1000000;

std::string CustomerId(int i) { return absl::StrCat("c-", 1000 + i); }

template <typename T>
const T& Pick(std::mt19937& rng, const std::vector<T>& v) {
  return v[std::uniform_int_distribution<size_t>(0, v.size() - 1)(rng)];
}

bool Coin(std::mt19937& rng, double p) {
  return std::bernoulli_distribution(p)(rng);
}

const std::vector<std::string> kNames = {
    "Acme",     "acme Steel", "ACME steel", "北京钢铁", "北京银行",
    "上海电气", "Zeta",       "zeta labs",  "",         "Beta & Co"};
const std::vector<std::string> kIndustries = {"", "steel", "bank", "retail"};
const std::vector<std::string> kRegions = {"", "north", "south", "east"};
const std::vector<std::string> kOwners = {"", "u-1", "u-2", "u-3", "u-4"};
const std::vector<std::string> kTags = {"vip", "gov", "export", "risk", "a"};
const std::vector<std::string> kMaskPaths = {
    "name",   "short_name", "phones",  "emails",       "industry",
    "region", "notes",      "address", "address.city", "website"};

void RandomProfileFields(std::mt19937& rng, v1::ProfileFields* f) {
  f->set_name(Pick(rng, kNames));
  if (f->name().empty()) f->set_name("Anon");
  if (Coin(rng, 0.5)) f->set_short_name(Pick(rng, kNames));
  if (Coin(rng, 0.5)) f->add_phones(absl::StrCat("+86 ", rng() % 1000));
  if (Coin(rng, 0.3)) f->add_emails(absl::StrCat(rng() % 100, "@x.cn"));
  f->set_industry(Pick(rng, kIndustries));
  f->set_region(Pick(rng, kRegions));
  if (Coin(rng, 0.5)) f->mutable_address()->set_city(Pick(rng, kRegions));
  if (Coin(rng, 0.5)) f->mutable_address()->set_province("P");
  if (Coin(rng, 0.3)) f->set_notes("note");
}

v1::EventPayload RandomRegistration(std::mt19937& rng) {
  v1::EventPayload p;
  auto* r = p.mutable_customer_registered();
  r->set_kind(Coin(rng, 0.5) ? v1::CUSTOMER_KIND_INDIVIDUAL
                             : v1::CUSTOMER_KIND_ORGANIZATION);
  RandomProfileFields(rng, r->mutable_profile());
  r->set_owner_id(Pick(rng, kOwners));
  return p;
}

// A random non-registration event; CustomerArchived only if `allow_archive`.
v1::EventPayload RandomFollowing(std::mt19937& rng, bool allow_archive) {
  v1::EventPayload p;
  const int kind = static_cast<int>(rng() % 100);
  if (allow_archive && kind < 2) {
    p.mutable_customer_archived();
  } else if (kind < 25) {
    auto* u = p.mutable_profile_updated();
    RandomProfileFields(rng, u->mutable_profile());
    // Masked empty fields (industry "", no phones...) clear; the name stays
    // non-empty as the service requires.
    const int paths = 1 + static_cast<int>(rng() % 3);
    std::set<std::string> chosen;
    for (int i = 0; i < paths; ++i) chosen.insert(Pick(rng, kMaskPaths));
    for (const std::string& path : chosen)
      u->mutable_update_mask()->add_paths(path);
  } else if (kind < 65) {
    auto* c = p.mutable_contact_logged();
    c->set_channel(static_cast<v1::ContactChannel>(1 + rng() % 8));
    if (Coin(rng, 0.7)) {
      v1::ContactParticipant* person = c->add_participants();
      person->set_name(absl::StrCat("person ", rng() % 10));
      person->set_role(static_cast<v1::ContactRole>(rng() % 8));
    }
    c->set_content(absl::StrCat("talk ", rng() % 1000));
    if (Coin(rng, 0.5)) {
      c->mutable_next_follow_up()->set_year(2023 + static_cast<int>(rng() % 3));
      c->mutable_next_follow_up()->set_month(1 + static_cast<int>(rng() % 12));
      c->mutable_next_follow_up()->set_day(1 + static_cast<int>(rng() % 28));
    }
  } else if (kind < 85) {
    auto* c = p.mutable_customer_classified();
    c->set_grade(static_cast<v1::Grade>(rng() % 6));
    c->set_value_tier(static_cast<v1::ValueTier>(rng() % 5));
    c->set_lifecycle_stage(static_cast<v1::LifecycleStage>(rng() % 6));
    if (c->lifecycle_stage() == v1::LIFECYCLE_STAGE_CHURNED) {
      c->set_churn_reason(Coin(rng, 0.5) ? "price" : "moved away");
    }
    c->set_nature(static_cast<v1::CustomerNature>(rng() % 7));
    for (int i = static_cast<int>(rng() % 3); i > 0; --i) {
      c->add_tags_added(Pick(rng, kTags));
    }
    for (int i = static_cast<int>(rng() % 2); i > 0; --i) {
      c->add_tags_removed(Pick(rng, kTags));
    }
    if (Coin(rng, 0.3)) {
      c->set_by_rule(absl::StrCat("rule-", rng() % 3));
      c->set_rule_version(1 + rng() % 4);
    }
  } else if (kind < 90) {
    auto* r = p.mutable_revisit_logged();
    r->set_channel(v1::CONTACT_CHANNEL_PHONE);
    r->set_satisfaction(1 + static_cast<uint32_t>(rng() % 5));
  } else if (kind < 94) {
    auto* o = p.mutable_opportunity_opened();
    o->set_opportunity_id(absl::StrCat("o-", rng()));
    o->set_title("deal");
  } else {
    p.mutable_owner_assigned()->set_owner_id(Pick(rng, kOwners) + "x");
    p.mutable_owner_assigned()->set_team(Coin(rng, 0.5) ? "north" : "");
  }
  return p;
}

// Opens sealed payloads with a fixed key per customer, as the services'
// key vault does with the customers' stored keys.
class TestOpener final : public PayloadOpener {
 public:
  static DataKey KeyOf(absl::string_view customer_id) {
    std::string bytes = absl::StrCat(customer_id, std::string(32, 'k'));
    bytes.resize(32);
    return DataKey{absl::StrCat("key-", customer_id), bytes};
  }

  absl::Status Open(absl::string_view customer_id, absl::string_view event_type,
                    v1::EventPayload* payload) const override {
    const DataKey key = KeyOf(customer_id);
    return OpenSealedFields(customer_id, event_type, &key, payload);
  }
};

// Event `index` of an append to `stream`: its personal fields sealed as the
// services store them, and, for about half of the events, the plaintext
// attached as the services attach it (PlainPayload), so that the inline
// fold takes both paths.
storage::ProposedEvent Propose(std::mt19937& rng, const std::string& stream,
                               size_t index, const v1::EventPayload& payload) {
  storage::ProposedEvent e;
  absl::StatusOr<absl::string_view> type = EventTypeName(payload);
  EXPECT_THAT(type, IsOk());
  e.type = std::string(*type);
  v1::EventPayload sealed = payload;
  EXPECT_THAT(SealPersonalFields(stream, e.type, /*request_id=*/"",
                                 static_cast<uint32_t>(index),
                                 TestOpener::KeyOf(stream), &sealed),
              IsOk());
  e.payload = EncodePayload(sealed);
  if (Coin(rng, 0.5)) e.decoded = std::make_shared<const PlainPayload>(payload);
  e.metadata.actor = Pick(rng, kOwners) + "actor";
  e.metadata.reason = Coin(rng, 0.5) ? "why" : "";
  // Business times up to 400 days back, in any order relative to the log.
  e.metadata.occurred_at_micros =
      kBaseMicros - static_cast<int64_t>(rng() % (400 * 86400)) * 1000000 -
      static_cast<int64_t>(rng() % 1000000);
  return e;
}

// Everything the projections hold, parsed.
struct State {
  std::map<std::string, v1::CustomerProfile> profiles;
  std::map<std::string, v1::TimelineEntry> timeline;
  std::map<std::string, v1::ClassificationChange> history;
  std::map<std::string, std::string> index;  // key -> value
};

template <typename M>
void ReadFamily(const storage::StateView& view, int family,
                std::map<std::string, M>* out) {
  std::unique_ptr<storage::StateIterator> it = view.NewIterator(family);
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    M message;
    EXPECT_TRUE(message.ParseFromArray(it->value().data(),
                                       static_cast<int>(it->value().size())))
        << "family " << family;
    out->emplace(std::string(it->key()), std::move(message));
  }
  EXPECT_THAT(it->status(), IsOk());
}

State ReadState(const storage::EventLog& log) {
  State s;
  std::unique_ptr<storage::StateView> view = log.GetStateView();
  EXPECT_EQ(view->position(), log.last_position());
  ReadFamily(*view, kProfileFamily, &s.profiles);
  // Timeline and history by prefix, per customer, as the readers do.
  for (const auto& [id, profile] : s.profiles) {
    EXPECT_EQ(id, profile.customer_id());
    for (int family : {kTimelineFamily, kClassificationHistoryFamily}) {
      std::unique_ptr<storage::StateIterator> it = view->NewIterator(family);
      const std::string prefix = TimelinePrefix(id);
      for (it->Seek(prefix);
           it->Valid() && it->key().substr(0, prefix.size()) == prefix;
           it->Next()) {
        const std::string key(it->key());
        const bool ok = family == kTimelineFamily
                            ? s.timeline[key].ParseFromArray(it->value().data(),
                                                             it->value().size())
                            : s.history[key].ParseFromArray(it->value().data(),
                                                            it->value().size());
        EXPECT_TRUE(ok) << key;
      }
    }
  }
  // No orphan entries outside the known customers' prefixes.
  std::map<std::string, v1::TimelineEntry> all_timeline;
  std::map<std::string, v1::ClassificationChange> all_history;
  ReadFamily(*view, kTimelineFamily, &all_timeline);
  ReadFamily(*view, kClassificationHistoryFamily, &all_history);
  EXPECT_EQ(all_timeline.size(), s.timeline.size());
  EXPECT_EQ(all_history.size(), s.history.size());
  std::unique_ptr<storage::StateIterator> it =
      view->NewIterator(kCustomerIndexFamily);
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    s.index.emplace(it->key(), it->value());
  }
  EXPECT_THAT(it->status(), IsOk());
  return s;
}

// The reference: a pure fold of every customer's stream read back.
State FoldLog(const storage::EventLog& log, const std::set<std::string>& ids,
              const PayloadOpener& opener) {
  State s;
  for (const std::string& id : ids) {
    v1::CustomerProfile profile;
    MemoryRecordStore records;
    uint64_t from = 1;
    while (from != 0) {
      absl::StatusOr<storage::StreamPage> page =
          log.ReadStream(id, from, /*backwards=*/false, 500);
      EXPECT_THAT(page, IsOk()) << id;
      if (!page.ok()) break;
      for (const storage::EventRecord& record : page->records) {
        v1::Event event;
        EXPECT_THAT(DecodeEvent(record, false, &event, &opener), IsOk());
        EXPECT_THAT(FoldRecords(event, records, &profile), IsOk());
        const v1::Classification before = profile.classification();
        FoldIntoProfile(event, &profile);
        if (auto entry = TimelineEntryOf(event)) {
          s.timeline[TimelineKey(
              id, TimeUtil::TimestampToMicroseconds(entry->occurred_at()),
              entry->position())] = *entry;
        }
        if (auto change = ClassificationChangeOf(event, before,
                                                 profile.classification())) {
          s.history[HistoryKey(id, change->position())] = *change;
        }
        for (IndexEntry& entry :
             EventIndexEntriesOf(event, before, profile.classification())) {
          s.index[entry.key] = std::move(entry.value);
        }
      }
      from = page->next_version;
    }
    for (std::string& key : IndexKeysOf(profile)) s.index[key] = "";
    s.profiles[id] = std::move(profile);
  }
  return s;
}

template <typename M>
void ExpectSameMessages(const std::map<std::string, M>& want,
                        const std::map<std::string, M>& got,
                        const std::string& what) {
  EXPECT_EQ(want.size(), got.size()) << what;
  for (const auto& [key, message] : want) {
    auto it = got.find(key);
    if (it == got.end()) {
      ADD_FAILURE() << what << ": missing key " << absl::CEscape(key);
      continue;
    }
    std::string report;
    MessageDifferencer differ;
    differ.ReportDifferencesToString(&report);
    EXPECT_TRUE(differ.Compare(message, it->second))
        << what << " at " << absl::CEscape(key) << ":\n"
        << report;
  }
}

void ExpectSameState(const State& want, const State& got,
                     const std::string& what) {
  SCOPED_TRACE(what);
  ExpectSameMessages(want.profiles, got.profiles, what + " profile");
  ExpectSameMessages(want.timeline, got.timeline, what + " timeline");
  ExpectSameMessages(want.history, got.history, what + " history");
  std::vector<std::pair<std::string, std::string>> missing, extra;
  std::set_difference(want.index.begin(), want.index.end(), got.index.begin(),
                      got.index.end(), std::back_inserter(missing));
  std::set_difference(got.index.begin(), got.index.end(), want.index.begin(),
                      want.index.end(), std::back_inserter(extra));
  for (const auto& [k, v] : missing) {
    ADD_FAILURE() << "missing index " << absl::CEscape(k) << " -> "
                  << absl::CEscape(v);
  }
  for (const auto& [k, v] : extra) {
    ADD_FAILURE() << "stale index " << absl::CEscape(k) << " -> "
                  << absl::CEscape(v);
  }
}

// Every index key names an existing customer that really has that value.
void ExpectIndexTruthful(const State& s) {
  for (const auto& [key, stored] : s.index) {
    const size_t first = key.find('\0');
    const size_t last = key.rfind('\0');
    ASSERT_NE(first, last) << absl::CEscape(key);
    const std::string value = key.substr(first + 1, last - first - 1);
    const std::string id = key.substr(last + 1);
    auto it = s.profiles.find(id);
    ASSERT_NE(it, s.profiles.end()) << absl::CEscape(key);
    const v1::CustomerProfile& p = it->second;
    const auto& c = p.classification();
    const auto& tags = c.tags();
    bool truthful = false;
    switch (static_cast<IndexKind>(key[0])) {
      case IndexKind::kOwner:
        truthful = p.owner_id() == value;
        break;
      case IndexKind::kGrade:
        truthful = EnumKey(c.grade()) == value;
        break;
      case IndexKind::kValueTier:
        truthful = EnumKey(c.value_tier()) == value;
        break;
      case IndexKind::kLifecycleStage:
        truthful = EnumKey(c.lifecycle_stage()) == value;
        break;
      case IndexKind::kTag:
        truthful = std::find(tags.begin(), tags.end(), value) != tags.end();
        break;
      case IndexKind::kDuplicateKey: {
        const auto keys = DuplicateKeysOf(p);
        truthful = !p.archived() &&
                   std::find(keys.begin(), keys.end(), value) != keys.end();
        break;
      }
      case IndexKind::kCityName:
        truthful = !p.archived() && CityNameValue(p) == value;
        break;
      case IndexKind::kConsent:
        truthful =
            !p.archived() &&
            std::any_of(p.consents().begin(), p.consents().end(),
                        [&](const v1::ConsentState& c) {
                          return c.purpose() == value && c.current().granted();
                        });
        break;
      case IndexKind::kPlannedVisit:
        truthful = !p.archived() && PlannedVisitKey(p) == value;
        break;
      case IndexKind::kGreeting: {
        const auto greetings = GreetingsOf(p);
        truthful = !p.archived() &&
                   std::any_of(greetings.begin(), greetings.end(),
                               [&](const YearlyGreeting& g) {
                                 return MonthDayKey(g.month, g.day) == value;
                               });
        break;
      }
      case IndexKind::kMissing: {
        const auto& missing = p.completeness().missing();
        truthful = !p.archived() && std::find(missing.begin(), missing.end(),
                                              value) != missing.end();
        break;
      }
      case IndexKind::kIndustry:
        truthful = p.profile().industry() == value;
        break;
      case IndexKind::kRegion:
        truthful = p.profile().region() == value;
        break;
      case IndexKind::kName:
        truthful = NormalizedName(p.profile().name()) == value;
        break;
      case IndexKind::kFollowUpDate:
        truthful = !p.archived() && DateKey(p.next_follow_up()) == value;
        break;
      case IndexKind::kArchived:
        truthful = p.archived() && value.empty();
        break;
      case IndexKind::kRegistered:
        truthful = UtcDayKey(p.created_at()) == value && stored.empty();
        break;
      // Facts of single events: they stay whatever the profile is now.
      case IndexKind::kChurn: {
        ChurnValue churn;
        truthful = ParseChurnValue(value, &churn);
        break;
      }
      case IndexKind::kOpportunity: {
        OpportunityValue opportunity;
        truthful = ParseOpportunityValue(value, &opportunity) && stored.empty();
        break;
      }
      case IndexKind::kRevisit: {
        RevisitValue revisit;
        truthful = ParseRevisitValue(value, &revisit) && stored.empty();
        break;
      }
      case IndexKind::kLastContact: {
        const auto& ts =
            p.has_last_contact_at() ? p.last_contact_at() : p.created_at();
        const absl::CivilDay day = absl::ToCivilDay(
            absl::FromUnixSeconds(ts.seconds()), absl::UTCTimeZone());
        truthful =
            !p.archived() && absl::StrFormat("%04d%02d%02d", day.year(),
                                             day.month(), day.day()) == value;
        break;
      }
    }
    EXPECT_TRUE(truthful) << "index key " << absl::CEscape(key)
                          << " disagrees with " << p.ShortDebugString();
  }
}

std::unique_ptr<storage::EventLog> OpenLog(const std::string& path,
                                           storage::Projector* projector) {
  storage::EventLogOptions options;
  options.path = path;
  options.sync = true;  // slower commits gather larger groups
  options.state_families = CustomerStateFamilies();
  options.projector = projector;
  absl::StatusOr<std::unique_ptr<storage::EventLog>> log =
      storage::EventLog::Open(options);
  EXPECT_THAT(log, IsOk());
  return log.ok() ? *std::move(log) : nullptr;
}

uint32_t Seed() {
  const char* env = std::getenv("LEDGER_PROPERTY_SEED");
  if (env != nullptr && *env != '\0') return std::strtoul(env, nullptr, 10);
  return std::random_device()();
}

TEST(CustomerProjectionPropertyTest, InlineStateEqualsFoldRebuildAndReopen) {
  const uint32_t seed = Seed();
  SCOPED_TRACE(absl::StrCat("seed ", seed, " (LEDGER_PROPERTY_SEED=", seed,
                            " to replay)"));
  std::mt19937 rng(seed);
  ledger::testing::TempDir dir;
  const std::string path = dir.Sub("log");
  const TestOpener opener;
  CustomerProjector projector(&opener);
  std::unique_ptr<storage::EventLog> log = OpenLog(path, &projector);
  ASSERT_NE(log, nullptr);

  std::set<std::string> ids;
  std::set<std::string> archived;
  int events = 0;
  auto append = [&](storage::AppendRequest request) {
    events += static_cast<int>(request.events.size());
    ASSERT_THAT(log->Append(std::move(request)), IsOk());
  };
  // Registration first, sometimes with more events in the same append.
  for (int i = 0; i < kCustomers; ++i) {
    storage::AppendRequest request;
    request.stream = CustomerId(i);
    request.expected = storage::ExpectedVersion::NoStream();
    request.events.push_back(Propose(rng, request.stream, request.events.size(),
                                     RandomRegistration(rng)));
    for (int n = static_cast<int>(rng() % 3); n > 0; --n) {
      request.events.push_back(Propose(rng, request.stream,
                                       request.events.size(),
                                       RandomFollowing(rng, false)));
    }
    ids.insert(request.stream);
    append(std::move(request));
  }
  // Random multi-event appends, one at a time; archive closes a stream.
  for (int i = 0; i < kSequentialAppends; ++i) {
    std::string id;
    int index = 0;
    do {
      index = static_cast<int>(rng() % kCustomers);
      id = CustomerId(index);
    } while (archived.count(id));
    storage::AppendRequest request;
    request.stream = id;
    for (int n = 1 + static_cast<int>(rng() % 3); n > 0; --n) {
      // The hot customers of the concurrent phase stay open.
      const bool allow_archive = n == 1 && index >= kHotCustomers;
      request.events.push_back(Propose(rng, request.stream,
                                       request.events.size(),
                                       RandomFollowing(rng, allow_archive)));
      if (request.events.back().type == "CustomerArchived") archived.insert(id);
    }
    append(std::move(request));
  }
  // Concurrent bursts against a few hot customers: commit groups then hold
  // several appends of the same stream, folded against each other's writes.
  std::vector<std::string> hot;
  for (int i = 0; i < kHotCustomers; ++i) hot.push_back(CustomerId(i));
  const storage::LogStats before = log->stats();
  std::atomic<int> concurrent_events{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937 trng(seed * 31 + t);
      for (int b = 0; b < kBurstsPerThread; ++b) {
        absl::BlockingCounter done(kBurstSize);
        for (int k = 0; k < kBurstSize; ++k) {
          storage::AppendRequest request;
          request.stream = Pick(trng, hot);
          for (int n = 1 + static_cast<int>(trng() % 2); n > 0; --n) {
            request.events.push_back(Propose(trng, request.stream,
                                             request.events.size(),
                                             RandomFollowing(trng, false)));
          }
          concurrent_events += static_cast<int>(request.events.size());
          log->AppendAsync(std::move(request),
                           [&done](absl::StatusOr<storage::AppendResult> r) {
                             EXPECT_THAT(r, IsOk());
                             done.DecrementCount();
                           });
        }
        done.Wait();
      }
    });
  }
  for (std::thread& t : threads) t.join();
  events += concurrent_events;
  const storage::LogStats after = log->stats();
  EXPECT_LT(after.commit_groups - before.commit_groups,
            after.committed_appends - before.committed_appends)
      << "the concurrent phase never grouped appends";
  ASSERT_EQ(log->last_position(), static_cast<uint64_t>(events));

  // (a) inline state vs (b) the pure fold.
  const State reference = FoldLog(*log, ids, opener);
  ASSERT_EQ(reference.profiles.size(), ids.size());
  const State inline_state = ReadState(*log);
  ExpectSameState(reference, inline_state, "inline");
  ExpectIndexTruthful(inline_state);

  // Time travel at the head folds to the same profile.
  for (int i = 0; i < kCustomers; i += 9) {
    v1::GetProfileRequest request;
    request.set_customer_id(CustomerId(i));
    request.set_as_of_position(log->last_position());
    v1::GetProfileResponse response;
    ASSERT_THAT(
        services::internal::GetProfile(*log, request, &response, &opener),
        IsOk());
    std::string report;
    MessageDifferencer differ;
    differ.ReportDifferencesToString(&report);
    EXPECT_TRUE(differ.Compare(reference.profiles.at(CustomerId(i)),
                               response.profile()))
        << CustomerId(i) << ":\n"
        << report;
  }

  // (c) a rebuild with a fresh projector.
  {
    CustomerProjector fresh(&opener);
    ASSERT_THAT(log->RebuildState(fresh, "test-version"), IsOk());
  }
  EXPECT_EQ(*log->StoredStateVersion(), "test-version");
  ExpectSameState(reference, ReadState(*log), "rebuilt");

  // (d) all again after closing and reopening the log.
  log.reset();
  CustomerProjector reopened_projector(&opener);
  log = OpenLog(path, &reopened_projector);
  ASSERT_NE(log, nullptr);
  EXPECT_EQ(log->last_position(), static_cast<uint64_t>(events));
  EXPECT_EQ(*log->StoredStateVersion(), "test-version");
  EXPECT_EQ(log->GetStateView()->position(), log->last_position());
  ExpectSameState(reference, FoldLog(*log, ids, opener),
                  "refolded after reopen");
  const State reopened = ReadState(*log);
  ExpectSameState(reference, reopened, "reopened");
  ExpectIndexTruthful(reopened);
}

}  // namespace
}  // namespace ledger::projections
