// Whole-process tests of the README tour: the real ledgerctl binary
// (LEDGERCTL_PATH) against a real customer-ledgerd child process, checking
// what a user sees: stdout, stderr and the exit code of every command.

#include <signal.h>
#include <sys/wait.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "ledger/v1/ledger.pb.h"
#include "tests/e2e/ledgerctl_fixture.h"
#include "tests/e2e/ledgerd_process.h"
#include "tests/testing/raw_db.h"

namespace ledger::testing {
namespace {

namespace v1 = ::ledger::v1;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kActor[] = "tour-actor";
constexpr absl::Duration kCommandTimeout = absl::Seconds(15);

// The events of the README's five-minute tour.
constexpr char kOrgName[] = "杭州示例科技有限公司";
constexpr char kRegistered[] = R"({
  "customerRegistered": {"kind": "CUSTOMER_KIND_ORGANIZATION",
    "profile": {"name": "杭州示例科技有限公司", "phones": ["+86 571 8888 6666"],
                "address": {"province": "浙江", "city": "杭州"}},
    "ownerId": "sales-li"}})";
constexpr char kVisit[] = R"({
  "contactLogged": {"channel": "CONTACT_CHANNEL_VISIT",
    "participants": [{"name": "王总", "role": "CONTACT_ROLE_DECISION_MAKER"}],
    "content": "介绍新产品线，客户对价格敏感",
    "nextFollowUp": {"year": 2026, "month": 12, "day": 1}}})";

std::string PhoneCall(absl::string_view content) {
  return absl::StrCat(
      R"({"contactLogged": {"channel": "CONTACT_CHANNEL_PHONE", "content": ")",
      content, R"("}})");
}

// Parses every non-empty line of `text` as a `Message` in protobuf JSON.
template <typename Message>
std::vector<Message> ParseJsonLines(const std::string& text) {
  std::vector<Message> messages;
  for (absl::string_view line : absl::StrSplit(text, '\n', absl::SkipEmpty())) {
    Message message;
    const auto status = google::protobuf::util::JsonStringToMessage(
        std::string(line), &message);
    EXPECT_TRUE(status.ok()) << status.ToString() << " in line: " << line;
    messages.push_back(std::move(message));
  }
  return messages;
}

// Changes one byte of the actor stored in the event at `position` of the
// closed log in `data_dir`, leaving the stored hashes as they were.
void TamperWithActor(const std::string& data_dir, uint64_t position) {
  RawDb raw(data_dir);
  std::string key;
  for (int shift = 56; shift >= 0; shift -= 8) {
    key.push_back(static_cast<char>((position >> shift) & 0xff));
  }
  std::string value = raw.Get("events", key);
  const size_t at = value.find(kActor);
  ASSERT_NE(at, std::string::npos) << "the record does not contain the actor";
  value[at] ^= 0x20;  // 't' -> 'T'
  raw.Put("events", key, value);
}

class LedgerctlTest : public LedgerctlFixture {
 protected:
  LedgerctlTest() : LedgerctlFixture(kActor, kCommandTimeout) {}

  // Appends one event with ledgerctl and expects success.
  void Append(const std::string& customer, const std::string& event) {
    const SubprocessResult r =
        Ctl({"append", "--customer", customer, "--event", event});
    ASSERT_EQ(r.exit_code, 0) << r;
  }

  // The head position as `ledgerctl --json info` reports it (0 on failure).
  uint64_t HeadPosition() {
    const SubprocessResult r = Ctl({"--json", "info"});
    EXPECT_EQ(r.exit_code, 0) << r;
    const auto info = ParseJsonLines<v1::GetInfoResponse>(r.out);
    EXPECT_EQ(info.size(), 1u) << r;
    return info.size() == 1 ? info[0].head_position() : 0;
  }
};

TEST_F(LedgerctlTest, TourAppendReadVerify) {
  SubprocessResult r =
      Ctl({"append", "--customer", "C-1001", "--reason",
           "lead from the Hangzhou fair", "--event", kRegistered});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, HasSubstr("appended 1 event to C-1001")) << r;
  r = Ctl({"append", "--customer", "C-1001", "--expected-version", "1",
           "--event", kVisit});
  ASSERT_EQ(r.exit_code, 0) << r;

  r = Ctl({"read-stream", "C-1001"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, AllOf(HasSubstr("CustomerRegistered"),
                           HasSubstr("ContactLogged"), HasSubstr(kOrgName),
                           HasSubstr("VISIT: 介绍新产品线"), HasSubstr(kActor),
                           HasSubstr("customer C-1001 is at version 2")));

  r = Ctl({"--json", "read-stream", "C-1001"});
  ASSERT_EQ(r.exit_code, 0) << r;
  std::vector<v1::Event> events = ParseJsonLines<v1::Event>(r.out);
  ASSERT_EQ(events.size(), 2u) << r;
  EXPECT_EQ(events[0].event_type(), "CustomerRegistered");
  EXPECT_EQ(events[0].payload().customer_registered().profile().name(),
            kOrgName);
  EXPECT_EQ(events[0].metadata().reason(), "lead from the Hangzhou fair");
  EXPECT_EQ(events[0].metadata().actor(), kActor);
  for (size_t i = 0; i < events.size(); ++i) {
    EXPECT_EQ(events[i].version(), i + 1);
    EXPECT_EQ(events[i].position(), i + 1);
  }
  EXPECT_EQ(events[1].event_type(), "ContactLogged");
  ASSERT_EQ(events[1].payload().contact_logged().participants_size(), 1);
  EXPECT_EQ(events[1].payload().contact_logged().participants(0).name(),
            "王总");
  EXPECT_EQ(events[1].prev_hash(), events[0].hash());

  r = Ctl({"read-all", "--type", "ContactLogged"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, AllOf(HasSubstr("ContactLogged"),
                           Not(HasSubstr("CustomerRegistered")),
                           Not(HasSubstr(kOrgName)), HasSubstr("head is 2")));
  r = Ctl({"--json", "read-all", "--type", "ContactLogged", "--customer",
           "C-1001"});
  ASSERT_EQ(r.exit_code, 0) << r;
  events = ParseJsonLines<v1::Event>(r.out);
  ASSERT_EQ(events.size(), 1u) << r;
  EXPECT_EQ(events[0].position(), 2u);
  EXPECT_EQ(events[0].event_type(), "ContactLogged");

  r = Ctl({"verify-chain"});
  EXPECT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, HasSubstr("chain OK: 2 events")) << r;

  r = Ctl({"--json", "info"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, HasSubstr(R"("headPosition":"2")")) << r;
  const auto info = ParseJsonLines<v1::GetInfoResponse>(r.out);
  ASSERT_EQ(info.size(), 1u) << r;
  EXPECT_EQ(info[0].head_hash(), events[0].hash());  // position 2's

  r = Ctl({"rebuild-projections"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, HasSubstr("rebuilt up to position 2")) << r;
  r = Ctl({"cancel-rebuild"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, HasSubstr("no projection rebuild was running")) << r;
}

TEST_F(LedgerctlTest, ErrorsAreActionable) {
  ASSERT_NO_FATAL_FAILURE(Append("C-1001", kRegistered));
  ASSERT_NO_FATAL_FAILURE(Append("C-1001", kVisit));

  // A stale write names the current version, and nothing is appended.
  SubprocessResult r =
      Ctl({"append", "--customer", "C-1001", "--expected-version", "1",
           "--event", PhoneCall("follow-up call")});
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_THAT(r.err, AllOf(HasSubstr("ABORTED"), HasSubstr("version 2"))) << r;
  EXPECT_EQ(HeadPosition(), 2u);

  // Malformed JSON is a usage error that names the flag; nothing is sent.
  r = Ctl({"append", "--customer", "C-1001", "--event",
           R"({"contactLogged": {"channel": )"});
  EXPECT_EQ(r.exit_code, 2) << r;
  EXPECT_THAT(r.err, HasSubstr("--event #1 is not an EventPayload in JSON"))
      << r;
  // So is an unknown option (not one of CLI11's own exit codes).
  r = Ctl({"read-stream", "C-1001", "--no-such-flag"});
  EXPECT_EQ(r.exit_code, 2) << r;
  EXPECT_THAT(r.err, HasSubstr("--no-such-flag")) << r;
  EXPECT_EQ(HeadPosition(), 2u);

  r = Ctl({"read-stream", "C-404"});
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_THAT(r.err, AllOf(HasSubstr("NOT_FOUND"), HasSubstr("C-404"))) << r;

  // No server: UNAVAILABLE with a hint, well within the timeout, both for a
  // plain call (address from LEDGER_ADDRESS) and for append, which retries
  // UNAVAILABLE (address from --address).
  const std::string nowhere = absl::StrCat("127.0.0.1:", PickFreePort());
  absl::Time start = absl::Now();
  r = StartCtl({"--timeout", "2", "info"}, nowhere)->Finish(absl::Seconds(10));
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_THAT(r.err,
              AllOf(HasSubstr("UNAVAILABLE"),
                    HasSubstr("is customer-ledgerd running at " + nowhere)))
      << r;
  start = absl::Now();
  r = Ctl({"--address", nowhere, "--timeout", "2", "append", "--customer",
           "C-1001", "--event", PhoneCall("lost")});
  EXPECT_LT(absl::Now() - start, absl::Seconds(10));
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_THAT(r.err, HasSubstr("UNAVAILABLE")) << r;
}

TEST_F(LedgerctlTest, RetriedAppendWithSameRequestIdIsIdempotent) {
  ASSERT_NO_FATAL_FAILURE(Append("C-1001", kRegistered));
  const std::string call = PhoneCall("call back about the quote");
  const std::vector<std::string> append = {
      "append",       "--customer", "C-1001", "--request-id",
      "call-back-42", "--event",    call};

  SubprocessResult r = Ctl(append);
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, AllOf(HasSubstr("appended 1 event to C-1001"),
                           Not(HasSubstr("already"))));
  EXPECT_EQ(HeadPosition(), 2u);

  // The same command again (no --occurred-at: the server's default business
  // time must not make the retry a different request).
  r = Ctl(append);
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, AllOf(HasSubstr("already appended"), HasSubstr("2..2")))
      << r;
  EXPECT_EQ(HeadPosition(), 2u);

  std::vector<std::string> json_append = append;
  json_append.insert(json_append.begin(), "--json");
  r = Ctl(json_append);
  ASSERT_EQ(r.exit_code, 0) << r;
  const auto responses = ParseJsonLines<v1::AppendResponse>(r.out);
  ASSERT_EQ(responses.size(), 1u) << r;
  EXPECT_TRUE(responses[0].duplicate()) << r;
  EXPECT_EQ(responses[0].first_position(), 2u);
  EXPECT_EQ(HeadPosition(), 2u);

  // The same request id with other content is refused.
  r = Ctl({"append", "--customer", "C-1001", "--request-id", "call-back-42",
           "--event", PhoneCall("something else")});
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_THAT(r.err, HasSubstr("ALREADY_EXISTS")) << r;
  EXPECT_EQ(HeadPosition(), 2u);
}

TEST_F(LedgerctlTest, SubscribePrintsLiveAppendsInOrder) {
  std::unique_ptr<Subprocess> subscriber =
      StartCtl({"subscribe", "--count", "3", "--json"});
  // Caught up on the empty log: what follows is delivered live.
  ASSERT_TRUE(subscriber->WaitForStdout("caughtUp", absl::Seconds(10)))
      << subscriber->Finish(absl::Seconds(1));

  ASSERT_NO_FATAL_FAILURE(Append("C-2001", kRegistered));
  ASSERT_NO_FATAL_FAILURE(Append("C-2001", kVisit));
  ASSERT_NO_FATAL_FAILURE(Append("C-2001", PhoneCall("quote sent")));

  const SubprocessResult r = subscriber->Finish(kCommandTimeout);
  ASSERT_EQ(r.exit_code, 0) << r;
  std::vector<v1::Event> events;
  for (const v1::SubscribeResponse& message :
       ParseJsonLines<v1::SubscribeResponse>(r.out)) {
    if (message.has_event()) events.push_back(message.event());
  }
  ASSERT_EQ(events.size(), 3u) << r;
  const char* types[] = {"CustomerRegistered", "ContactLogged",
                         "ContactLogged"};
  for (size_t i = 0; i < events.size(); ++i) {
    EXPECT_EQ(events[i].position(), i + 1) << r;
    EXPECT_EQ(events[i].version(), i + 1) << r;
    EXPECT_EQ(events[i].customer_id(), "C-2001");
    EXPECT_EQ(events[i].event_type(), types[i]);
  }
  EXPECT_EQ(events[2].payload().contact_logged().content(), "quote sent");
}

TEST_F(LedgerctlTest, TamperedRecordIsDetectedOfflineAndByLedgerctl) {
  ASSERT_NO_FATAL_FAILURE(Append("C-1001", kRegistered));
  ASSERT_NO_FATAL_FAILURE(Append("C-1001", kVisit));
  ASSERT_NO_FATAL_FAILURE(Append("C-1001", PhoneCall("follow-up call")));
  SubprocessResult r = Ctl({"verify-chain"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_THAT(r.out, HasSubstr("chain OK: 3 events")) << r;

  server_->Signal(SIGTERM);
  const std::optional<int> stopped = server_->Wait(absl::Seconds(10));
  ASSERT_TRUE(stopped.has_value()) << server_->LogTail();
  EXPECT_TRUE(WIFEXITED(*stopped) && WEXITSTATUS(*stopped) == 0)
      << "wait status " << *stopped << "\n"
      << server_->LogTail();
  ASSERT_NO_FATAL_FAILURE(TamperWithActor(data_dir(), 2));

  // (a) Offline: the daemon's --verify-chain mode.
  r = Subprocess({LEDGERD_PATH, "--verify-chain", "--data-dir", data_dir()},
                 Environment(""))
          .Finish(kCommandTimeout);
  EXPECT_EQ(r.exit_code, 2) << r;
  EXPECT_THAT(r.out + r.err,
              AllOf(HasSubstr("FAILED"), HasSubstr("position 2")))
      << r;

  // (b) Online: ledgerctl recomputes the chain from what the server serves.
  const absl::Status restarted = server_->Start();
  ASSERT_TRUE(restarted.ok()) << restarted;
  r = Ctl({"verify-chain"});
  EXPECT_EQ(r.exit_code, 3) << r;
  EXPECT_THAT(r.out, AllOf(HasSubstr("chain BROKEN"), HasSubstr("position 2")))
      << r;
}

}  // namespace
}  // namespace ledger::testing
