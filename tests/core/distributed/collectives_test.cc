// The collectives of data-parallel SimCLR, with two Gloo ranks as threads
// of this process meeting on loopback: the all-gather's gradient, SyncBN
// against one BatchNorm over the whole batch, and the NT-Xent shards
// against the whole loss.
#include <functional>
#include <thread>
#include <vector>

#include "core/distributed/gather.h"
#include "core/distributed/gradient_sync.h"
#include "core/common/rank_env.h"
#include "core/distributed/rank_group.h"
#include "core/distributed/sync_batch_norm.h"
#include "core/train/nt_xent.h"
#include "gtest/gtest.h"
#include "core/common/loopback_port.h"
#include "torch/torch.h"

namespace simclr::core {
namespace {

constexpr int kWorld = 2;

// Runs body(group) on kWorld threads, one rank each.
void RunRanks(const std::function<void(RankGroup&)>& body) {
  const int port = core::FreeLoopbackPort();
  ASSERT_GT(port, 0);
  std::vector<std::thread> threads;
  for (int rank = 0; rank < kWorld; ++rank) {
    threads.emplace_back([&, rank] {
      RankEnv env;
      env.rank = rank;
      env.world_size = kWorld;
      env.master_addr = "127.0.0.1";
      env.master_port = port;
      RankTimeouts timeouts{std::chrono::seconds(20), std::chrono::seconds(20)};
      auto group = RankGroup::Join(env, c10::Device(c10::kCPU), timeouts);
      ASSERT_TRUE(group.ok()) << group.status();
      body(**group);
    });
  }
  for (auto& t : threads) t.join();
}

// Rows of rank r: a fixed slice of `all`.
at::Tensor Shard(const at::Tensor& all, int rank) {
  const int64_t n = all.size(0) / kWorld;
  return all.slice(0, rank * n, (rank + 1) * n);
}

TEST(GatherWithGradientTest, BackwardSumsEveryRanksGradient) {
  torch::manual_seed(1);
  const at::Tensor x = torch::randn({6, 3});
  const at::Tensor weights = torch::randn({kWorld, 6, 3});
  std::vector<at::Tensor> grads(kWorld);
  RunRanks([&](RankGroup& group) {
    const int r = group.rank();
    at::Tensor local = Shard(x, r).clone().requires_grad_(true);
    const at::Tensor all = GatherWithGradient(local, group);
    EXPECT_TRUE(torch::equal(all, x));
    (all * weights[r]).sum().backward();
    grads[r] = local.grad().clone();
  });
  // d(sum over ranks of loss_r)/d(rows of r) = sum of the ranks' weights.
  const at::Tensor expected = weights.sum(0);
  for (int r = 0; r < kWorld; ++r) {
    EXPECT_TRUE(torch::allclose(grads[r], Shard(expected, r), 1e-6, 1e-6)) << r;
  }
}

TEST(SyncBatchNormTest, EqualsOneBatchNormOverTheGlobalBatch) {
  torch::manual_seed(2);
  const at::Tensor x = torch::randn({8, 3, 4, 4}) * 3 + 1;
  const at::Tensor upstream = torch::randn({8, 3, 4, 4});
  // One process, the whole batch.
  at::Tensor x_all = x.clone().requires_grad_(true);
  at::Tensor weight = torch::rand({3}).add_(0.5).requires_grad_(true);
  at::Tensor bias = torch::randn({3}).requires_grad_(true);
  at::Tensor mean = torch::zeros({3}), var = torch::ones({3});
  const at::Tensor y_all =
      torch::batch_norm(x_all, weight, bias, mean, var, true, 0.1, 1e-5, false);
  (y_all * upstream).sum().backward();

  std::vector<at::Tensor> outputs(kWorld), input_grads(kWorld), weight_grads(kWorld),
      running_means(kWorld), running_vars(kWorld);
  RunRanks([&](RankGroup& group) {
    const int r = group.rank();
    SetSyncBatchNormGroup(&group);
    at::Tensor local = Shard(x, r).clone().requires_grad_(true);
    at::Tensor w = weight.detach().clone().requires_grad_(true);
    at::Tensor b = bias.detach().clone().requires_grad_(true);
    at::Tensor m = torch::zeros({3}), v = torch::ones({3});
    const at::Tensor y = SyncBatchNorm(local, w, b, m, v, true, 0.1, 1e-5);
    (y * Shard(upstream, r)).sum().backward();
    SetSyncBatchNormGroup(nullptr);
    outputs[r] = y.detach();
    input_grads[r] = local.grad();
    weight_grads[r] = w.grad();
    running_means[r] = m;
    running_vars[r] = v;
  });
  for (int r = 0; r < kWorld; ++r) {
    EXPECT_TRUE(torch::allclose(outputs[r], Shard(y_all.detach(), r), 1e-5, 1e-5)) << r;
    EXPECT_TRUE(torch::allclose(input_grads[r], Shard(x_all.grad(), r), 1e-5, 1e-5)) << r;
    EXPECT_TRUE(torch::allclose(running_means[r], mean, 1e-6, 1e-6)) << r;
    EXPECT_TRUE(torch::allclose(running_vars[r], var, 1e-5, 1e-5)) << r;
  }
  // Each rank holds its part of the parameter gradient; their sum is the
  // whole (AverageGradients then divides by the world, as the loss does).
  EXPECT_TRUE(torch::allclose(weight_grads[0] + weight_grads[1], weight.grad(), 1e-4, 1e-5));
}

TEST(NtXentShardTest, ShardsAverageToTheWholeLossAndGradient) {
  torch::manual_seed(3);
  const at::Tensor z1 = torch::randn({8, 5}), z2 = torch::randn({8, 5});
  at::Tensor a1 = z1.clone().requires_grad_(true), a2 = z2.clone().requires_grad_(true);
  auto whole = NtXentLoss(a1, a2, 0.5);
  ASSERT_TRUE(whole.ok());
  whole->loss.backward();
  at::Tensor b1 = z1.clone().requires_grad_(true), b2 = z2.clone().requires_grad_(true);
  double loss_sum = 0;
  at::Tensor total;
  for (int r = 0; r < kWorld; ++r) {
    auto part = NtXentLossForAnchors(b1, b2, r * 4, 4, 0.5);
    ASSERT_TRUE(part.ok());
    loss_sum += part->loss.item<double>();
    total = total.defined() ? total + part->loss : part->loss;
  }
  (total / kWorld).backward();
  EXPECT_NEAR(loss_sum / kWorld, whole->loss.item<double>(), 1e-6);
  EXPECT_TRUE(torch::allclose(b1.grad(), a1.grad(), 1e-6, 1e-6));
  EXPECT_TRUE(torch::allclose(b2.grad(), a2.grad(), 1e-6, 1e-6));
}

TEST(NtXentShardTest, RefusesAnchorsOutsideTheRows) {
  const at::Tensor z = torch::randn({4, 3});
  EXPECT_FALSE(NtXentLossForAnchors(z, z, 2, 3, 0.5).ok());
  EXPECT_FALSE(NtXentLossForAnchors(z, z, -1, 1, 0.5).ok());
}

TEST(GradientSyncTest, AveragesGradientsAndSumsTheExtras) {
  std::vector<at::Tensor> grads(kWorld);
  std::vector<std::vector<double>> sums(kWorld);
  RunRanks([&](RankGroup& group) {
    const int r = group.rank();
    at::Tensor p = torch::zeros({3}).requires_grad_(true);
    at::Tensor frozen = torch::zeros({2});  // no gradient: skipped
    (p * static_cast<float>(r + 1)).sum().backward();
    std::vector<double> extra{1.5 * (r + 1), r == 1 ? 1.0 : 0.0};
    AverageGradients({p, frozen}, group, extra);
    grads[r] = p.grad().clone();
    sums[r] = extra;
  });
  for (int r = 0; r < kWorld; ++r) {
    EXPECT_TRUE(torch::allclose(grads[r], torch::full({3}, 1.5)));
    EXPECT_DOUBLE_EQ(sums[r][0], 4.5);
    EXPECT_DOUBLE_EQ(sums[r][1], 1.0);
  }
}

TEST(RankGroupTest, BroadcastGivesEveryRankTheChiefsValues) {
  std::vector<at::Tensor> seen(kWorld);
  RunRanks([&](RankGroup& group) {
    at::Tensor a = torch::full({2, 2}, static_cast<float>(group.rank() + 7));
    at::Tensor b = torch::full({3}, group.rank() + 1, torch::kLong);
    BroadcastFromChief({a, b}, group);
    seen[group.rank()] = torch::cat({a.reshape({-1}), b.to(torch::kFloat)});
  });
  EXPECT_TRUE(torch::equal(seen[0], seen[1]));
  EXPECT_FLOAT_EQ(seen[1][0].item<float>(), 7.0f);
  EXPECT_FLOAT_EQ(seen[1][4].item<float>(), 1.0f);
}

TEST(RankGroupTest, ARankThatNeverArrivesTimesOutNamingTheMaster) {
  RankEnv env;
  env.rank = 0;
  env.world_size = 2;
  env.master_addr = "127.0.0.1";
  env.master_port = core::FreeLoopbackPort();
  auto group = RankGroup::Join(env, c10::Device(c10::kCPU),
                               {std::chrono::seconds(1), std::chrono::seconds(1)});
  ASSERT_FALSE(group.ok());
  EXPECT_EQ(group.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(group.status().message().find("127.0.0.1:"), std::string::npos);
}

}  // namespace
}  // namespace simclr::core
