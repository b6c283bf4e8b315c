#include "core/worker/model_probe.h"

#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "core/models/encoder.h"

namespace simclr::core {

absl::StatusOr<ModelProbe> ProbeModel(const std::string& path, int channels, int size) {
  std::vector<std::pair<int, int>> shapes = {{3, 224}, {3, 32}, {1, 28},
                                             {3, 96},  {1, 32}, {3, 64}};
  if (channels > 0 && size > 0) shapes = {{channels, size}};
  v1::EncoderConfig config;
  config.mutable_torchscript()->set_path(path);
  absl::Status last;
  for (const auto& [c, s] : shapes) {
    InputShape input;
    input.channels = c;
    input.size = s;
    auto encoder = BuildEncoder(config, input);
    if (!encoder.ok()) {
      last = encoder.status();
      // Not a module at all: no other shape can help.
      if (absl::StrContains(last.message(), "not a loadable TorchScript module")) break;
      continue;
    }
    ModelProbe probe;
    probe.channels = c;
    probe.size = s;
    probe.feature_dim = encoder->feature_dim;
    probe.layers = static_cast<int>(encoder->layers.size());
    return probe;
  }
  // The message names the upload, never the server's file.
  std::string reason(last.message());
  const size_t at = reason.find(path);
  if (at != std::string::npos) reason.replace(at, path.size(), "the model");
  return absl::InvalidArgumentError(absl::StrCat(
      shapes.size() == 1 ? "the model's forward failed on the given input: "
                         : "no input shape tried (3×224, 3×32, 1×28, 3×96, 1×32, 3×64) worked: ",
      reason));
}

std::string ModelProbeJson(const ModelProbe& probe) {
  return absl::StrCat("{\"channels\":", probe.channels, ",\"size\":", probe.size,
                      ",\"feature_dim\":", probe.feature_dim, ",\"layers\":", probe.layers, "}");
}

}  // namespace simclr::core
