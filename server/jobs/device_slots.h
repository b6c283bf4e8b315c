// The server's device slots (--devices) and which job holds which.
//
// "cpu:2" is two CPU slots, "cuda:0,cuda:1" two GPU slots; a list may mix
// them ("cpu:2,cuda:0"). A job takes one slot per rank (JobSpec.num_ranks)
// that its device allows: "" any slot, "cpu" a CPU slot, "cuda" any GPU
// slot, "cuda:N" that GPU. Slots are never shared, so a job never
// oversubscribes them. Not thread-safe: JobManager calls it under its lock.
#ifndef SIMCLR_SERVER_JOBS_DEVICE_SLOTS_H_
#define SIMCLR_SERVER_JOBS_DEVICE_SLOTS_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace simclr::server {

inline constexpr int kMaxDeviceSlots = 64;

class DeviceSlots {
 public:
  // Parses --devices. INVALID_ARGUMENT for anything but a comma-separated
  // list of "cpu", "cpu:N" (N in [1, 64]) and "cuda:K", for a GPU slot
  // named twice, or for more than 64 slots.
  static absl::StatusOr<DeviceSlots> Parse(const std::string& text);
  // `count` slots of one device (the default: --max_concurrent_jobs of
  // --device).
  static DeviceSlots Uniform(const std::string& device, int count);

  int size() const { return static_cast<int>(slots_.size()); }
  // Slots a job on `device` may use, free or not.
  int Matching(const std::string& device) const;
  // CPU slots: they share the machine's cores.
  int CpuSlots() const;
  // Reserves `ranks` free slots for `job_id`, lowest first; nullopt when
  // too few are free. Returns their device names, rank order.
  std::optional<std::vector<std::string>> Reserve(const std::string& job_id,
                                                  const std::string& device, int ranks);
  void Release(const std::string& job_id);
  // "cpu ×2, cuda:0", for logs.
  std::string Describe() const;

 private:
  struct Slot {
    std::string device;  // "cpu" or "cuda:K"
    std::string holder;  // job id, or "" when free
  };
  static bool Allows(const std::string& requested, const std::string& slot);
  std::vector<Slot> slots_;
};

}  // namespace simclr::server

#endif  // SIMCLR_SERVER_JOBS_DEVICE_SLOTS_H_
