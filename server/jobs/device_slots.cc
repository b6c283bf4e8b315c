#include "server/jobs/device_slots.h"

#include <set>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace simclr::server {

absl::StatusOr<DeviceSlots> DeviceSlots::Parse(const std::string& text) {
  if (text.size() > 1024) return absl::InvalidArgumentError("--devices: at most 1024 chars");
  DeviceSlots slots;
  std::set<std::string> gpus;
  for (absl::string_view item : absl::StrSplit(text, ',')) {
    const std::string name(item);
    int n = 0;
    if (name == "cpu") {
      slots.slots_.push_back({"cpu", ""});
    } else if (absl::StartsWith(name, "cpu:") && absl::SimpleAtoi(name.substr(4), &n) &&
               n >= 1 && n <= kMaxDeviceSlots) {
      for (int i = 0; i < n; ++i) slots.slots_.push_back({"cpu", ""});
    } else if (absl::StartsWith(name, "cuda:") && absl::SimpleAtoi(name.substr(5), &n) &&
               n >= 0 && n < 1024 && name.substr(5) == std::to_string(n)) {
      if (!gpus.insert(name).second) {
        return absl::InvalidArgumentError(absl::StrCat("--devices: ", name, " is listed twice"));
      }
      slots.slots_.push_back({name, ""});
    } else {
      return absl::InvalidArgumentError(absl::StrCat(
          "--devices: '", name.substr(0, 32),
          "' is not cpu, cpu:N (N slots, 1-64) or cuda:K (a GPU)"));
    }
    if (slots.size() > kMaxDeviceSlots) {
      return absl::InvalidArgumentError(
          absl::StrCat("--devices: more than ", kMaxDeviceSlots, " slots"));
    }
  }
  return slots;
}

DeviceSlots DeviceSlots::Uniform(const std::string& device, int count) {
  DeviceSlots slots;
  for (int i = 0; i < count; ++i) slots.slots_.push_back({device, ""});
  return slots;
}

bool DeviceSlots::Allows(const std::string& requested, const std::string& slot) {
  if (requested.empty() || requested == slot) return true;
  if (requested == "cuda") return absl::StartsWith(slot, "cuda");
  // A bare "cuda" slot (from --device cuda) serves cuda:0.
  return requested == "cuda:0" && slot == "cuda";
}

int DeviceSlots::Matching(const std::string& device) const {
  int n = 0;
  for (const Slot& s : slots_) n += Allows(device, s.device) ? 1 : 0;
  return n;
}

int DeviceSlots::CpuSlots() const { return Matching("cpu"); }

std::optional<std::vector<std::string>> DeviceSlots::Reserve(const std::string& job_id,
                                                             const std::string& device,
                                                             int ranks) {
  std::vector<size_t> chosen;
  for (size_t i = 0; i < slots_.size() && static_cast<int>(chosen.size()) < ranks; ++i) {
    if (slots_[i].holder.empty() && Allows(device, slots_[i].device)) chosen.push_back(i);
  }
  if (static_cast<int>(chosen.size()) < ranks) return std::nullopt;
  std::vector<std::string> devices;
  for (const size_t i : chosen) {
    slots_[i].holder = job_id;
    devices.push_back(slots_[i].device);
  }
  return devices;
}

void DeviceSlots::Release(const std::string& job_id) {
  for (Slot& s : slots_) {
    if (s.holder == job_id) s.holder.clear();
  }
}

std::string DeviceSlots::Describe() const {
  std::map<std::string, int> counts;
  std::vector<std::string> order;
  for (const Slot& s : slots_) {
    if (counts[s.device]++ == 0) order.push_back(s.device);
  }
  std::vector<std::string> parts;
  for (const auto& d : order) {
    parts.push_back(counts[d] > 1 ? absl::StrCat(d, " ×", counts[d]) : d);
  }
  return absl::StrJoin(parts, ", ");
}

}  // namespace simclr::server
