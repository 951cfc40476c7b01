#include "tools/ledger-bench/customer_data.h"

#include <cstdio>
#include <ctime>
#include <random>
#include <string>
#include <utility>

namespace ledger::bench {

namespace {

namespace v1 = ::ledger::v1;

constexpr int64_t kDaySeconds = 24 * 3600;
constexpr int64_t kBaseTime = 1672531200;  // 2023-01-01T00:00:00Z
constexpr int64_t kHistorySpan = 300 * kDaySeconds;
constexpr size_t kContentLength = 160;

constexpr const char* kIndustries[] = {
    "manufacturing", "retail",    "finance", "logistics",
    "healthcare",    "education", "energy",  "software",
};
constexpr const char* kRegions[] = {
    "east", "north", "south", "west", "central", "northeast", "southwest",
};
constexpr const char* kSources[] = {
    "advertising", "referral", "exhibition", "website", "cold call",
};
constexpr const char* kProvinces[] = {
    "Zhejiang", "Jiangsu", "Guangdong", "Shandong", "Sichuan", "Hubei",
};
constexpr const char* kPeople[] = {
    "Li Wei", "Wang Fang", "Zhang Min", "Liu Yang", "Chen Jie", "Zhao Lei",
};
constexpr const char* kTags[] = {
    "priority", "tender", "renewal", "pilot", "reference", "overseas",
};
// Validation requires a reason with every change to CHURNED.
constexpr const char* kChurnReasons[] = {"price", "moved to a competitor",
                                         "closed down", "poor service"};
constexpr v1::ContactChannel kChannels[] = {
    v1::CONTACT_CHANNEL_VISIT,   v1::CONTACT_CHANNEL_PHONE,
    v1::CONTACT_CHANNEL_EMAIL,   v1::CONTACT_CHANNEL_WECHAT,
    v1::CONTACT_CHANNEL_MEETING, v1::CONTACT_CHANNEL_PHONE,
};

template <typename T, size_t N>
const T& Pick(const T (&items)[N], uint64_t h) {
  return items[h % N];
}

uint64_t SplitMix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// FNV-1a: stable across builds, unlike std::hash.
uint64_t HashString(const std::string& s) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return h;
}

// Fixed random text that contact contents are cut from: realistic to
// compress, and the same in every run.
const std::string& Text() {
  static const std::string* text = [] {
    static constexpr char kChars[] =
        "abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ 0123456789.,";
    std::mt19937_64 rng(42);
    std::uniform_int_distribution<size_t> pick(0, sizeof(kChars) - 2);
    auto* s = new std::string(64 << 10, ' ');
    for (char& c : *s) c = kChars[pick(rng)];
    return s;
  }();
  return *text;
}

// `head` followed by the decimal `value` (appending avoids a GCC 12
// -Wrestrict false positive of "literal" + std::to_string()).
std::string Cat(std::string head, uint64_t value) {
  return head.append(std::to_string(value));
}

google::protobuf::Timestamp ToTimestamp(int64_t seconds) {
  google::protobuf::Timestamp ts;
  ts.set_seconds(seconds);
  return ts;
}

void SetDate(int64_t seconds, v1::Date* date) {
  const std::time_t t = static_cast<std::time_t>(seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  date->set_year(tm.tm_year + 1900);
  date->set_month(tm.tm_mon + 1);
  date->set_day(tm.tm_mday);
}

void FillRegistration(const std::string& id, int64_t n, uint64_t h,
                      const std::string& owner,
                      v1::CustomerRegistered* registered) {
  registered->set_kind(v1::CUSTOMER_KIND_ORGANIZATION);
  registered->set_owner_id(owner);
  v1::ProfileFields* p = registered->mutable_profile();
  p->set_name("Customer " + id + " Co., Ltd.");
  p->set_short_name(Cat("C", static_cast<uint64_t>(n)));
  p->add_phones(Cat("+86 571 ", 10000000 + h % 90000000));
  p->add_emails(Cat("contact@c", static_cast<uint64_t>(n)) + ".example.com");
  p->mutable_address()->set_province(Pick(kProvinces, h >> 8));
  p->mutable_address()->set_city(Cat("City ", h % 97));
  p->mutable_address()->set_street(std::to_string(1 + h % 999) + " Main Rd");
  p->set_industry(Pick(kIndustries, h >> 16));
  p->set_region(Pick(kRegions, h >> 24));
  p->set_source(Pick(kSources, h >> 32));
}

void FillContact(uint64_t h, int64_t occurred, v1::ContactLogged* contact) {
  contact->set_channel(Pick(kChannels, h));
  v1::ContactParticipant* person = contact->add_participants();
  person->set_name(Pick(kPeople, h >> 8));
  person->set_role(static_cast<v1::ContactRole>(1 + (h >> 16) % 7));
  const std::string& text = Text();
  contact->set_content(
      text.substr((h >> 20) % (text.size() - kContentLength), kContentLength));
  contact->set_result((h >> 40) % 2 == 0 ? "interested" : "needs follow-up");
  if ((h >> 44) % 3 == 0) {
    contact->set_next_step("send quotation");
    SetDate(occurred + 14 * kDaySeconds, contact->mutable_next_follow_up());
  }
}

void FillClassification(int64_t n, uint64_t h, int events,
                        v1::CustomerClassified* classified) {
  classified->set_grade(FinalGradeOf(n, events));
  classified->set_value_tier(static_cast<v1::ValueTier>(1 + h % 4));
  classified->set_lifecycle_stage(
      static_cast<v1::LifecycleStage>(1 + (h >> 8) % 5));
  if (classified->lifecycle_stage() == v1::LIFECYCLE_STAGE_CHURNED) {
    classified->set_churn_reason(Pick(kChurnReasons, h >> 24));
  }
  classified->set_nature(v1::CUSTOMER_NATURE_ENTERPRISE);
  classified->add_tags_added(Pick(kTags, h >> 16));
}

}  // namespace

std::string SyntheticCustomerId(const std::string& prefix, int64_t n) {
  return prefix + "-" + std::to_string(n);
}

std::string PoolOwnerId(int index) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "owner-%02d", index);
  return buf;
}

std::string FinalOwnerOf(int64_t n) {
  return PoolOwnerId(static_cast<int>(n % kOwnerPoolSize));
}

v1::Grade FinalGradeOf(int64_t n, int events_per_customer) {
  if (events_per_customer < 2) return v1::GRADE_UNSPECIFIED;
  return static_cast<v1::Grade>(1 + (n / kOwnerPoolSize) % kGradeCount);
}

std::string SyntheticRequestId(const std::string& prefix, int64_t n) {
  return "ledger-bench-load/" + SyntheticCustomerId(prefix, n);
}

namespace {
std::string& ActorStorage() {
  static std::string* actor = new std::string("ledger-bench");
  return *actor;
}
}  // namespace

const std::string& BenchActor() { return ActorStorage(); }
void SetBenchActor(std::string actor) { ActorStorage() = std::move(actor); }

v1::AppendRequest SyntheticCustomerRequest(const std::string& prefix, int64_t n,
                                           int events) {
  const std::string id = SyntheticCustomerId(prefix, n);
  const uint64_t seed = SplitMix(HashString(prefix) ^ SplitMix(n));
  v1::AppendRequest request;
  request.set_customer_id(id);
  request.set_request_id(SyntheticRequestId(prefix, n));
  request.mutable_metadata()->set_actor(BenchActor());
  request.mutable_metadata()->set_service("ledger-bench");
  request.mutable_metadata()->set_reason("synthetic load");

  const int classify_at = events >= 2 ? events / 2 : -1;
  const int assign_at = events >= 3 ? events - 1 : -1;
  // With a later OwnerAssigned, registration starts with another owner.
  const std::string first_owner =
      assign_at > 0
          ? PoolOwnerId(static_cast<int>((n + 1 + seed % (kOwnerPoolSize - 1)) %
                                         kOwnerPoolSize))
          : FinalOwnerOf(n);
  const int64_t start = kBaseTime +
                        static_cast<int64_t>(seed % 60) * kDaySeconds +
                        static_cast<int64_t>(seed >> 40) % kDaySeconds;
  const int64_t step = kHistorySpan / events;
  for (int k = 0; k < events; ++k) {
    const uint64_t h = SplitMix(seed + static_cast<uint64_t>(k));
    const int64_t occurred =
        start + k * step +
        (k > 0 ? static_cast<int64_t>(h % (step / 2 + 1)) : 0);
    v1::ProposedEvent* event = request.add_events();
    *event->mutable_occurred_at() = ToTimestamp(occurred);
    v1::EventPayload* payload = event->mutable_payload();
    if (k == 0) {
      FillRegistration(id, n, h, first_owner,
                       payload->mutable_customer_registered());
    } else if (k == classify_at) {
      FillClassification(n, h, events, payload->mutable_customer_classified());
    } else if (k == assign_at) {
      const int owner = static_cast<int>(n % kOwnerPoolSize);
      payload->mutable_owner_assigned()->set_owner_id(PoolOwnerId(owner));
      payload->mutable_owner_assigned()->set_team("team-" +
                                                  std::to_string(owner % 5));
    } else {
      FillContact(h, occurred, payload->mutable_contact_logged());
    }
  }
  return request;
}

}  // namespace ledger::bench
