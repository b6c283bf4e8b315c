// Where this process stands among the ranks of a job, read from the
// torchrun environment contract that torchrun and Kubeflow's PyTorchJob
// set: RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR, MASTER_PORT. With no
// WORLD_SIZE (or WORLD_SIZE=1) the process is the only rank.
//
// Torch-free, so that simclrd (which sets these for its ranks) and tests
// share the names without the engine.
#ifndef SIMCLR_CORE_COMMON_RANK_ENV_H_
#define SIMCLR_CORE_COMMON_RANK_ENV_H_

#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace simclr::core {

inline constexpr int kMaxRanks = 64;

struct RankEnv {
  int rank = 0;
  int world_size = 1;
  int local_rank = 0;
  std::string master_addr;  // set when world_size > 1
  int master_port = 0;      // set when world_size > 1
  bool distributed() const { return world_size > 1; }
  bool is_chief() const { return rank == 0; }
};

// Reads the variables through `lookup` (getenv in the worker).
// INVALID_ARGUMENT naming the variable for a malformed or inconsistent
// value: RANK outside [0, WORLD_SIZE), WORLD_SIZE outside [1, 64], a port
// outside [1, 65535], or no MASTER_ADDR with several ranks.
using EnvLookup = std::function<std::optional<std::string>(const std::string&)>;
absl::StatusOr<RankEnv> ReadRankEnv(const EnvLookup& lookup);
absl::StatusOr<RankEnv> ReadRankEnvFromProcess();

// The variables that make a process rank `rank` of `world_size`, meeting
// at addr:port: what a launcher (simclrd, a test) adds to the environment.
std::vector<std::pair<std::string, std::string>> RankEnvVariables(
    int rank, int world_size, const std::string& master_addr, int master_port);

}  // namespace simclr::core

#endif  // SIMCLR_CORE_COMMON_RANK_ENV_H_
