#include "tools/ledgerctl/import_runner.h"

#include <openssl/evp.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <memory>
#include <mutex>
#include <thread>
#include <utility>

#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "google/protobuf/util/field_mask_util.h"
#include "google/protobuf/util/message_differencer.h"
#include "grpcpp/grpcpp.h"
#include "ledger/v1/customer.grpc.pb.h"
#include "ledger/v1/ledger.grpc.pb.h"
#include "tools/ledgerctl/chain_verifier.h"

namespace ledger::ctl {

namespace {

namespace v1 = ::ledger::v1;
using google::protobuf::util::FieldMaskUtil;
using google::protobuf::util::MessageDifferencer;

// Errors about one row; anything else (server down, …) stops the import.
bool IsRowError(grpc::StatusCode code) {
  using C = grpc::StatusCode;
  return code == C::INVALID_ARGUMENT || code == C::FAILED_PRECONDITION ||
         code == C::NOT_FOUND || code == C::RESOURCE_EXHAUSTED ||
         code == C::OUT_OF_RANGE || code == C::ABORTED;
}

// Sends the rows from `threads` threads, each with one call in flight.
class Importer {
 public:
  Importer(const GlobalOptions& global, const ColumnMap& map,
           v1::AppendMetadata metadata, bool dry_run)
      : global_(global),
        map_(map),
        metadata_(std::move(metadata)),
        dry_run_(dry_run),
        channel_(NewChannel(global)),
        ledger_(v1::Ledger::NewStub(channel_)),
        query_(v1::CustomerQuery::NewStub(channel_)) {}

  // Processes every job; draws a progress bar on stderr when `progress`.
  void Run(std::vector<RowJob>* jobs, int threads, bool progress) {
    jobs_ = jobs;
    const auto start = std::chrono::steady_clock::now();
    std::vector<std::thread> workers;
    running_ = threads;
    for (int i = 0; i < threads; ++i) workers.emplace_back([this] { Work(); });
    while (running_.load() > 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      if (progress) DrawProgress(start);
    }
    for (auto& t : workers) t.join();
    if (progress) {
      DrawProgress(start);
      std::fprintf(stderr, "\n");
    }
  }

  // OK, or what stopped the import.
  grpc::Status fatal() {
    std::lock_guard<std::mutex> lock(mu_);
    return fatal_;
  }

 private:
  void Work() {
    for (;;) {
      const size_t i = next_++;
      if (stop_.load() || i >= jobs_->size()) break;
      Process(&(*jobs_)[i]);
      ++done_;
    }
    --running_;
  }

  void DrawProgress(std::chrono::steady_clock::time_point start) {
    const size_t total = jobs_->size();
    const size_t done = std::min(done_.load(), total);
    const double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
            .count();
    const int width = 30;
    const int filled =
        total == 0 ? width : static_cast<int>(width * done / total);
    std::fprintf(stderr, "\r[%s%s] %zu/%zu rows, %.0f rows/s ",
                 std::string(filled, '#').c_str(),
                 std::string(width - filled, '.').c_str(), done, total,
                 secs > 0 ? done / secs : 0.0);
  }

  // Append with retries of UNAVAILABLE and DEADLINE_EXCEEDED under the same
  // request_id (safe: a committed append is answered as a duplicate).
  grpc::Status Append(const v1::AppendRequest& request,
                      v1::AppendResponse* response, bool* retried) {
    grpc::Status status;
    for (int attempt = 0; attempt < 4; ++attempt) {
      if (attempt > 0) {
        std::this_thread::sleep_for(std::chrono::milliseconds(200 << attempt));
        *retried = true;
      }
      grpc::ClientContext context;
      SetDeadline(context, global_.timeout_seconds);
      status = ledger_->Append(&context, request, response);
      if (status.error_code() != grpc::StatusCode::UNAVAILABLE &&
          status.error_code() != grpc::StatusCode::DEADLINE_EXCEEDED) {
        break;
      }
    }
    return status;
  }

  v1::AppendRequest NewRequest(const RowJob& job) const {
    v1::AppendRequest request;
    request.set_customer_id(job.row.customer_id);
    request.set_request_id(job.request_id);
    *request.mutable_metadata() = metadata_;
    request.set_validate_only(dry_run_);
    return request;
  }

  void Process(RowJob* job) {
    if (!job->row.problems.empty()) {
      job->outcome = Outcome::kRejected;
      return;
    }
    v1::AppendRequest request = NewRequest(*job);
    request.mutable_expected_version()->mutable_no_stream();
    auto* registered =
        request.add_events()->mutable_payload()->mutable_customer_registered();
    registered->set_kind(job->row.kind);
    *registered->mutable_profile() = job->row.profile;
    registered->set_owner_id(job->row.owner_id);
    v1::AppendResponse response;
    bool retried = false;
    const grpc::Status status = Append(request, &response, &retried);
    if (status.ok()) {
      job->outcome = response.duplicate() && !retried ? Outcome::kUnchanged
                                                      : Outcome::kRegistered;
    } else if (status.error_code() == grpc::StatusCode::ALREADY_EXISTS) {
      // This row's request_id was committed with other metadata (another
      // actor or reason): the same content was imported before.
      job->outcome = Outcome::kUnchanged;
    } else if (status.error_code() == grpc::StatusCode::ABORTED) {
      Update(job);  // the customer exists
    } else {
      Fail(job, status);
    }
  }

  // An existing customer: a ProfileUpdated of the mapped fields, unless
  // they already hold the row's values.
  void Update(RowJob* job) {
    v1::GetProfileRequest get;
    get.set_customer_id(job->row.customer_id);
    v1::GetProfileResponse current;
    grpc::Status status;
    for (int attempt = 0; attempt < 4; ++attempt) {
      if (attempt > 0) {
        std::this_thread::sleep_for(std::chrono::milliseconds(200 << attempt));
      }
      grpc::ClientContext context;
      SetDeadline(context, global_.timeout_seconds);
      status = query_->GetProfile(&context, get, &current);
      if (status.error_code() != grpc::StatusCode::UNAVAILABLE) break;
    }
    if (!status.ok()) return Fail(job, status);
    // Only the mapped fields whose value differs are named in the mask.
    const v1::ProfileFields& before = current.profile().profile();
    FieldMaskUtil::MergeOptions options;  // as the server folds it
    options.set_replace_message_fields(true);
    options.set_replace_repeated_fields(true);
    google::protobuf::FieldMask mask;
    for (const std::string& path : map_.mask_paths) {
      google::protobuf::FieldMask one;
      one.add_paths(path);
      v1::ProfileFields after = before;
      FieldMaskUtil::MergeMessageTo(job->row.profile, one, options, &after);
      if (!MessageDifferencer::Equivalent(before, after)) mask.add_paths(path);
    }
    if (mask.paths_size() == 0) {
      job->outcome = Outcome::kUnchanged;
      return;
    }
    job->request_id += ":update";
    v1::AppendRequest request = NewRequest(*job);
    request.mutable_expected_version()->mutable_stream_exists();
    auto* updated =
        request.add_events()->mutable_payload()->mutable_profile_updated();
    *updated->mutable_profile() = job->row.profile;
    *updated->mutable_update_mask() = mask;
    v1::AppendResponse response;
    bool retried = false;
    status = Append(request, &response, &retried);
    if (status.ok()) {
      job->outcome = response.duplicate() && !retried ? Outcome::kUnchanged
                                                      : Outcome::kUpdated;
    } else if (status.error_code() == grpc::StatusCode::ALREADY_EXISTS) {
      job->outcome = Outcome::kUnchanged;  // this update was imported before
    } else {
      Fail(job, status);
    }
  }

  void Fail(RowJob* job, const grpc::Status& status) {
    if (!IsRowError(status.error_code())) {
      std::lock_guard<std::mutex> lock(mu_);
      if (fatal_.ok()) fatal_ = status;
      stop_ = true;
      return;  // stays kNotProcessed
    }
    job->outcome = Outcome::kRejected;
    if (status.error_code() == grpc::StatusCode::INVALID_ARGUMENT) {
      job->column = ColumnOfServerMessage(
          map_, job->row, status.error_message(), &job->problem);
    } else {
      job->problem = status.error_message();
    }
  }

  const GlobalOptions& global_;
  const ColumnMap& map_;
  const v1::AppendMetadata metadata_;
  const bool dry_run_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::Ledger::Stub> ledger_;
  std::unique_ptr<v1::CustomerQuery::Stub> query_;
  std::vector<RowJob>* jobs_ = nullptr;
  std::atomic<size_t> next_{0};
  std::atomic<size_t> done_{0};
  std::atomic<int> running_{0};
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  grpc::Status fatal_;
};

}  // namespace

std::string RequestIdOf(const ImportRow& row) {
  std::string data = row.customer_id;
  data.push_back('\0');
  {
    google::protobuf::io::StringOutputStream stream(&data);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    row.profile.SerializeToCodedStream(&coded);
  }
  data.push_back('\0');
  data += v1::CustomerKind_Name(row.kind);
  data.push_back('\0');
  data += row.owner_id;
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_Digest(data.data(), data.size(), digest, &size, EVP_sha256(), nullptr);
  return "import:" +
         ToHex(std::string(reinterpret_cast<const char*>(digest), size));
}

grpc::Status SendRows(const GlobalOptions& global, const ColumnMap& map,
                      const v1::AppendMetadata& metadata, bool dry_run,
                      int threads, bool progress, std::vector<RowJob>* jobs) {
  Importer importer(global, map, metadata, dry_run);
  importer.Run(jobs, threads, progress);
  return importer.fatal();
}

}  // namespace ledger::ctl
