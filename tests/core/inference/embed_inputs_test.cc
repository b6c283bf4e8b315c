#include "core/inference/embed_inputs.h"

#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "opencv2/imgcodecs.hpp"
#include "tests/testing/status_matchers.h"

namespace simclr::core {
namespace {

using ::simclr::testing::IsOk;
using ::simclr::testing::StatusIs;
using ::testing::HasSubstr;

InputShape Shape(int channels, int size) {
  v1::InputSpec spec;
  spec.set_size(size);
  spec.set_channels(channels);
  auto shape = ResolveInputShape(spec, size, channels);
  EXPECT_THAT(shape, IsOk());
  return *shape;
}

// A raw tensor input: `dims` and `data` (float32 bytes, or any bytes).
void SetTensor(v1::ImageInput* input, std::initializer_list<int64_t> dims,
               std::string data) {
  auto* tensor = input->mutable_tensor();
  for (int64_t d : dims) tensor->add_shape(d);
  tensor->set_data(std::move(data));
}

std::string Bytes(const std::vector<float>& values) {
  return std::string(reinterpret_cast<const char*>(values.data()),
                     values.size() * sizeof(float));
}

std::string Png(const cv::Mat& image) {
  std::vector<uchar> bytes;
  cv::imencode(".png", image, bytes);
  return std::string(bytes.begin(), bytes.end());
}

TEST(PrepareEmbedInputsTest, AnEncodedImageGetsExactlyTheEvaluationTransform) {
  cv::Mat grey(12, 18, CV_8UC1);  // not square: resized and centre-cropped
  for (int i = 0; i < grey.rows * grey.cols; ++i)
    grey.data[i] = static_cast<uchar>(i * 4);
  const InputShape shape = Shape(1, 8);
  google::protobuf::RepeatedPtrField<v1::ImageInput> images;
  images.Add()->set_encoded(Png(grey));
  std::vector<float> got(shape.values());
  ASSERT_THAT(PrepareEmbedInputs(images, shape, 1 << 20, got.data()), IsOk());
  std::vector<float> expected(shape.values());
  EvalTransform({grey.data, grey.rows, grey.cols, 1}, shape, expected.data());
  for (size_t i = 0; i < got.size(); ++i)
    EXPECT_FLOAT_EQ(got[i], expected[i]) << i;
}

TEST(PrepareEmbedInputsTest,
     ColourImagesArriveInRgbOrderAndTensorsPassUnchanged) {
  cv::Mat bgr(8, 8, CV_8UC3, cv::Scalar(30, 20, 10));  // OpenCV order: B, G, R
  const InputShape shape = Shape(3, 8);
  google::protobuf::RepeatedPtrField<v1::ImageInput> images;
  images.Add()->set_encoded(Png(bgr));
  std::vector<float> raw(shape.values());
  for (size_t i = 0; i < raw.size(); ++i)
    raw[i] = 0.25f * static_cast<float>(i);
  SetTensor(images.Add(), {3, 8, 8}, Bytes(raw));
  std::vector<float> got(2 * shape.values());
  ASSERT_THAT(PrepareEmbedInputs(images, shape, 1 << 20, got.data()), IsOk());
  // Default normalisation: (x / 255 - 0.5) / 0.5; plane 0 is red.
  EXPECT_NEAR(got[0], (10 / 255.0 - 0.5) / 0.5, 1e-6);
  EXPECT_NEAR(got[64], (20 / 255.0 - 0.5) / 0.5, 1e-6);
  EXPECT_NEAR(got[128], (30 / 255.0 - 0.5) / 0.5, 1e-6);
  for (size_t i = 0; i < raw.size(); ++i)
    EXPECT_EQ(got[shape.values() + i], raw[i]);
}

TEST(PrepareEmbedInputsTest, EveryMalformedImageIsRefusedByItsIndex) {
  const InputShape shape = Shape(1, 8);
  std::vector<float> out(4 * shape.values());
  const std::string good = Png(cv::Mat(8, 8, CV_8UC1, cv::Scalar(7)));
  auto refuse = [&](const std::function<void(v1::ImageInput*)>& bad) {
    google::protobuf::RepeatedPtrField<v1::ImageInput> images;
    images.Add()->set_encoded(good);
    images.Add()->set_encoded(good);
    bad(images.Add());
    return PrepareEmbedInputs(images, shape, 1000, out.data());
  };
  EXPECT_THAT(refuse([](v1::ImageInput* i) { i->set_encoded("not an image"); }),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("images[2]: not a PNG or JPEG")));
  EXPECT_THAT(refuse([](v1::ImageInput*) {}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("images[2]: neither `encoded` nor `tensor`")));
  // A PNG whose header claims 100000 × 100000: refused before decoding.
  std::string bomb = good;
  const unsigned char huge[8] = {0, 1, 0x86, 0xA0, 0, 1, 0x86, 0xA0};
  std::memcpy(bomb.data() + 16, huge, 8);
  EXPECT_THAT(
      refuse([&](v1::ImageInput* i) { i->set_encoded(bomb); }),
      StatusIs(
          absl::StatusCode::kInvalidArgument,
          HasSubstr("images[2]: 100000x100000 pixels exceed the limit of 1000")));
  EXPECT_THAT(
      refuse([](v1::ImageInput* i) {
        SetTensor(i, {3, 8, 8}, Bytes(std::vector<float>(3 * 64)));
      }),
      StatusIs(
          absl::StatusCode::kInvalidArgument,
          HasSubstr("images[2].tensor.shape: [3, 8, 8], expected [1, 8, 8]")));
  EXPECT_THAT(
      refuse([](v1::ImageInput* i) {
        SetTensor(i, {1, 8, 8}, std::string(10, '\0'));
      }),
      StatusIs(absl::StatusCode::kInvalidArgument,
               HasSubstr("images[2].tensor.data: 10 bytes, expected 256")));
  EXPECT_THAT(
      refuse([](v1::ImageInput* i) {
        std::vector<float> values(64, 0.0f);
        values[5] = std::numeric_limits<float>::quiet_NaN();
        SetTensor(i, {1, 8, 8}, Bytes(values));
      }),
      StatusIs(absl::StatusCode::kInvalidArgument,
               HasSubstr("images[2].tensor.data: value 5 is not finite")));
}

}  // namespace
}  // namespace simclr::core
