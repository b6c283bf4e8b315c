// PretrainConfig.budget_minutes: the schedule on the wall clock, the run
// ending at its budget with the rate annealed, and a resumed run keeping
// what is left.
#include <atomic>
#include <chrono>
#include <vector>

#include "core/common/event_sink.h"
#include "core/runtime/script_execution.h"
#include "core/train/lr_schedule.h"
#include "core/train/pretrainer.h"
#include "gtest/gtest.h"
#include "tests/testing/job_dir_fixture.h"
#include "tests/testing/status_matchers.h"
#include "torch/torch.h"

namespace simclr::core {
namespace {

using ::simclr::testing::IsOk;
using Clock = std::chrono::steady_clock;

// 384 Fashion-MNIST images, far more epochs than the budget allows.
v1::JobSpec BudgetSpec(double minutes) {
  v1::JobSpec spec;
  spec.set_seed(3);
  auto* p = spec.mutable_pretrain();
  auto* local = p->mutable_data()->mutable_train()->mutable_local();
  local->set_format(v1::DATASET_FORMAT_IDX);
  local->set_path("/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz");
  p->mutable_data()->set_max_examples(384);
  p->mutable_data()->set_val_fraction(0.25);
  p->mutable_data()->set_loader_threads(1);
  p->mutable_encoder()->mutable_builtin()->set_arch(v1::ARCHITECTURE_SMALL_CNN);
  p->mutable_encoder()->mutable_builtin()->set_width_multiplier(0.25f);
  p->set_batch_size(32);
  p->set_budget_minutes(minutes);
  p->mutable_optimizer()->set_learning_rate(0.01);
  p->mutable_monitor()->set_log_every_steps(1);
  p->mutable_monitor()->set_knn_every_epochs(0);
  p->mutable_schedule()->mutable_warmup_cosine()->set_warmup_epochs(0.5);
  return spec;
}

std::vector<v1::TrainProgress> Progress(const CollectingSink& sink) {
  std::vector<v1::TrainProgress> out;
  for (const auto& e : sink.events()) {
    if (e.has_progress()) out.push_back(e.progress());
  }
  return out;
}

double Seconds(const google::protobuf::Duration& d) { return d.seconds() + d.nanos() * 1e-9; }

TEST(BudgetLearningRateTest, WarmsUpThenAnnealsOnTheClock) {
  EXPECT_DOUBLE_EQ(BudgetLearningRate(1.0, 0, 4, 0.0, 0.0), 0.25);
  EXPECT_DOUBLE_EQ(BudgetLearningRate(1.0, 10, 4, 0.0, 0.0), 1.0);
  EXPECT_NEAR(BudgetLearningRate(1.0, 10, 4, 0.5, 0.0), 0.5, 1e-12);
  EXPECT_NEAR(BudgetLearningRate(1.0, 10, 4, 1.0, 0.1), 0.1, 1e-12);
  EXPECT_NEAR(BudgetLearningRate(1.0, 10, 4, 3.0, 0.1), 0.1, 1e-12);  // past the end
}

class BudgetTest : public testing::JobDirTest {
 protected:
  void SetUp() override {
    JobDirTest::SetUp();
    ConfigureScriptExecution(c10::Device(c10::DeviceType::CPU));
  }
};

TEST_F(BudgetTest, TheRunEndsAtItsBudgetWithTheRateAnnealed) {
  CollectingSink sink;
  const auto start = Clock::now();
  ASSERT_THAT(RunPretraining(BudgetSpec(0.05), Run(), sink), IsOk());  // 3 s
  const double took = std::chrono::duration<double>(Clock::now() - start).count();
  const auto progress = Progress(sink);
  ASSERT_GT(progress.size(), 10u);
  EXPECT_GE(took, 3.0);
  EXPECT_LT(took, 15.0);  // setup, one step past the budget, validation
  // The rate rose over the warmup, peaked, and ended annealed.
  double peak = 0;
  for (const auto& p : progress) peak = std::max(peak, p.learning_rate());
  EXPECT_LT(progress.front().learning_rate(), peak);
  EXPECT_LT(progress.back().learning_rate(), 0.1 * peak);
  // The budget left counts down to (nearly) nothing; the ETA is the same.
  EXPECT_GT(Seconds(progress.front().budget_left()), 2.0);
  EXPECT_LT(Seconds(progress.back().budget_left()), 0.5);
  EXPECT_EQ(Seconds(progress.back().eta()), Seconds(progress.back().budget_left()));
  EXPECT_EQ(progress.back().total_steps(), progress.back().step());
  EXPECT_TRUE(std::filesystem::exists(dir_.path() + "/job/checkpoints/final/encoder.pt"));
}

TEST_F(BudgetTest, AResumedRunHasWhatIsLeft) {
  // Stopped after about 1.5 s of a 4.8 s budget, then resumed.
  struct StopLater : CollectingSink {
    std::atomic<bool> stop{false};
    void Emit(v1::JobEvent event) override {
      if (event.has_progress() && Seconds(event.progress().budget_left()) < 3.3) stop = true;
      CollectingSink::Emit(std::move(event));
    }
  } first;
  EXPECT_EQ(RunPretraining(BudgetSpec(0.08), Run(false, &first.stop), first).code(),
            absl::StatusCode::kAborted);
  CollectingSink second;
  ASSERT_THAT(RunPretraining(BudgetSpec(0.08), Run(true), second), IsOk());
  const auto resumed = Progress(second);
  ASSERT_FALSE(resumed.empty());
  // It starts with about 3.3 s left, not the whole 4.8 s.
  EXPECT_LT(Seconds(resumed.front().budget_left()), 3.4);
  EXPECT_GT(Seconds(resumed.front().budget_left()), 2.0);
  EXPECT_LT(Seconds(resumed.back().budget_left()), 0.5);
  EXPECT_GT(resumed.front().step(), Progress(first).back().step());
}

TEST_F(BudgetTest, ASpentBudgetEndsAResumeAtOnce) {
  CollectingSink first;
  ASSERT_THAT(RunPretraining(BudgetSpec(0.03), Run(), first), IsOk());
  CollectingSink again;
  ASSERT_THAT(RunPretraining(BudgetSpec(0.03), Run(true), again), IsOk());
  EXPECT_TRUE(Progress(again).empty());
}

}  // namespace
}  // namespace simclr::core
