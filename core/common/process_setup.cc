#include "core/common/process_setup.h"

#include <malloc.h>

#include <cstdlib>

#include "glog/logging.h"

namespace simclr::core {

bool ConfigureMalloc() {
  constexpr int kTrimThresholdBytes = 1 << 30;
  const bool mmap_off = mallopt(M_MMAP_MAX, 0) == 1;
  const bool trim_raised = mallopt(M_TRIM_THRESHOLD, kTrimThresholdBytes) == 1;
  return mmap_off && trim_raised;
}

void InitLogging(const char* argv0) {
  // glog has already read GLOG_* into its flags; only fill the gap.
  if (std::getenv("GLOG_logtostderr") == nullptr &&
      std::getenv("GLOG_log_dir") == nullptr) {
    FLAGS_logtostderr = true;
  }
  google::InitGoogleLogging(argv0);
}

}  // namespace simclr::core
