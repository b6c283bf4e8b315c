#include "core/inference/embed_inputs.h"

#include <cmath>
#include <cstring>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/data/encoded_image.h"

namespace simclr::core {
namespace {

absl::Status PrepareTensor(const v1::RawTensor& tensor, const InputShape& shape,
                           const std::string& where, float* out) {
  const int64_t expected[3] = {shape.channels, shape.size, shape.size};
  const auto& dims = tensor.shape();
  if (dims.size() != 3 || dims[0] != expected[0] || dims[1] != expected[1] ||
      dims[2] != expected[2]) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, ".tensor.shape: [", absl::StrJoin(dims, ", "),
                     "], expected [", absl::StrJoin(expected, ", "),
                     "] (C, H, W of this checkpoint's input)"));
  }
  const size_t values = shape.values();
  if (tensor.data().size() != values * sizeof(float)) {
    return absl::InvalidArgumentError(absl::StrCat(
        where, ".tensor.data: ", tensor.data().size(), " bytes, expected ",
        values * sizeof(float), " (", values, " float32 values)"));
  }
  // The wire format is little-endian float32, which is also this host's.
  std::memcpy(out, tensor.data().data(), values * sizeof(float));
  for (size_t i = 0; i < values; ++i) {
    if (!std::isfinite(out[i])) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ".tensor.data: value ", i, " is not finite"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status PrepareEmbedInputs(
    const google::protobuf::RepeatedPtrField<v1::ImageInput>& images,
    const InputShape& shape, int64_t max_image_pixels, float* out) {
  return PrepareEmbedInputs(images, 0, images.size(), shape, max_image_pixels, out);
}

absl::Status PrepareEmbedInputs(
    const google::protobuf::RepeatedPtrField<v1::ImageInput>& images, int begin,
    int end, const InputShape& shape, int64_t max_image_pixels, float* out) {
  for (int i = begin; i < end; ++i) {
    const v1::ImageInput& image = images[i];
    const std::string where = absl::StrCat("images[", i, "]");
    float* destination = out + static_cast<size_t>(i) * shape.values();
    switch (image.data_case()) {
      case v1::ImageInput::kEncoded: {
        auto decoded = DecodeImage(image.encoded(), max_image_pixels);
        if (!decoded.ok()) {
          return absl::InvalidArgumentError(
              absl::StrCat(where, ": ", decoded.status().message()));
        }
        EvalTransform({decoded->pixels.data(), decoded->height, decoded->width,
                       decoded->channels},
                      shape, destination);
        break;
      }
      case v1::ImageInput::kTensor:
        if (auto status =
                PrepareTensor(image.tensor(), shape, where, destination);
            !status.ok()) {
          return status;
        }
        break;
      default:
        return absl::InvalidArgumentError(
            absl::StrCat(where, ": neither `encoded` nor `tensor` is set"));
    }
  }
  return absl::OkStatus();
}

}  // namespace simclr::core
