#include "core/worker/rank_setup.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "glog/logging.h"

namespace simclr::core {

absl::Status CheckRanks(const v1::JobSpec& spec, const RankEnv& env) {
  const int wanted = spec.has_num_ranks() ? spec.num_ranks() : env.world_size;
  if (wanted == env.world_size) return absl::OkStatus();
  if (!env.distributed()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "num_ranks: ", wanted, " ranks need one worker each, started with RANK, WORLD_SIZE, "
        "MASTER_ADDR and MASTER_PORT set (simclrd, torchrun or a PyTorchJob does this; see "
        "docs/distributed.md)"));
  }
  return absl::InvalidArgumentError(absl::StrCat("num_ranks: the spec asks for ", wanted,
                                                 " ranks but WORLD_SIZE is ", env.world_size));
}

c10::Device RankDevice(c10::Device device, const RankEnv& env) {
  if (device.is_cuda() && !device.has_index() && env.distributed()) {
    return c10::Device(c10::kCUDA, static_cast<c10::DeviceIndex>(env.local_rank));
  }
  return device;
}

void RankSink::Emit(v1::JobEvent event) {
  const int rank = rank_.load();
  if (rank == 0 || event.has_failure()) {
    out_.Emit(std::move(event));
  } else if (event.has_log()) {
    LOG(INFO) << "rank " << rank << ": " << event.log().message();
  }
}

}  // namespace simclr::core
