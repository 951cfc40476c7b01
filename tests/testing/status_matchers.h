#ifndef LEDGER_TESTS_TESTING_STATUS_MATCHERS_H_
#define LEDGER_TESTS_TESTING_STATUS_MATCHERS_H_

// gMock matchers for absl::Status, absl::StatusOr<T> and grpc::Status:
//
//   EXPECT_THAT(log->Append(request), IsOk());
//   EXPECT_THAT(status, StatusIs(absl::StatusCode::kAborted,
//                                HasSubstr("version 3")));
//   EXPECT_THAT(grpc_status, GrpcStatusIs(grpc::StatusCode::ABORTED));

#include <ostream>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gmock/gmock.h"
#include "grpcpp/support/status.h"

namespace ledger::testing {

inline const absl::Status& GetStatus(const absl::Status& status) {
  return status;
}
template <typename T>
const absl::Status& GetStatus(const absl::StatusOr<T>& status_or) {
  return status_or.status();
}

MATCHER(IsOk, "is OK") {
  const absl::Status& status = GetStatus(arg);
  if (!status.ok()) *result_listener << "status is " << status.ToString();
  return status.ok();
}

MATCHER_P(StatusIs, code, "has code " + absl::StatusCodeToString(code)) {
  const absl::Status& status = GetStatus(arg);
  *result_listener << "status is " << status.ToString();
  return status.code() == code;
}

MATCHER_P2(StatusIs, code, message_matcher,
           "has code " + absl::StatusCodeToString(code) +
               " and a matching message") {
  const absl::Status& status = GetStatus(arg);
  *result_listener << "status is " << status.ToString();
  return status.code() == code &&
         ::testing::Matches(message_matcher)(std::string(status.message()));
}

MATCHER(GrpcOk, "is OK") {
  if (!arg.ok()) {
    *result_listener << "status is " << arg.error_code() << ": "
                     << arg.error_message();
  }
  return arg.ok();
}

MATCHER_P(GrpcStatusIs, code, "has gRPC code " + std::to_string(code)) {
  *result_listener << "status is " << arg.error_code() << ": "
                   << arg.error_message();
  return arg.error_code() == code;
}

MATCHER_P2(GrpcStatusIs, code, message_matcher,
           "has gRPC code " + std::to_string(code) +
               " and a matching message") {
  *result_listener << "status is " << arg.error_code() << ": "
                   << arg.error_message();
  return arg.error_code() == code &&
         ::testing::Matches(message_matcher)(arg.error_message());
}

}  // namespace ledger::testing

#endif  // LEDGER_TESTS_TESTING_STATUS_MATCHERS_H_
