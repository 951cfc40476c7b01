#include "tools/ledger-bench/workloads.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <functional>
#include <mutex>
#include <random>
#include <thread>
#include <utility>

#include "grpcpp/generic/generic_stub.h"
#include "ledger/v1/ledger.grpc.pb.h"
#include "tools/ledger-bench/customer_data.h"
#include "tools/ledger-bench/query_workloads.h"

namespace ledger::bench {

namespace {

namespace v1 = ::ledger::v1;

constexpr char kHealthCheckMethod[] = "/grpc.health.v1.Health/Check";
constexpr int kStreamReadLimit = 20;
constexpr int kContactsPerReadCustomer = 4;  // plus the registration

void SetDeadline(grpc::ClientContext* context, int deadline_ms) {
  context->set_deadline(std::chrono::system_clock::now() +
                        std::chrono::milliseconds(deadline_ms));
}

// Random printable text that contact contents are cut from, so payloads do
// not compress unrealistically well.
std::string RandomText(std::mt19937_64& rng, size_t size) {
  static constexpr char kChars[] =
      "abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ 0123456789.,";
  std::uniform_int_distribution<size_t> pick(0, sizeof(kChars) - 2);
  std::string text(size, ' ');
  for (char& c : text) c = kChars[pick(rng)];
  return text;
}

void FillContact(v1::ContactLogged* contact, std::string content) {
  contact->set_channel(v1::CONTACT_CHANNEL_PHONE);
  v1::ContactParticipant* person = contact->add_participants();
  person->set_name("Bench Person");
  person->set_role(v1::CONTACT_ROLE_DECISION_MAKER);
  contact->set_content(std::move(content));
  contact->set_result("benchmark");
}

// The content length that makes a ContactLogged payload (as FillContact
// builds it) serialize to about `target` bytes; at least 1.
size_t ContentLengthFor(int target) {
  auto size_with = [](size_t length) {
    v1::EventPayload payload;
    FillContact(payload.mutable_contact_logged(), std::string(length, 'x'));
    return static_cast<long>(payload.ByteSizeLong());
  };
  long length = std::max<long>(1, target - size_with(1) + 1);
  while (length > 1 && size_with(length) > target) --length;
  while (size_with(length) < target) ++length;
  return static_cast<size_t>(length);
}

v1::AppendRequest RegisterRequest(const std::string& customer,
                                  const std::string& request_id) {
  v1::AppendRequest request;
  request.set_customer_id(customer);
  request.set_request_id(request_id);
  request.mutable_metadata()->set_actor(BenchActor());
  request.mutable_metadata()->set_service("ledger-bench");
  auto* registered =
      request.add_events()->mutable_payload()->mutable_customer_registered();
  registered->set_kind(v1::CUSTOMER_KIND_ORGANIZATION);
  registered->mutable_profile()->set_name("Bench Customer " + customer);
  registered->mutable_profile()->set_source("benchmark");
  return request;
}

// Per-thread source of contact payloads of the configured size.
class ContentSource {
 public:
  ContentSource(uint64_t seed, size_t content_length)
      : rng_(seed), length_(content_length) {
    text_ = RandomText(rng_, std::max<size_t>(64 << 10, 2 * length_));
    offset_ = std::uniform_int_distribution<size_t>(0, text_.size() - length_);
  }
  std::string Next() { return text_.substr(offset_(rng_), length_); }
  std::mt19937_64& rng() { return rng_; }

 private:
  std::mt19937_64 rng_;
  size_t length_;
  std::string text_;
  std::uniform_int_distribution<size_t> offset_;
};

// Appends requests 0..count-1 from `make` over all channels with `threads`
// threads; a call that fails with UNAVAILABLE or DEADLINE_EXCEEDED is retried
// with the same request (its request_id makes that safe).
bool AppendAll(const std::vector<std::shared_ptr<grpc::Channel>>& channels,
               int threads, int count, int deadline_ms,
               const std::function<v1::AppendRequest(int)>& make,
               std::string* error) {
  std::atomic<int> next{0};
  std::atomic<bool> failed{false};
  std::mutex mu;
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      auto stub = v1::Ledger::NewStub(channels[t % channels.size()]);
      for (int i = next++; i < count && !failed; i = next++) {
        const v1::AppendRequest request = make(i);
        grpc::Status status;
        for (int attempt = 0; attempt < 5; ++attempt) {
          grpc::ClientContext context;
          SetDeadline(&context, deadline_ms);
          v1::AppendResponse response;
          status = stub->Append(&context, request, &response);
          if (status.error_code() != grpc::StatusCode::UNAVAILABLE &&
              status.error_code() != grpc::StatusCode::DEADLINE_EXCEEDED) {
            break;
          }
          std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
        if (!status.ok()) {
          std::lock_guard<std::mutex> lock(mu);
          if (!failed.exchange(true)) {
            *error = "preparing customer " + request.customer_id() +
                     " failed: code " + std::to_string(status.error_code()) +
                     ": " + status.error_message();
          }
        }
      }
    });
  }
  for (auto& w : workers) w.join();
  return !failed;
}

// Common state: configuration, channels and a run-unique id prefix.
class WorkloadBase : public Workload {
 public:
  WorkloadBase(const BenchConfig& config,
               std::vector<std::shared_ptr<grpc::Channel>> channels)
      : config_(config), channels_(std::move(channels)) {
    // Ids are unique per invocation (not derived from --seed), so runs
    // against the same server never collide.
    std::random_device device;
    char prefix[32];
    std::snprintf(prefix, sizeof(prefix), "bench-%08x",
                  static_cast<unsigned>(device()));
    prefix_ = prefix;
  }

 protected:
  std::string CustomerId(int i) const {
    return prefix_ + "-c" + std::to_string(i);
  }
  const std::shared_ptr<grpc::Channel>& ChannelFor(int index) const {
    return channels_[static_cast<size_t>(index) % channels_.size()];
  }

  BenchConfig config_;
  std::vector<std::shared_ptr<grpc::Channel>> channels_;
  std::string prefix_;
};

// append: K ContactLogged events per request to a random pre-registered
// customer, or (with probability new_customer_ratio) a new registration.
class AppendWorkload : public WorkloadBase {
 public:
  using WorkloadBase::WorkloadBase;

  bool Prepare(std::string* error) override {
    content_length_ = ContentLengthFor(config_.payload_bytes);
    return AppendAll(
        channels_, config_.clients, config_.customers, config_.deadline_ms,
        [this](int i) {
          return RegisterRequest(CustomerId(i),
                                 prefix_ + "/prep/" + std::to_string(i));
        },
        error);
  }

  bool ReportsCommits() const override { return true; }

  std::string Describe() const override {
    char buf[256];
    std::snprintf(buf, sizeof(buf),
                  "%d ContactLogged event(s) of ~%d bytes per append to %d "
                  "customers, %.0f%% new-customer registrations",
                  config_.events_per_request, config_.payload_bytes,
                  config_.customers, 100 * config_.new_customer_ratio);
    return buf;
  }

  std::unique_ptr<Client> NewClient(int index) override;

  const std::string& prefix() const { return prefix_; }
  const BenchConfig& config() const { return config_; }
  size_t content_length() const { return content_length_; }

 private:
  size_t content_length_ = 1;
};

class AppendClient : public Client {
 public:
  AppendClient(const AppendWorkload& workload, int index,
               std::shared_ptr<grpc::Channel> channel)
      : workload_(workload),
        index_(index),
        stub_(v1::Ledger::NewStub(std::move(channel))),
        content_(workload.config().seed * 7919 + static_cast<uint64_t>(index),
                 workload.content_length()),
        customer_(0, workload.config().customers - 1) {}

  grpc::Status Call(uint64_t* events) override {
    const BenchConfig& config = workload_.config();
    const std::string tag = workload_.prefix() + "-t" + std::to_string(index_) +
                            "-" + std::to_string(++sequence_);
    v1::AppendRequest request;
    if (coin_(content_.rng()) < config.new_customer_ratio) {
      request = RegisterRequest(tag, tag + "/new");
    } else {
      request.set_customer_id(workload_.prefix() + "-c" +
                              std::to_string(customer_(content_.rng())));
      request.set_request_id(tag);
      request.mutable_metadata()->set_actor(BenchActor());
      request.mutable_metadata()->set_service("ledger-bench");
      for (int i = 0; i < config.events_per_request; ++i) {
        FillContact(
            request.add_events()->mutable_payload()->mutable_contact_logged(),
            content_.Next());
      }
    }
    grpc::ClientContext context;
    SetDeadline(&context, config.deadline_ms);
    v1::AppendResponse response;
    grpc::Status status = stub_->Append(&context, request, &response);
    if (status.ok()) {
      *events = response.last_position() - response.first_position() + 1;
    }
    return status;
  }

 private:
  const AppendWorkload& workload_;
  const int index_;
  std::unique_ptr<v1::Ledger::Stub> stub_;
  ContentSource content_;
  std::uniform_int_distribution<int> customer_;
  std::uniform_real_distribution<double> coin_{0.0, 1.0};
  uint64_t sequence_ = 0;
};

std::unique_ptr<Client> AppendWorkload::NewClient(int index) {
  return std::make_unique<AppendClient>(*this, index, ChannelFor(index));
}

// read-stream: ReadStream (limit 20) of a random pre-populated customer.
class ReadStreamWorkload : public WorkloadBase {
 public:
  using WorkloadBase::WorkloadBase;

  bool Prepare(std::string* error) override {
    const size_t length = ContentLengthFor(config_.payload_bytes);
    return AppendAll(
        channels_, config_.clients, config_.customers, config_.deadline_ms,
        [this, length](int i) {
          v1::AppendRequest request = RegisterRequest(
              CustomerId(i), prefix_ + "/prep/" + std::to_string(i));
          std::mt19937_64 rng(static_cast<uint64_t>(i));
          for (int k = 0; k < kContactsPerReadCustomer; ++k) {
            FillContact(request.add_events()
                            ->mutable_payload()
                            ->mutable_contact_logged(),
                        RandomText(rng, length));
          }
          return request;
        },
        error);
  }

  std::string Describe() const override {
    return "ReadStream (limit " + std::to_string(kStreamReadLimit) +
           ") of a random one of " + std::to_string(config_.customers) +
           " customers with " + std::to_string(kContactsPerReadCustomer + 1) +
           " events each";
  }

  std::unique_ptr<Client> NewClient(int index) override;

  const BenchConfig& config() const { return config_; }
  std::string Customer(int i) const { return CustomerId(i); }
};

class ReadStreamClient : public Client {
 public:
  ReadStreamClient(const ReadStreamWorkload& workload, int index,
                   std::shared_ptr<grpc::Channel> channel)
      : workload_(workload),
        stub_(v1::Ledger::NewStub(std::move(channel))),
        rng_(workload.config().seed * 104729 + static_cast<uint64_t>(index)),
        customer_(0, workload.config().customers - 1) {}

  grpc::Status Call(uint64_t* events) override {
    v1::ReadStreamRequest request;
    request.set_customer_id(workload_.Customer(customer_(rng_)));
    request.set_limit(kStreamReadLimit);
    grpc::ClientContext context;
    SetDeadline(&context, workload_.config().deadline_ms);
    v1::ReadStreamResponse response;
    grpc::Status status = stub_->ReadStream(&context, request, &response);
    if (status.ok()) *events = static_cast<uint64_t>(response.events_size());
    return status;
  }

 private:
  const ReadStreamWorkload& workload_;
  std::unique_ptr<v1::Ledger::Stub> stub_;
  std::mt19937_64 rng_;
  std::uniform_int_distribution<int> customer_;
};

std::unique_ptr<Client> ReadStreamWorkload::NewClient(int index) {
  return std::make_unique<ReadStreamClient>(*this, index, ChannelFor(index));
}

// health: grpc.health.v1.Health/Check of the whole server (service ""),
// through a generic stub since only the ledger stubs are linked.
class HealthClient : public Client {
 public:
  HealthClient(std::shared_ptr<grpc::Channel> channel, int deadline_ms)
      : stub_(std::move(channel)), deadline_ms_(deadline_ms) {}
  ~HealthClient() override {
    cq_.Shutdown();
    void* tag = nullptr;
    bool ok = false;
    while (cq_.Next(&tag, &ok)) {
    }
  }

  grpc::Status Call(uint64_t* events) override {
    // An empty HealthCheckRequest (service "") serializes to zero bytes.
    grpc::Slice empty;
    grpc::ByteBuffer request(&empty, 1);
    grpc::ByteBuffer response;
    grpc::Status status;
    grpc::ClientContext context;
    SetDeadline(&context, deadline_ms_);
    auto call =
        stub_.PrepareUnaryCall(&context, kHealthCheckMethod, request, &cq_);
    call->StartCall();
    call->Finish(&response, &status, this);
    void* tag = nullptr;
    bool ok = false;
    if (!cq_.Next(&tag, &ok) || tag != this) {
      return grpc::Status(grpc::StatusCode::INTERNAL,
                          "completion queue returned an unexpected tag");
    }
    if (!status.ok()) return status;
    // HealthCheckResponse{status: SERVING} is field 1, varint 1.
    std::vector<grpc::Slice> slices;
    std::string bytes;
    if (response.Dump(&slices).ok()) {
      for (const grpc::Slice& s : slices) {
        bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
      }
    }
    if (bytes != std::string("\x08\x01", 2)) {
      return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
                          "health check answered, but not SERVING");
    }
    *events = 0;
    return status;
  }

 private:
  grpc::GenericStub stub_;
  grpc::CompletionQueue cq_;
  const int deadline_ms_;
};

class HealthWorkload : public WorkloadBase {
 public:
  using WorkloadBase::WorkloadBase;
  bool Prepare(std::string*) override { return true; }
  std::string Describe() const override {
    return "grpc.health.v1.Health/Check of service \"\"";
  }
  std::unique_ptr<Client> NewClient(int index) override {
    return std::make_unique<HealthClient>(ChannelFor(index),
                                          config_.deadline_ms);
  }
};

// info: Ledger/GetInfo, a trivial RPC of our own service through the same
// generated stub as the other workloads (the health check's counterpart).
class InfoClient : public Client {
 public:
  InfoClient(std::shared_ptr<grpc::Channel> channel, int deadline_ms)
      : stub_(v1::Ledger::NewStub(std::move(channel))),
        deadline_ms_(deadline_ms) {}

  grpc::Status Call(uint64_t* events) override {
    grpc::ClientContext context;
    SetDeadline(&context, deadline_ms_);
    v1::GetInfoResponse response;
    *events = 0;
    return stub_->GetInfo(&context, v1::GetInfoRequest(), &response);
  }

 private:
  std::unique_ptr<v1::Ledger::Stub> stub_;
  const int deadline_ms_;
};

class InfoWorkload : public WorkloadBase {
 public:
  using WorkloadBase::WorkloadBase;
  bool Prepare(std::string*) override { return true; }
  std::string Describe() const override { return "ledger.v1.Ledger/GetInfo"; }
  std::unique_ptr<Client> NewClient(int index) override {
    return std::make_unique<InfoClient>(ChannelFor(index), config_.deadline_ms);
  }
};

}  // namespace

std::vector<std::shared_ptr<grpc::Channel>> MakeChannels(
    const std::string& address, int count,
    const client::ConnectionOptions& connection) {
  std::vector<std::shared_ptr<grpc::Channel>> channels;
  for (int i = 0; i < count; ++i) {
    grpc::ChannelArguments args;
    // Channels with different arguments never share a subchannel, so each
    // gets its own TCP connection.
    args.SetInt("ledger.bench.channel", i);
    args.SetMaxReceiveMessageSize(64 << 20);
    channels.push_back(client::NewChannel(address, connection, args));
  }
  return channels;
}

std::unique_ptr<Workload> NewWorkload(
    const BenchConfig& config,
    std::vector<std::shared_ptr<grpc::Channel>> channels, std::string* error) {
  if (config.workload == "append") {
    return std::make_unique<AppendWorkload>(config, std::move(channels));
  }
  if (config.workload == "read-stream") {
    return std::make_unique<ReadStreamWorkload>(config, std::move(channels));
  }
  if (config.workload == "health") {
    return std::make_unique<HealthWorkload>(config, std::move(channels));
  }
  if (config.workload == "info") {
    return std::make_unique<InfoWorkload>(config, std::move(channels));
  }
  if (IsQueryWorkload(config.workload)) {
    return NewQueryWorkload(config, std::move(channels));
  }
  *error =
      "unknown workload \"" + config.workload +
      "\"; use append, read-stream, health, info, get-profile, timeline or "
      "search";
  return nullptr;
}

grpc::Status ReadServerCounters(const std::shared_ptr<grpc::Channel>& channel,
                                int deadline_ms, ServerCounters* out) {
  auto stub = v1::Ledger::NewStub(channel);
  grpc::ClientContext context;
  SetDeadline(&context, deadline_ms);
  v1::GetInfoResponse info;
  grpc::Status status = stub->GetInfo(&context, v1::GetInfoRequest(), &info);
  if (!status.ok()) return status;
  out->valid = true;
  out->sync_writes = info.sync_writes();
  out->commit_groups = info.commit_groups();
  out->committed_appends = info.committed_appends();
  out->committed_events = info.committed_events();
  return status;
}

}  // namespace ledger::bench
