#include "core/train/lr_schedule.h"

#include <cmath>
#include <limits>

#include "gtest/gtest.h"

namespace simclr::core {
namespace {

TEST(WarmupCosineTest, RisesLinearlyThenDecaysByCosinePerStep) {
  const WarmupCosine schedule(1.0, 10, 110, 0.0);
  EXPECT_DOUBLE_EQ(schedule.LearningRate(0), 0.1);
  EXPECT_DOUBLE_EQ(schedule.LearningRate(4), 0.5);
  EXPECT_DOUBLE_EQ(schedule.LearningRate(9), 1.0);
  EXPECT_DOUBLE_EQ(schedule.LearningRate(10), 1.0);      // peak
  EXPECT_NEAR(schedule.LearningRate(60), 0.5, 1e-12);    // half-way
  EXPECT_NEAR(schedule.LearningRate(110), 0.0, 1e-12);   // end
  EXPECT_NEAR(schedule.LearningRate(1000), 0.0, 1e-12);  // beyond
  // Strictly decreasing within an epoch of decay: per step, not per epoch.
  for (int64_t step = 11; step < 110; ++step) {
    ASSERT_LT(schedule.LearningRate(step), schedule.LearningRate(step - 1));
  }
}

TEST(WarmupCosineTest, FinalRatioAndNoWarmup) {
  const WarmupCosine schedule(2.0, 0, 100, 0.1);
  EXPECT_DOUBLE_EQ(schedule.LearningRate(0), 2.0);
  EXPECT_NEAR(schedule.LearningRate(100), 0.2, 1e-12);
  EXPECT_NEAR(schedule.LearningRate(25),
              0.2 + 1.8 * 0.5 * (1 + std::cos(M_PI * 0.25)), 1e-12);
}

TEST(ReduceOnPlateauTest, ReducesAfterPatienceEpochsWithoutImprovement) {
  ReduceOnPlateau schedule(1.0, 0.1, 2, 0.01, 0.001);
  EXPECT_DOUBLE_EQ(schedule.Observe(1.0), 1.0);
  EXPECT_DOUBLE_EQ(schedule.Observe(0.5), 1.0);
  EXPECT_DOUBLE_EQ(schedule.Observe(0.495), 1.0);  // within min_delta: bad 1
  EXPECT_DOUBLE_EQ(schedule.Observe(0.6), 0.1);    // bad 2: reduce
  EXPECT_DOUBLE_EQ(schedule.Observe(0.6), 0.1);
  EXPECT_DOUBLE_EQ(schedule.Observe(0.6), 0.01);
  EXPECT_DOUBLE_EQ(schedule.Observe(0.6), 0.01);
  EXPECT_DOUBLE_EQ(schedule.Observe(0.6), 0.001);  // floor
  EXPECT_DOUBLE_EQ(schedule.Observe(0.6), 0.001);
  EXPECT_DOUBLE_EQ(schedule.Observe(0.6), 0.001);

  ReduceOnPlateau restored(1.0, 0.1, 2, 0.01, 0.001);
  restored.Restore(schedule.state());
  EXPECT_DOUBLE_EQ(restored.lr(), 0.001);
}

TEST(EarlyStoppingTest, StopsAfterPatienceAndTracksTheBest) {
  EarlyStopping stopping(3, 0.0);
  EXPECT_FALSE(stopping.Observe(0, 1.0));
  EXPECT_TRUE(stopping.last_was_best());
  EXPECT_FALSE(stopping.Observe(1, 0.8));
  EXPECT_FALSE(stopping.Observe(2, 0.9));
  EXPECT_FALSE(stopping.last_was_best());
  EXPECT_FALSE(stopping.Observe(3, 0.85));
  EXPECT_TRUE(stopping.Observe(4, 0.81));
  EXPECT_EQ(stopping.state().best_epoch, 1);
  EXPECT_DOUBLE_EQ(stopping.state().best, 0.8);
}

TEST(EarlyStoppingTest, NanStopsAtOnce) {
  EarlyStopping stopping(10, 0.0);
  EXPECT_FALSE(stopping.Observe(0, 1.0));
  EXPECT_TRUE(stopping.Observe(1, std::numeric_limits<double>::quiet_NaN()));
}

}  // namespace
}  // namespace simclr::core
