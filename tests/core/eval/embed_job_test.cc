#include "core/eval/embed_job.h"

#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "ATen/Parallel.h"
#include "core/data/data_source.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace simclr::core {
namespace {

using ::simclr::testing::IsOk;
using ::simclr::testing::StatusIs;

constexpr char kImages[] = "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz";
constexpr char kLabels[] = "/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz";

// An .npy file's header dict and its data bytes.
std::pair<std::string, std::string> ReadNpy(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream bytes;
  bytes << in.rdbuf();
  const std::string all = bytes.str();
  if (all.size() < 10 || all.compare(0, 6, "\x93NUMPY") != 0) return {};
  const size_t length = static_cast<uint8_t>(all[8]) | static_cast<uint8_t>(all[9]) << 8;
  return {all.substr(10, length), all.substr(10 + length)};
}

v1::JobSpec RawPixelsSpec(int64_t examples) {
  v1::JobSpec spec;
  auto* c = spec.mutable_embed();
  auto* local = c->mutable_data()->mutable_train()->mutable_local();
  local->set_format(v1::DATASET_FORMAT_IDX);
  local->set_path(kImages);
  local->set_labels_path(kLabels);
  c->mutable_data()->set_max_examples(examples);
  c->mutable_subject()->mutable_raw_pixels();
  c->mutable_input()->set_size(28);
  c->mutable_input()->set_channels(1);
  c->mutable_input()->add_mean(0);
  c->mutable_input()->add_std(1);
  c->set_batch_size(100);
  return spec;
}

TEST(EmbedJobTest, WritesEveryImageInOrderWithItsLabelAndIndex) {
  at::set_num_threads(1);
  testing::TempDir dir;
  JobRun run;
  run.job_dir = dir.path() + "/job";
  CollectingSink sink;
  // More than one block of 4096 images, so the features file is appended to.
  ASSERT_THAT(RunEmbedJob(RawPixelsSpec(4500), run, sink), IsOk());

  const auto [header, data] = ReadNpy(run.job_dir + "/" + kFeaturesNpy);
  EXPECT_THAT(header, ::testing::HasSubstr("'descr': '<f4'"));
  EXPECT_THAT(header, ::testing::HasSubstr("'shape': (4500, 784)"));
  ASSERT_EQ(data.size(), 4500u * 784 * sizeof(float));
  auto dataset = LoadDataSource(RawPixelsSpec(0).embed().data().train(), 0, "", "train");
  ASSERT_THAT(dataset.status(), IsOk());
  for (const size_t image : {0u, 4321u}) {  // pixels / 255 with mean 0, std 1
    float value = 0;
    std::memcpy(&value, data.data() + (image * 784 + 400) * sizeof(float), sizeof(float));
    EXPECT_FLOAT_EQ(value, dataset->pixels[image * 784 + 400] / 255.0f) << image;
  }
  const auto [label_header, labels] = ReadNpy(run.job_dir + "/" + kLabelsNpy);
  EXPECT_THAT(label_header, ::testing::HasSubstr("'descr': '<i8', 'fortran_order': False, "
                                                 "'shape': (4500,)"));
  ASSERT_EQ(labels.size(), 4500u * 8);
  for (const size_t image : {0u, 17u, 4499u}) {
    int64_t label = 0;
    std::memcpy(&label, labels.data() + image * 8, 8);
    EXPECT_EQ(label, dataset->labels[image]);
  }
  const auto [index_header, indices] = ReadNpy(run.job_dir + "/" + kIndicesNpy);
  int64_t last = 0;
  std::memcpy(&last, indices.data() + 4499 * 8, 8);
  EXPECT_EQ(last, 4499);
  int artifacts = 0, progress = 0;
  for (const auto& e : sink.events()) {
    artifacts += e.has_artifact();
    progress += e.has_progress();
  }
  EXPECT_EQ(artifacts, 3);
  EXPECT_EQ(progress, 2);  // one per block
}

TEST(EmbedJobTest, BadSpecsNameTheField) {
  testing::TempDir dir;
  JobRun run;
  run.job_dir = dir.path() + "/job";
  CollectingSink sink;
  v1::JobSpec spec = RawPixelsSpec(10);
  spec.mutable_embed()->set_batch_size(0);
  EXPECT_THAT(RunEmbedJob(spec, run, sink),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       ::testing::HasSubstr("embed.batch_size")));
  spec = RawPixelsSpec(10);
  spec.mutable_embed()->clear_subject();
  EXPECT_THAT(RunEmbedJob(spec, run, sink),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       ::testing::HasSubstr("embed.subject")));
}

}  // namespace
}  // namespace simclr::core
