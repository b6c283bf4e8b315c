// From an EmbedRequest's images to the float batch an encoder takes.
//
// Encoded images go through exactly the checkpoint's evaluation transform
// (core/augment/view_transform.h: channels, short-side resize, centre crop,
// normalisation), the one evaluations use, so a vector served here equals
// the one an evaluation job computes. Raw tensors are taken as they are,
// once their shape and values are checked. Torch-free.
#ifndef SIMCLR_CORE_INFERENCE_EMBED_INPUTS_H_
#define SIMCLR_CORE_INFERENCE_EMBED_INPUTS_H_

#include <cstdint>

#include "absl/status/status.h"
#include "core/augment/view_transform.h"
#include "google/protobuf/repeated_field.h"
#include "simclr/v1/embedding.pb.h"

namespace simclr::core {

// Writes images.size() × shape.values() floats to `out`. INVALID_ARGUMENT
// naming the first bad image, e.g. "images[3]: not a PNG or JPEG",
// "images[0].tensor.shape: [3, 28, 28], expected [1, 28, 28]".
absl::Status PrepareEmbedInputs(
    const google::protobuf::RepeatedPtrField<v1::ImageInput>& images,
    const InputShape& shape, int64_t max_image_pixels, float* out);
// Only images [begin, end), written to out + begin × shape.values() (the
// embedding runtime prepares a large request a few images per turn).
absl::Status PrepareEmbedInputs(
    const google::protobuf::RepeatedPtrField<v1::ImageInput>& images, int begin,
    int end, const InputShape& shape, int64_t max_image_pixels, float* out);

}  // namespace simclr::core

#endif  // SIMCLR_CORE_INFERENCE_EMBED_INPUTS_H_
