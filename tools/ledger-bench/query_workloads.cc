#include "tools/ledger-bench/query_workloads.h"

#include <chrono>
#include <cstdio>
#include <random>
#include <utility>

#include "ledger/v1/customer.grpc.pb.h"
#include "tools/ledger-bench/customer_data.h"
#include "tools/ledger-bench/loader.h"

namespace ledger::bench {

namespace {

namespace v1 = ::ledger::v1;

constexpr int kPageSize = 20;

enum class Kind { kGetProfile, kTimeline, kSearch };

void SetDeadline(grpc::ClientContext* context, int deadline_ms) {
  context->set_deadline(std::chrono::system_clock::now() +
                        std::chrono::milliseconds(deadline_ms));
}

grpc::Status GetProfile(v1::CustomerQuery::Stub& stub, const std::string& id,
                        uint64_t min_position, int deadline_ms,
                        v1::GetProfileResponse* response) {
  v1::GetProfileRequest request;
  request.set_customer_id(id);
  request.set_min_position(min_position);
  grpc::ClientContext context;
  SetDeadline(&context, deadline_ms);
  return stub.GetProfile(&context, request, response);
}

// The --prefix; without one "L" (load's default) for --no-prepare, else
// one unique per invocation so runs against one server never collide.
std::string PrefixFor(const BenchConfig& config) {
  char buf[32] = "L";
  if (!config.prefix.empty()) return config.prefix;
  if (!config.no_prepare) {
    std::random_device device;
    std::snprintf(buf, sizeof(buf), "bench-%08x",
                  static_cast<unsigned>(device()));
  }
  return buf;
}

class QueryWorkload;

class QueryClient : public Client {
 public:
  QueryClient(const QueryWorkload& workload, int index,
              std::shared_ptr<grpc::Channel> channel);
  grpc::Status Call(uint64_t* items) override;

 private:
  const QueryWorkload& workload_;
  std::unique_ptr<v1::CustomerQuery::Stub> stub_;
  std::mt19937_64 rng_;
  std::uniform_int_distribution<int64_t> customer_;
};

class QueryWorkload : public Workload {
 public:
  QueryWorkload(Kind kind, const BenchConfig& config,
                std::vector<std::shared_ptr<grpc::Channel>> channels)
      : kind_(kind),
        config_(config),
        channels_(std::move(channels)),
        prefix_(PrefixFor(config)) {}

  bool Prepare(std::string* error) override {
    if (config_.no_prepare) return CheckLoaded(error);
    LoadResult result;
    if (!LoadCustomers(config_, prefix_, channels_, config_.progress_s, &result,
                       error)) {
      return false;
    }
    std::fprintf(stderr, "loaded %lld customers (%lld events) in %.2f s\n",
                 static_cast<long long>(result.customers),
                 static_cast<long long>(result.events), result.seconds);
    // Read our own writes once, so timing starts on a caught-up server.
    auto stub = v1::CustomerQuery::NewStub(channels_[0]);
    v1::GetProfileResponse response;
    grpc::Status status =
        GetProfile(*stub, SyntheticCustomerId(prefix_, config_.customers - 1),
                   result.max_position, config_.deadline_ms, &response);
    if (!status.ok()) {
      *error = "GetProfile after loading failed: " + status.error_message();
      return false;
    }
    return true;
  }

  std::unique_ptr<Client> NewClient(int index) override {
    return std::make_unique<QueryClient>(
        *this, index, channels_[static_cast<size_t>(index) % channels_.size()]);
  }

  std::string Describe() const override {
    std::string what;
    switch (kind_) {
      case Kind::kGetProfile:
        what = "GetProfile of a random customer";
        break;
      case Kind::kTimeline:
        what = "ListTimeline (page_size " + std::to_string(kPageSize) +
               ") of a random customer";
        break;
      case Kind::kSearch:
        what =
            "SearchCustomers (random owner of " +
            std::to_string(kOwnerPoolSize) + " + grade, page_size " +
            std::to_string(kPageSize) + ", ~" +
            std::to_string(config_.customers / (kOwnerPoolSize * kGradeCount)) +
            " matches)";
        break;
    }
    return what + " of " + std::to_string(config_.customers) + " customers " +
           prefix_ + "-0.. with " +
           std::to_string(config_.events_per_customer) + " events each" +
           (config_.no_prepare ? " (loaded earlier)" : "") +
           "; events/s counts returned items";
  }

  Kind kind() const { return kind_; }
  const BenchConfig& config() const { return config_; }
  const std::string& prefix() const { return prefix_; }

 private:
  // With --no-prepare: the first and last customer must exist.
  bool CheckLoaded(std::string* error) {
    auto stub = v1::CustomerQuery::NewStub(channels_[0]);
    for (int64_t n : {int64_t{0}, int64_t{config_.customers} - 1}) {
      v1::GetProfileResponse response;
      const std::string id = SyntheticCustomerId(prefix_, n);
      grpc::Status status =
          GetProfile(*stub, id, 0, config_.deadline_ms, &response);
      if (!status.ok()) {
        *error =
            "customer " + id + " is not readable (" + status.error_message() +
            "); run `ledger-bench load --prefix " + prefix_ + " --customers " +
            std::to_string(config_.customers) + "` first";
        return false;
      }
    }
    return true;
  }

  const Kind kind_;
  const BenchConfig config_;
  const std::vector<std::shared_ptr<grpc::Channel>> channels_;
  const std::string prefix_;
};

QueryClient::QueryClient(const QueryWorkload& workload, int index,
                         std::shared_ptr<grpc::Channel> channel)
    : workload_(workload),
      stub_(v1::CustomerQuery::NewStub(std::move(channel))),
      rng_(workload.config().seed * 15485863 + static_cast<uint64_t>(index)),
      customer_(0, workload.config().customers - 1) {}

grpc::Status QueryClient::Call(uint64_t* items) {
  const BenchConfig& config = workload_.config();
  grpc::ClientContext context;
  SetDeadline(&context, config.deadline_ms);
  grpc::Status status;
  switch (workload_.kind()) {
    case Kind::kGetProfile: {
      v1::GetProfileRequest request;
      request.set_customer_id(
          SyntheticCustomerId(workload_.prefix(), customer_(rng_)));
      v1::GetProfileResponse response;
      status = stub_->GetProfile(&context, request, &response);
      if (status.ok()) *items = response.has_profile() ? 1 : 0;
      break;
    }
    case Kind::kTimeline: {
      v1::ListTimelineRequest request;
      request.set_customer_id(
          SyntheticCustomerId(workload_.prefix(), customer_(rng_)));
      request.set_page_size(kPageSize);
      v1::ListTimelineResponse response;
      status = stub_->ListTimeline(&context, request, &response);
      if (status.ok()) *items = static_cast<uint64_t>(response.entries_size());
      break;
    }
    case Kind::kSearch: {
      v1::SearchCustomersRequest request;
      const int64_t n = customer_(rng_);  // an existing (owner, grade) pair
      request.mutable_filter()->set_owner_id(FinalOwnerOf(n));
      request.mutable_filter()->set_grade(
          FinalGradeOf(n, config.events_per_customer));
      request.set_page_size(kPageSize);
      v1::SearchCustomersResponse response;
      status = stub_->SearchCustomers(&context, request, &response);
      if (status.ok()) {
        *items = static_cast<uint64_t>(response.customers_size());
      }
      break;
    }
  }
  return status;
}

}  // namespace

bool IsQueryWorkload(const std::string& name) {
  return name == "get-profile" || name == "timeline" || name == "search";
}

std::unique_ptr<Workload> NewQueryWorkload(
    const BenchConfig& config,
    std::vector<std::shared_ptr<grpc::Channel>> channels) {
  Kind kind;
  if (config.workload == "get-profile") {
    kind = Kind::kGetProfile;
  } else if (config.workload == "timeline") {
    kind = Kind::kTimeline;
  } else if (config.workload == "search") {
    kind = Kind::kSearch;
  } else {
    return nullptr;
  }
  return std::make_unique<QueryWorkload>(kind, config, std::move(channels));
}

}  // namespace ledger::bench
