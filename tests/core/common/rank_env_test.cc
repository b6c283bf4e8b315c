#include "core/common/rank_env.h"

#include <map>

#include "gtest/gtest.h"

namespace simclr::core {
namespace {

EnvLookup From(std::map<std::string, std::string> values) {
  return [values](const std::string& name) -> std::optional<std::string> {
    auto it = values.find(name);
    if (it == values.end()) return std::nullopt;
    return it->second;
  };
}

TEST(RankEnvTest, NoVariablesIsASingleRank) {
  auto env = ReadRankEnv(From({}));
  ASSERT_TRUE(env.ok());
  EXPECT_FALSE(env->distributed());
  EXPECT_TRUE(env->is_chief());
}

TEST(RankEnvTest, ReadsTheTorchrunContract) {
  auto env = ReadRankEnv(From({{"RANK", "3"}, {"WORLD_SIZE", "4"}, {"LOCAL_RANK", "1"},
                               {"MASTER_ADDR", "trainer-0"}, {"MASTER_PORT", "23456"}}));
  ASSERT_TRUE(env.ok()) << env.status();
  EXPECT_EQ(env->rank, 3);
  EXPECT_EQ(env->world_size, 4);
  EXPECT_EQ(env->local_rank, 1);
  EXPECT_EQ(env->master_addr, "trainer-0");
  EXPECT_EQ(env->master_port, 23456);
  EXPECT_FALSE(env->is_chief());
}

TEST(RankEnvTest, RefusesInconsistentValuesNamingTheVariable) {
  const std::map<std::string, std::string> good{
      {"RANK", "0"}, {"WORLD_SIZE", "2"}, {"MASTER_ADDR", "127.0.0.1"}, {"MASTER_PORT", "29500"}};
  struct Case {
    std::string name, value, field;
  };
  for (const Case& c : std::vector<Case>{{"RANK", "2", "RANK"},
                                         {"RANK", "-1", "RANK"},
                                         {"WORLD_SIZE", "65", "WORLD_SIZE"},
                                         {"WORLD_SIZE", "two", "WORLD_SIZE"},
                                         {"MASTER_PORT", "70000", "MASTER_PORT"},
                                         {"MASTER_ADDR", "", "MASTER_ADDR"},
                                         {"LOCAL_RANK", "99", "LOCAL_RANK"}}) {
    auto values = good;
    values[c.name] = c.value;
    auto env = ReadRankEnv(From(values));
    ASSERT_FALSE(env.ok()) << c.name << "=" << c.value;
    EXPECT_EQ(env.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(env.status().message().rfind(c.field, 0), 0u) << env.status();
  }
}

TEST(RankEnvTest, LauncherVariablesReadBack) {
  std::map<std::string, std::string> values;
  for (const auto& [k, v] : RankEnvVariables(1, 2, "127.0.0.1", 4000)) values[k] = v;
  auto env = ReadRankEnv(From(values));
  ASSERT_TRUE(env.ok());
  EXPECT_EQ(env->rank, 1);
  EXPECT_EQ(env->world_size, 2);
  EXPECT_EQ(env->master_port, 4000);
}

}  // namespace
}  // namespace simclr::core
