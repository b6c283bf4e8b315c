#include "core/distributed/rank_group.h"

#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "core/runtime/torch_status.h"
#include "glog/logging.h"
#include "torch/csrc/distributed/c10d/ProcessGroupGloo.hpp"
#include "torch/csrc/distributed/c10d/TCPStore.hpp"
#include "torch/torch.h"
#include "torch/version.h"
#if defined(USE_C10D_NCCL)
#include "torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp"
#endif

namespace simclr::core {
namespace {

// LibTorch 2 split the collective implementations (Backend) from the
// ProcessGroup front; both expose the same calls used here.
#if TORCH_VERSION_MAJOR >= 2
using Collectives = c10d::Backend;
#else
using Collectives = c10d::ProcessGroup;
#endif

bool IsLoopback(const std::string& addr) {
  return addr == "localhost" || addr == "::1" || addr.rfind("127.", 0) == 0;
}

// The network device Gloo sends from: GLOO_SOCKET_IFNAME as torchrun
// honours it, loopback for a loopback master, else this host's name.
std::shared_ptr<::gloo::transport::Device> GlooDevice(const std::string& master_addr) {
  if (const char* interface = std::getenv("GLOO_SOCKET_IFNAME");
      interface != nullptr && *interface != '\0') {
    return c10d::ProcessGroupGloo::createDeviceForInterface(interface);
  }
  if (IsLoopback(master_addr)) {
    return c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1");
  }
  return c10d::ProcessGroupGloo::createDefaultDevice();
}

// Every rank counts itself in, then waits for the rest: the rendezvous
// timeout bounds the wait (the process group's own connect would wait for
// the collective timeout).
void AwaitArrivals(c10d::Store& store, int world_size, std::chrono::milliseconds timeout) {
  constexpr char kArrived[] = "simclr/arrived";
  int64_t arrived = store.add(kArrived, 1);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (arrived < world_size) {
    TORCH_CHECK(std::chrono::steady_clock::now() < deadline, arrived, " of ", world_size,
                " ranks arrived");
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    arrived = store.add(kArrived, 0);
  }
}

}  // namespace

struct RankGroup::Impl {
  c10::intrusive_ptr<c10d::Store> store;
  c10::intrusive_ptr<Collectives> collectives;
  // Gloo on a CUDA job without NCCL: tensors go through host memory.
  bool stage_on_host = false;
};

RankGroup::RankGroup(int rank, int world_size, std::unique_ptr<Impl> impl)
    : rank_(rank), world_size_(world_size), impl_(std::move(impl)) {}

RankGroup::~RankGroup() = default;

absl::StatusOr<std::unique_ptr<RankGroup>> RankGroup::Join(const RankEnv& env,
                                                           c10::Device device,
                                                           const RankTimeouts& timeouts) {
  auto impl = std::make_unique<Impl>();
  std::string backend = "gloo";
  const std::string where = absl::StrCat(env.master_addr, ":", env.master_port);
  absl::Status joined = CallTorch("rendezvous", [&] {
    c10d::TCPStoreOptions options;
    options.port = static_cast<std::uint16_t>(env.master_port);
    options.isServer = env.is_chief();
    options.numWorkers = static_cast<size_t>(env.world_size);
    options.waitWorkers = false;  // AwaitArrivals, bounded by the rendezvous timeout
    options.timeout = timeouts.rendezvous;
    impl->store = c10::make_intrusive<c10d::TCPStore>(env.master_addr, options);
    AwaitArrivals(*impl->store, env.world_size, timeouts.rendezvous);
#if defined(USE_C10D_NCCL)
    if (device.is_cuda()) {
      auto nccl = c10d::ProcessGroupNCCL::Options::create();
      nccl->timeout = timeouts.collective;
      impl->collectives = c10::make_intrusive<c10d::ProcessGroupNCCL>(
          impl->store, env.rank, env.world_size, nccl);
      backend = "nccl";
      return;
    }
#endif
    auto gloo = c10d::ProcessGroupGloo::Options::create(timeouts.collective);
    gloo->devices.push_back(GlooDevice(env.master_addr));
    impl->collectives = c10::make_intrusive<c10d::ProcessGroupGloo>(
        impl->store, env.rank, env.world_size, gloo);
    impl->stage_on_host = device.is_cuda();
  });
  if (!joined.ok()) {
    return absl::UnavailableError(absl::StrCat(
        "rank ", env.rank, " of ", env.world_size, " could not meet the others at ", where,
        " within ", timeouts.rendezvous.count() / 1000, " s: ", joined.message()));
  }
  std::unique_ptr<RankGroup> group(new RankGroup(env.rank, env.world_size, std::move(impl)));
  group->backend_ = backend;
  return group;
}

template <typename Body>
void RankGroup::Run(const char* what, Body body) {
  const auto start = std::chrono::steady_clock::now();
  try {
    body();
  } catch (const std::exception& e) {
    lost_peer_.store(true);
    TORCH_CHECK(false, "rank ", rank_, " of ", world_size_, ": ", what,
                " failed (a peer rank died or stopped answering): ", e.what());
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  communication_seconds_.store(communication_seconds_.load() + seconds);
}

void RankGroup::AllReduceSum(at::Tensor& tensor) {
  Run("all-reduce", [&] {
    std::vector<at::Tensor> tensors{impl_->stage_on_host ? tensor.cpu() : tensor};
    impl_->collectives->allreduce(tensors)->wait();
    if (impl_->stage_on_host) tensor.copy_(tensors[0]);
  });
}

void RankGroup::Broadcast(at::Tensor& tensor) {
  Run("broadcast", [&] {
    std::vector<at::Tensor> tensors{impl_->stage_on_host ? tensor.cpu() : tensor.contiguous()};
    impl_->collectives->broadcast(tensors)->wait();
    if (impl_->stage_on_host || !tensor.is_contiguous()) tensor.copy_(tensors[0]);
  });
}

at::Tensor RankGroup::AllGather(const at::Tensor& local) {
  at::Tensor gathered;
  Run("all-gather", [&] {
    std::vector<at::Tensor> input{impl_->stage_on_host ? local.cpu() : local.contiguous()};
    std::vector<std::vector<at::Tensor>> output(1);
    for (int r = 0; r < world_size_; ++r) output[0].push_back(torch::empty_like(input[0]));
    impl_->collectives->allgather(output, input)->wait();
    gathered = torch::cat(output[0], 0).to(local.device());
  });
  return gathered;
}

bool IsChief(const RankGroup* ranks) { return ranks == nullptr || ranks->is_chief(); }
int WorldSize(const RankGroup* ranks) { return ranks == nullptr ? 1 : ranks->world_size(); }
int RankOf(const RankGroup* ranks) { return ranks == nullptr ? 0 : ranks->rank(); }

double RankGroup::TakeCommunicationSeconds() {
  return communication_seconds_.exchange(0);
}

}  // namespace simclr::core
