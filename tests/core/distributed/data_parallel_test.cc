// Data-parallel pretraining with the real simclr-worker: N ranks started
// as the torchrun contract says, on loopback with Gloo.
//
// The equivalence: two ranks of batch B with SyncBN train exactly as one
// rank of batch 2B (the loss of every step and the weights after the
// run), for Adam and for LARS. Then the failures: a rank killed mid-run,
// a rank that never arrives, and a 2-rank run stopped and resumed.
#include <algorithm>
#include <cmath>
#include <signal.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "core/common/event_sink.h"
#include "core/worker/worker_protocol.h"
#include "gtest/gtest.h"
#include "core/common/loopback_port.h"
#include "tests/testing/subprocess.h"
#include "tests/testing/temp_dir.h"
#include "torch/script.h"

namespace simclr {
namespace {

using testing::ChildProcess;
using testing::ProcessResult;

// Adam's default rate; LARS as the official recipe, 0.3 × global batch /
// 256 (so scaling must see 16 images, not a rank's 8). Rates far above the
// recipe's (LARS at 0.5 unscaled) amplify float rounding step by step
// until the runs part at 1e-4 after 3 steps, as any two summation orders
// would.
constexpr char kAdam[] = R"({"kind": "OPTIMIZER_KIND_ADAM", "learning_rate": 0.001})";
constexpr char kLars[] =
    R"({"kind": "OPTIMIZER_KIND_LARS", "learning_rate": 0.3, "scaling": "LEARNING_RATE_SCALING_LINEAR"})";

// 64 training and 16 validation images of Fashion-MNIST; batch_size per
// rank; 2 epochs of 4 global batches of 16.
std::string WriteSpec(const std::string& dir, int num_ranks, int batch_size,
                      const std::string& optimizer, int epochs = 2) {
  const std::string path = absl::StrCat(dir, "/spec-", num_ranks, ".json");
  std::ofstream(path) << absl::StrReplaceAll(
      R"({"seed": 5, "num_ranks": RANKS, "pretrain": {
    "data": {"train": {"local": {"format": "DATASET_FORMAT_IDX",
      "path": "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz",
      "labels_path": "/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz"}},
      "max_examples": 80, "val_fraction": 0.2, "loader_threads": 1, "drop_last": true},
    "encoder": {"builtin": {"arch": "ARCHITECTURE_SMALL_CNN", "width_multiplier": 0.25}},
    "projection_head": {"widths": [32, 16]},
    "batch_size": BATCH, "epochs": EPOCHS, "sync_batch_norm": true,
    "optimizer": OPTIMIZER, "schedule": {"warmup_cosine": {"warmup_epochs": 0.5}},
    "monitor": {"log_every_steps": 1, "knn_every_epochs": 0}}})",
      {{"RANKS", std::to_string(num_ranks)},
       {"BATCH", std::to_string(batch_size)},
       {"EPOCHS", std::to_string(epochs)},
       {"OPTIMIZER", optimizer}});
  return path;
}

struct Rank {
  std::string stdout_path, stderr_path;
  std::unique_ptr<ChildProcess> process;
};

// Starts `world` workers on one job folder; world 1 is a plain worker.
std::vector<Rank> StartRanks(const std::string& spec, const std::string& job_dir, int world,
                             bool resume = false, int start_ranks = -1) {
  const int port = core::FreeLoopbackPort();
  std::vector<Rank> ranks;
  for (int r = 0; r < (start_ranks < 0 ? world : start_ranks); ++r) {
    std::vector<std::string> argv{"/usr/bin/env"};
    if (world > 1) {
      for (const auto& [k, v] : std::map<std::string, std::string>{
               {"RANK", std::to_string(r)}, {"WORLD_SIZE", std::to_string(world)},
               {"LOCAL_RANK", std::to_string(r)}, {"MASTER_ADDR", "127.0.0.1"},
               {"MASTER_PORT", std::to_string(port)}}) {
        argv.push_back(k + "=" + v);
      }
    }
    for (const std::string& arg :
         {std::string(SIMCLR_WORKER_PATH), std::string("--num_threads"), std::string("1"),
          std::string(resume ? "resume" : "run"), std::string("--spec"), spec,
          std::string("--job_dir"), job_dir, std::string("--events"),
          std::string("delimited"), std::string("--rendezvous_timeout_s"), std::string("3"),
          std::string("--collective_timeout_s"), std::string("30")}) {
      argv.push_back(arg);
    }
    Rank rank;
    const std::string stem = absl::StrCat(job_dir, "-rank", r, resume ? "-resume" : "");
    rank.stdout_path = stem + ".events";
    rank.stderr_path = stem + ".log";
    auto process = ChildProcess::Start(argv, rank.stdout_path, rank.stderr_path);
    EXPECT_TRUE(process.ok()) << process.status();
    if (process.ok()) rank.process = std::make_unique<ChildProcess>(*std::move(process));
    ranks.push_back(std::move(rank));
  }
  return ranks;
}

// Waits for every rank; returns their exit codes.
std::vector<int> WaitAll(std::vector<Rank>& ranks) {
  std::vector<int> codes;
  for (Rank& rank : ranks) {
    auto result = rank.process->Wait(absl::Seconds(90));
    EXPECT_TRUE(result.ok()) << result.status();
    codes.push_back(result.ok() ? result->exit_code : -2);
    if (!result.ok() || result->exit_code != 0) {
      std::cerr << testing::ReadFileOrEmpty(rank.stderr_path);
    }
  }
  return codes;
}

std::vector<v1::JobEvent> Events(const Rank& rank) {
  std::istringstream in(testing::ReadFileOrEmpty(rank.stdout_path));
  auto events = core::ReadDelimitedEvents(in);
  EXPECT_TRUE(events.ok()) << events.status();
  return events.ok() ? *events : std::vector<v1::JobEvent>{};
}

// step → loss of the progress events.
std::map<int64_t, double> StepLosses(const std::vector<v1::JobEvent>& events) {
  std::map<int64_t, double> losses;
  for (const auto& e : events) {
    if (e.has_progress()) losses[e.progress().step()] = e.progress().loss();
  }
  return losses;
}

std::map<std::string, at::Tensor> Weights(const std::string& job_dir,
                                          const std::string& checkpoint = "final") {
  torch::jit::Module module =
      torch::jit::load(job_dir + "/checkpoints/" + checkpoint + "/encoder.pt");
  std::map<std::string, at::Tensor> weights;
  for (const auto& p : module.named_parameters()) weights[p.name] = p.value.detach();
  for (const auto& b : module.named_buffers()) weights[b.name] = b.value;
  return weights;
}

struct Difference {
  double max = 0;
  int64_t above_1e5 = 0;  // coordinates off by more than 1e-5
  int64_t count = 0;
};

// How far two runs' weights are apart.
Difference Compare(const std::map<std::string, at::Tensor>& a,
                   const std::map<std::string, at::Tensor>& b) {
  EXPECT_EQ(a.size(), b.size());
  Difference d;
  for (const auto& [name, tensor] : a) {
    auto it = b.find(name);
    if (it == b.end()) {
      ADD_FAILURE() << "missing " << name;
      continue;
    }
    const at::Tensor delta = (tensor.to(torch::kDouble) - it->second.to(torch::kDouble)).abs();
    d.max = std::max(d.max, delta.max().item<double>());
    d.above_1e5 += delta.gt(1e-5).sum().item<int64_t>();
    d.count += delta.numel();
  }
  return d;
}

// Adam divides each coordinate's gradient by its own running magnitude, so
// where a gradient is nearly zero the float rounding of two summation
// orders becomes a visible step: measured, one coordinate of 9,216 at
// 1.0e-5 after 8 steps, every other one below 1.7e-6. Adam may have one
// coordinate in 1,000 above 1e-5 (none above 5e-5), and so may LARS: with
// the first block in channels-last (oneDNN's other kernels for a batch of
// 8 and of 16), LARS gave 9 coordinates above 1e-5, the largest 3.5e-5,
// with every step's loss still within 1e-5; in NCHW it had none.
void ExpectTwoRanksEqualOneOfTwiceTheBatch(const std::string& optimizer,
                                           double outliers_per_coordinate) {
  testing::TempDir dir;
  const std::string one = dir.path() + "/one", two = dir.path() + "/two";
  auto single = StartRanks(WriteSpec(dir.path(), 1, 16, optimizer), one, 1);
  ASSERT_EQ(WaitAll(single), std::vector<int>({0}));
  auto pair = StartRanks(WriteSpec(dir.path(), 2, 8, optimizer), two, 2);
  ASSERT_EQ(WaitAll(pair), std::vector<int>({0, 0}));

  const auto expected = StepLosses(Events(single[0]));
  const auto actual = StepLosses(Events(pair[0]));
  ASSERT_EQ(expected.size(), 8u);
  ASSERT_EQ(actual.size(), expected.size());
  for (const auto& [step, loss] : expected) {
    // Relative to the loss: the sides sum in different orders, so float32
    // rounding parts them (on a Zen 1 EPYC by 1.7e-6 at step 1, with equal
    // weights, and by up to 1.4e-5 at a loss of 3.3 with Adam, no trend);
    // rank 1 taking rank 0's anchors parted them by 8e-3 to 0.16.
    EXPECT_NEAR(actual.at(step), loss, 1e-5 * std::max(1.0, std::abs(loss)))
        << "step " << step;
  }
  const Difference weights = Compare(Weights(one), Weights(two));
  EXPECT_LE(weights.above_1e5, outliers_per_coordinate * weights.count)
      << weights.above_1e5 << " of " << weights.count << ", max " << weights.max;
  EXPECT_LT(weights.max, outliers_per_coordinate > 0 ? 5e-5 : 1e-5);
  EXPECT_GT(weights.count, 10000);
  // The other rank wrote no events and no checkpoints of its own.
  EXPECT_TRUE(Events(pair[1]).empty());
  // The weights moved between epochs: the runs are not equal for want of
  // training.
  EXPECT_GT(Compare(Weights(one, "4"), Weights(one)).max, 1e-3);
}

TEST(DataParallelTest, TwoRanksEqualOneRankOfTwiceTheBatchWithAdam) {
  ExpectTwoRanksEqualOneOfTwiceTheBatch(kAdam, 1e-3);
}

TEST(DataParallelTest, TwoRanksEqualOneRankOfTwiceTheBatchWithLars) {
  ExpectTwoRanksEqualOneOfTwiceTheBatch(kLars, 1e-3);
}

// Polls rank 0's events until a progress event at `step` or later.
bool WaitForStep(const Rank& rank, int64_t step) {
  for (int i = 0; i < 600; ++i) {
    std::istringstream in(testing::ReadFileOrEmpty(rank.stdout_path));
    if (auto events = core::ReadDelimitedEvents(in); events.ok()) {
      for (const auto& e : *events) {
        if (e.has_progress() && e.progress().step() >= step) return true;
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

TEST(DataParallelTest, AKilledRankStopsTheOtherForARetry) {
  testing::TempDir dir;
  auto ranks = StartRanks(WriteSpec(dir.path(), 2, 8, kAdam, 500), dir.path() + "/job", 2);
  ASSERT_TRUE(WaitForStep(ranks[0], 2));
  ASSERT_TRUE(ranks[1].process->Signal(SIGKILL));
  auto result = ranks[0].process->Wait(absl::Seconds(60));
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->exit_code, core::kExitPeerLost)
      << testing::ReadFileOrEmpty(ranks[0].stderr_path);
  EXPECT_NE(testing::ReadFileOrEmpty(ranks[0].stderr_path).find("peer rank"),
            std::string::npos);
}

TEST(DataParallelTest, ARankThatNeverArrivesFailsTheJobClearly) {
  testing::TempDir dir;
  auto ranks = StartRanks(WriteSpec(dir.path(), 2, 8, kAdam), dir.path() + "/job", 2,
                          /*resume=*/false, /*start_ranks=*/1);
  ASSERT_EQ(WaitAll(ranks), std::vector<int>({core::kExitFailed}));
  const auto events = Events(ranks[0]);
  ASSERT_FALSE(events.empty());
  ASSERT_TRUE(events.back().has_failure());
  EXPECT_EQ(events.back().failure().code(), static_cast<int>(absl::StatusCode::kUnavailable));
  EXPECT_NE(events.back().failure().message().find("could not meet the others at 127.0.0.1"),
            std::string::npos)
      << events.back().failure().message();
}

TEST(DataParallelTest, AStoppedTwoRankRunResumesExactly) {
  testing::TempDir dir;
  const std::string spec = WriteSpec(dir.path(), 2, 8, kAdam, 3);
  const std::string straight = dir.path() + "/straight", stopped = dir.path() + "/stopped";
  auto reference = StartRanks(spec, straight, 2);
  ASSERT_EQ(WaitAll(reference), std::vector<int>({0, 0}));

  auto first = StartRanks(spec, stopped, 2);
  ASSERT_TRUE(WaitForStep(first[0], 3));
  for (Rank& rank : first) rank.process->Signal(SIGTERM);
  ASSERT_EQ(WaitAll(first), std::vector<int>({core::kExitStopped, core::kExitStopped}));
  auto second = StartRanks(spec, stopped, 2, /*resume=*/true);
  ASSERT_EQ(WaitAll(second), std::vector<int>({0, 0}));
  bool resumed = false;
  for (const auto& e : Events(second[0])) {
    resumed = resumed || (e.has_log() && e.log().message().find("resumed from") == 0);
  }
  EXPECT_TRUE(resumed);
  EXPECT_NE(testing::ReadFileOrEmpty(second[1].stderr_path).find("rank 1: resumed from"),
            std::string::npos);
  EXPECT_LT(Compare(Weights(straight), Weights(stopped)).max, 1e-6);
}

}  // namespace
}  // namespace simclr
