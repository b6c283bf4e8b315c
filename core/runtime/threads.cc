#include "core/runtime/threads.h"

#include <thread>

#include "ATen/Parallel.h"
#include "absl/strings/str_cat.h"
#include "core/runtime/torch_status.h"

namespace simclr::core {

absl::Status ConfigureTorchThreads(int intra_op) {
  if (intra_op < 0 || intra_op > 1024) {
    return absl::InvalidArgumentError(
        absl::StrCat("intra-op threads ", intra_op, ": must be in [0, 1024]"));
  }
  const int threads = intra_op > 0
                          ? intra_op
                          : std::max(1u, std::thread::hardware_concurrency());
  return CallTorch("set intra-op threads",
                   [threads] { at::set_num_threads(threads); });
}

int TorchIntraOpThreads() { return at::get_num_threads(); }

}  // namespace simclr::core
