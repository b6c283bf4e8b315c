// An EmbedRequest's bytes as simclrd receives them, prepared for a 1×28×28
// or a 3×32×32 encoder (core/inference/embed_inputs.h). The first byte
// picks the shape.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/inference/embed_inputs.h"
#include "simclr/v1/embedding.pb.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  simclr::v1::EmbedRequest request;
  if (!request.ParseFromArray(data + 1, static_cast<int>(size - 1))) return 0;
  if (request.images_size() < 1 || request.images_size() > 16) return 0;
  simclr::core::InputShape shape;
  if (data[0] % 2 == 0) {
    shape = {28, 1, {0.5f}, {0.5f}};
  } else {
    shape = {32, 3, {0.5f, 0.4f, 0.3f}, {0.2f, 0.2f, 0.2f}};
  }
  std::vector<float> out(static_cast<size_t>(request.images_size()) * shape.values());
  simclr::core::PrepareEmbedInputs(request.images(), shape, 1 << 20, out.data())
      .IgnoreError();
  return 0;
}
