#include "core/models/projection_head.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"
#include "torch/torch.h"

namespace simclr::core {
namespace {

using ::simclr::testing::IsOk;
using ::simclr::testing::StatusIs;
using ::testing::HasSubstr;

template <typename Impl>
int Count(const ProjectionHead& head) {
  int n = 0;
  for (const auto& module : head->modules(/*include_self=*/false)) {
    n += module->as<Impl>() != nullptr;
  }
  return n;
}

TEST(ProjectionHeadTest, DefaultIsOfficialTwoLayerMlp) {
  auto head = BuildProjectionHead({}, 512);
  ASSERT_THAT(head, IsOk());
  EXPECT_EQ(Count<torch::nn::LinearImpl>(*head), 2);
  EXPECT_EQ(Count<torch::nn::BatchNorm1dImpl>(*head), 1);
  EXPECT_EQ(Count<torch::nn::ReLUImpl>(*head), 1);
  EXPECT_EQ((*head)->forward(torch::randn({4, 512})).sizes(),
            (std::vector<int64_t>{4, 128}));
}

TEST(ProjectionHeadTest, AncestorSwishHeadHasNoBatchNorm) {
  v1::ProjectionHeadConfig config;
  for (int w : {256, 128, 64}) config.add_widths(w);
  config.set_activation(v1::HEAD_ACTIVATION_SWISH);
  auto head = BuildProjectionHead(config, 100);
  ASSERT_THAT(head, IsOk());
  EXPECT_EQ(Count<torch::nn::LinearImpl>(*head), 3);
  EXPECT_EQ(Count<torch::nn::BatchNorm1dImpl>(*head), 0);
  EXPECT_EQ(Count<torch::nn::SiLUImpl>(*head), 2);
  EXPECT_EQ((*head)->forward(torch::randn({2, 100})).sizes(),
            (std::vector<int64_t>{2, 64}));
}

TEST(ProjectionHeadTest, BadWidthsNameTheIndex) {
  v1::ProjectionHeadConfig config;
  config.add_widths(64);
  config.add_widths(0);
  EXPECT_THAT(BuildProjectionHead(config, 16),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("projection_head.widths[1]")));
  v1::ProjectionHeadConfig deep;
  for (int i = 0; i < 9; ++i) deep.add_widths(8);
  EXPECT_THAT(
      BuildProjectionHead(deep, 16),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("at most 8")));
}

}  // namespace
}  // namespace simclr::core
