#ifndef LEDGER_TESTS_SERVICES_SERVICE_TEST_UTIL_H_
#define LEDGER_TESTS_SERVICES_SERVICE_TEST_UTIL_H_

// Shared helpers of the services_test binary: a fixture with typed calls to
// the real in-process server, and a SHA-256 for checking digests.

#include <openssl/evp.h>

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/time_util.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "ledger/v1/ledger.grpc.pb.h"
#include "tests/testing/requests.h"
#include "tests/testing/server_fixture.h"
#include "tests/testing/status_matchers.h"

// Readable gtest output for grpc::Status values (found by ADL).
namespace grpc {
inline void PrintTo(const Status& status, std::ostream* os) {
  *os << "grpc::Status(" << status.error_code() << ", \""
      << status.error_message() << "\")";
}
}  // namespace grpc

namespace ledger::testing {

// SHA-256 of `data` as 32 raw bytes.
inline std::string Sha256(absl::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  const int ok = EVP_Digest(data.data(), data.size(), digest, &size,
                            EVP_sha256(), nullptr);
  EXPECT_EQ(ok, 1);
  return std::string(reinterpret_cast<const char*>(digest), size);
}

inline std::string ZeroHash() { return std::string(32, '\0'); }

inline int64_t NowMicros() { return absl::ToUnixMicros(absl::Now()); }

inline int64_t Micros(const google::protobuf::Timestamp& ts) {
  return google::protobuf::util::TimeUtil::TimestampToMicroseconds(ts);
}

// A ServerFixture with one-line typed calls. Each call has a deadline.
class LedgerTestBase : public ServerFixture {
 protected:
  // Appends and returns the status; `response` may be null.
  grpc::Status Append(const ledger::v1::AppendRequest& request,
                      ledger::v1::AppendResponse* response = nullptr) {
    ledger::v1::AppendResponse ignored;
    return stub().Append(Context().get(), request,
                         response != nullptr ? response : &ignored);
  }

  // Appends and expects success.
  ledger::v1::AppendResponse AppendOk(
      const ledger::v1::AppendRequest& request) {
    ledger::v1::AppendResponse response;
    const grpc::Status status = Append(request, &response);
    EXPECT_THAT(status, GrpcOk()) << "appending to " << request.customer_id();
    return response;
  }

  // Appends `request`, expecting it to be refused with nothing appended
  // (head position and hash, committed events); returns the status for the
  // caller to check code and message.
  grpc::Status Reject(const ledger::v1::AppendRequest& request) {
    const ledger::v1::GetInfoResponse before = Info();
    const grpc::Status status = Append(request);
    const ledger::v1::GetInfoResponse after = Info();
    EXPECT_FALSE(status.ok()) << "accepted: " << request.DebugString();
    EXPECT_EQ(after.head_position(), before.head_position())
        << "a refused append changed the log";
    EXPECT_EQ(after.head_hash(), before.head_hash());
    EXPECT_EQ(after.committed_events(), before.committed_events());
    return status;
  }

  ledger::v1::GetInfoResponse Info() {
    ledger::v1::GetInfoResponse response;
    const grpc::Status status = stub().GetInfo(
        Context().get(), ledger::v1::GetInfoRequest(), &response);
    EXPECT_THAT(status, GrpcOk());
    return response;
  }

  uint64_t HeadPosition() { return Info().head_position(); }

  grpc::Status ReadStream(const ledger::v1::ReadStreamRequest& request,
                          ledger::v1::ReadStreamResponse* response) {
    return stub().ReadStream(Context().get(), request, response);
  }

  // The whole stream of `customer_id`, forwards, in one page.
  std::vector<ledger::v1::Event> StreamEvents(const std::string& customer_id,
                                              bool include_raw = false) {
    ledger::v1::ReadStreamRequest request;
    request.set_customer_id(customer_id);
    request.set_limit(1000);
    request.set_include_raw_payload(include_raw);
    ledger::v1::ReadStreamResponse response;
    EXPECT_THAT(ReadStream(request, &response), GrpcOk());
    EXPECT_EQ(response.next_version(), 0u) << "stream longer than one page";
    return {response.events().begin(), response.events().end()};
  }

  grpc::Status ReadAll(const ledger::v1::ReadAllRequest& request,
                       ledger::v1::ReadAllResponse* response) {
    return stub().ReadAll(Context().get(), request, response);
  }

  // Every event matching `filter`, paging with next_position until
  // end_of_log.
  std::vector<ledger::v1::Event> AllEvents(
      const ledger::v1::EventFilter& filter = {}, bool include_raw = false) {
    std::vector<ledger::v1::Event> events;
    ledger::v1::ReadAllRequest request;
    request.set_limit(1000);
    *request.mutable_filter() = filter;
    request.set_include_raw_payload(include_raw);
    for (int pages = 0; pages < 10000; ++pages) {
      ledger::v1::ReadAllResponse response;
      const grpc::Status status = ReadAll(request, &response);
      EXPECT_THAT(status, GrpcOk());
      if (!status.ok()) break;
      events.insert(events.end(), response.events().begin(),
                    response.events().end());
      if (response.end_of_log()) return events;
      EXPECT_GT(response.next_position(), request.from_position());
      request.set_from_position(response.next_position());
    }
    ADD_FAILURE() << "ReadAll never reached end_of_log";
    return events;
  }
};

// A ContactLogged append for `customer_id` with `count` events whose
// contents are "<prefix>-<i>".
inline ledger::v1::AppendRequest ContactsRequest(const std::string& customer_id,
                                                 int count,
                                                 const std::string& prefix) {
  ledger::v1::AppendRequest request =
      ContactRequest(customer_id, prefix + "-0");
  for (int i = 1; i < count; ++i) {
    AddContact(request, prefix + "-" + std::to_string(i));
  }
  return request;
}

// A CustomerClassified append for `customer_id` setting `grade`.
inline ledger::v1::AppendRequest ClassifyRequest(const std::string& customer_id,
                                                 ledger::v1::Grade grade) {
  ledger::v1::AppendRequest request;
  request.set_customer_id(customer_id);
  request.mutable_metadata()->set_actor("tester");
  request.add_events()
      ->mutable_payload()
      ->mutable_customer_classified()
      ->set_grade(grade);
  return request;
}

}  // namespace ledger::testing

#endif  // LEDGER_TESTS_SERVICES_SERVICE_TEST_UTIL_H_
