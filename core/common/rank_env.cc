#include "core/common/rank_env.h"

#include <cstdlib>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace simclr::core {
namespace {

// An integer variable in [low, high]; `fallback` when unset.
absl::StatusOr<int> ReadInt(const EnvLookup& lookup, const std::string& name, int low,
                            int high, int fallback) {
  const std::optional<std::string> text = lookup(name);
  if (!text.has_value() || text->empty()) return fallback;
  int value = 0;
  if (!absl::SimpleAtoi(*text, &value) || value < low || value > high) {
    return absl::InvalidArgumentError(absl::StrCat(
        name, "=", text->substr(0, 32), ": must be an integer in [", low, ", ", high, "]"));
  }
  return value;
}

}  // namespace

absl::StatusOr<RankEnv> ReadRankEnv(const EnvLookup& lookup) {
  RankEnv env;
  auto world = ReadInt(lookup, "WORLD_SIZE", 1, kMaxRanks, 1);
  if (!world.ok()) return world.status();
  env.world_size = *world;
  auto rank = ReadInt(lookup, "RANK", 0, env.world_size - 1, 0);
  if (!rank.ok()) return rank.status();
  env.rank = *rank;
  auto local = ReadInt(lookup, "LOCAL_RANK", 0, kMaxRanks - 1, 0);
  if (!local.ok()) return local.status();
  env.local_rank = *local;
  if (!env.distributed()) return env;
  const std::optional<std::string> addr = lookup("MASTER_ADDR");
  if (!addr.has_value() || addr->empty() || addr->size() > 253) {
    return absl::InvalidArgumentError(absl::StrCat(
        "MASTER_ADDR: WORLD_SIZE=", env.world_size,
        " needs the address of rank 0 (a host name or IP, at most 253 chars)"));
  }
  env.master_addr = *addr;
  auto port = ReadInt(lookup, "MASTER_PORT", 1, 65535, 29500);
  if (!port.ok()) return port.status();
  env.master_port = *port;
  return env;
}

absl::StatusOr<RankEnv> ReadRankEnvFromProcess() {
  return ReadRankEnv([](const std::string& name) -> std::optional<std::string> {
    const char* value = std::getenv(name.c_str());
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  });
}

std::vector<std::pair<std::string, std::string>> RankEnvVariables(
    int rank, int world_size, const std::string& master_addr, int master_port) {
  return {{"RANK", std::to_string(rank)},
          {"WORLD_SIZE", std::to_string(world_size)},
          {"LOCAL_RANK", std::to_string(rank)},
          {"MASTER_ADDR", master_addr},
          {"MASTER_PORT", std::to_string(master_port)}};
}

}  // namespace simclr::core
