#include "core/eval/eval_subject.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "core/common/layout.h"
#include "core/common/status_macros.h"
#include "core/data/data_source.h"
#include "core/train/checkpoint.h"
#include "google/protobuf/util/json_util.h"
#include "simclr/v1/checkpoint.pb.h"
#include "torch/torch.h"

namespace simclr::core {
namespace {

namespace fs = std::filesystem;

absl::StatusOr<v1::Checkpoint> ReadMeta(const std::string& folder,
                                        const std::string& field) {
  const std::string path = (fs::path(folder) / layout::kMetaFile).string();
  std::ifstream in(path);
  if (!in) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ".checkpoint_path: ", path, " cannot be read"));
  }
  std::stringstream text;
  text << in.rdbuf();
  v1::Checkpoint meta;
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = true;
  const auto status =
      google::protobuf::util::JsonStringToMessage(text.str(), &meta, options);
  if (!status.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        field, ".checkpoint_path: ", path, ": ", status.message().as_string()));
  }
  return meta;
}

bool InputSpecIsSet(const v1::InputSpec& spec) {
  return spec.size() > 0 || spec.channels() > 0 || spec.mean_size() > 0 ||
         spec.std_size() > 0;
}

std::string DefaultName(const v1::EvalSubject& subject) {
  switch (subject.source_case()) {
    case v1::EvalSubject::kRandomInit:
      return "random-init";
    case v1::EvalSubject::kRawPixels:
      return "raw pixels";
    case v1::EvalSubject::kTorchscript:
      return "TorchScript";
    default:
      return "SimCLR";
  }
}

}  // namespace

absl::StatusOr<InputShape> ResolveEvalInput(
    const v1::InputSpec& spec,
    const google::protobuf::RepeatedPtrField<v1::EvalSubject>& subjects,
    int data_height, int data_channels, const std::string& spec_dir,
    const std::string& field) {
  if (!InputSpecIsSet(spec)) {
    for (int i = 0; i < subjects.size(); ++i) {
      if (!subjects[i].has_checkpoint_path()) continue;
      SIMCLR_ASSIGN_OR_RETURN(
          v1::Checkpoint meta,
          ReadMeta(ResolvePath(subjects[i].checkpoint_path(), spec_dir),
                   absl::StrCat(field, ".subjects[", i, "]")));
      return ResolveInputShape(meta.encoder().input(), data_height,
                               data_channels);
    }
  }
  return ResolveInputShape(spec, data_height, data_channels);
}

absl::StatusOr<LoadedSubject> LoadSubject(const v1::EvalSubject& subject,
                                          const InputShape& shape,
                                          uint64_t seed,
                                          const std::string& spec_dir,
                                          const std::string& field) {
  LoadedSubject loaded;
  loaded.name = subject.name().empty() ? DefaultName(subject) : subject.name();
  switch (subject.source_case()) {
    case v1::EvalSubject::kRawPixels:
      return loaded;
    case v1::EvalSubject::kCheckpointId:
      return absl::FailedPreconditionError(absl::StrCat(
          field, ".checkpoint_id: checkpoint ids are resolved by simclrd; a "
                 "standalone worker needs checkpoint_path"));
    case v1::EvalSubject::kJobId:
      return absl::FailedPreconditionError(absl::StrCat(
          field, ".job_id: job ids are resolved by simclrd; a standalone worker "
                 "needs checkpoint_path"));
    case v1::EvalSubject::kCheckpointPath: {
      const std::string folder = ResolvePath(subject.checkpoint_path(), spec_dir);
      SIMCLR_ASSIGN_OR_RETURN(v1::Checkpoint meta, ReadMeta(folder, field));
      const auto& input = meta.encoder().input();
      if (input.size() != shape.size || input.channels() != shape.channels) {
        return absl::InvalidArgumentError(absl::StrCat(
            field, ".checkpoint_path: the encoder takes ", input.channels(),
            "×", input.size(), "×", input.size(), " inputs, the evaluation ",
            shape.channels, "×", shape.size, "×", shape.size));
      }
      Encoder encoder;
      SIMCLR_RETURN_IF_ERROR(LoadEncoderModule(folder, &encoder));
      encoder.arch = meta.encoder().arch();
      encoder.feature_dim = meta.encoder().feature_dim();
      for (const auto& file : meta.files()) {
        if (file.name() == layout::kEncoderFile) loaded.cache_key = file.sha256();
      }
      loaded.encoder = std::move(encoder);
      return loaded;
    }
    case v1::EvalSubject::kRandomInit:
    case v1::EvalSubject::kTorchscript: {
      v1::EncoderConfig config;
      if (subject.has_random_init()) {
        *config.mutable_builtin() = subject.random_init();
      } else {
        *config.mutable_torchscript() = subject.torchscript();
      }
      torch::manual_seed(seed);
      auto encoder = BuildEncoder(config, shape);
      if (!encoder.ok()) {
        return absl::Status(encoder.status().code(),
                            absl::StrCat(field, ": ", encoder.status().message()));
      }
      loaded.encoder = *std::move(encoder);
      return loaded;
    }
    default:
      return absl::InvalidArgumentError(
          absl::StrCat(field, ": set one of checkpoint_path, checkpoint_id, "
                              "random_init, raw_pixels or torchscript"));
  }
}

}  // namespace simclr::core
