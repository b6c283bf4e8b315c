#include "core/worker/job_runners.h"

#include "core/spec/job_kinds.h"
#include "gtest/gtest.h"

namespace simclr::core {
namespace {

TEST(JobRunnersTest, EveryKindOfTheTableHasARunner) {
  for (const JobKindInfo& kind : JobKinds()) {
    EXPECT_NE(RunnerFor(kind.kind), nullptr) << kind.name;
  }
  EXPECT_EQ(RunnerFor(v1::JOB_KIND_UNSPECIFIED), nullptr);
}

}  // namespace
}  // namespace simclr::core
