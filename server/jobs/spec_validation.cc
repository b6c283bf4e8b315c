#include "server/jobs/spec_validation.h"

#include <unistd.h>

#include <string>

#include "absl/strings/str_cat.h"
#include "core/common/status_macros.h"
#include "core/eval/eval_data.h"
#include "core/runtime/device.h"
#include "core/train/pretrain_settings.h"

namespace simclr::server {
namespace {

absl::Status Invalid(const std::string& field, const std::string& reason) {
  return absl::InvalidArgumentError(absl::StrCat("spec.", field, ": ", reason));
}

absl::Status CheckRange(const std::string& field, int64_t value, int64_t low,
                        int64_t high) {
  if (value >= low && value <= high) return absl::OkStatus();
  return Invalid(field, absl::StrCat(value, " is outside [", low, ", ", high, "]"));
}

// A data source must name data this server can read.
absl::Status CheckSource(const std::string& field, const v1::DataSource& source,
                         bool required) {
  switch (source.source_case()) {
    case v1::DataSource::SOURCE_NOT_SET:
      return required ? Invalid(field, "no dataset given") : absl::OkStatus();
    case v1::DataSource::kDatasetId:
      return absl::FailedPreconditionError(absl::StrCat(
          "spec.", field, ".dataset_id: dataset ", source.dataset_id(),
          " is not known to this server"));
    case v1::DataSource::kLocal:
      for (const auto& [name, path] :
           {std::pair<std::string, std::string>{"path", source.local().path()},
            {"labels_path", source.local().labels_path()}}) {
        if (name == "path" && path.empty()) {
          return Invalid(field + ".local.path", "empty");
        }
        if (!path.empty() && path[0] != '/') {
          return Invalid(absl::StrCat(field, ".local.", name),
                         absl::StrCat(path, " must be an absolute path on the server"));
        }
        if (!path.empty() && access(path.c_str(), R_OK) != 0) {
          return absl::FailedPreconditionError(
              absl::StrCat("spec.", field, ".local.", name, ": ", path,
                           " is not readable on the server"));
        }
      }
      return absl::OkStatus();
  }
  return absl::OkStatus();
}

absl::Status CheckData(const std::string& field, const v1::DataConfig& data) {
  SIMCLR_RETURN_IF_ERROR(CheckSource(field + ".train", data.train(), true));
  return CheckSource(field + ".test", data.test(), false);
}

absl::Status CheckEncoder(const std::string& field, const v1::EncoderConfig& encoder) {
  if (encoder.has_builtin() &&
      (encoder.builtin().arch() == v1::ARCHITECTURE_UNSPECIFIED ||
       !v1::Architecture_IsValid(encoder.builtin().arch()))) {
    return Invalid(field + ".builtin.arch",
                   absl::StrCat("unknown architecture ", encoder.builtin().arch()));
  }
  return absl::OkStatus();
}

}  // namespace

v1::JobKind KindOf(const v1::JobSpec& spec) {
  switch (spec.kind_case()) {
    case v1::JobSpec::kPretrain:
      return v1::JOB_KIND_PRETRAIN;
    case v1::JobSpec::kLinearEval:
      return v1::JOB_KIND_LINEAR_EVAL;
    case v1::JobSpec::kFinetune:
      return v1::JOB_KIND_FINETUNE;
    case v1::JobSpec::kTsne:
      return v1::JOB_KIND_TSNE;
    case v1::JobSpec::KIND_NOT_SET:
      break;
  }
  return v1::JOB_KIND_UNSPECIFIED;
}

absl::Status ValidateJobSpec(const v1::JobSpec& spec) {
  if (spec.display_name().size() > 128) {
    return Invalid("display_name", "longer than 128 characters");
  }
  SIMCLR_RETURN_IF_ERROR(CheckRange("priority", spec.priority(), -100, 100));
  SIMCLR_RETURN_IF_ERROR(CheckRange("num_threads", spec.num_threads(), 0, 256));
  if (spec.has_max_restarts()) {
    SIMCLR_RETURN_IF_ERROR(CheckRange("max_restarts", spec.max_restarts(), 0, 100));
  }
  if (spec.has_num_ranks() && spec.num_ranks() != 1) {
    return Invalid("num_ranks", "only 1 rank is supported by this server");
  }
  if (!spec.device().empty()) {
    if (auto device = core::ResolveDevice(spec.device()); !device.ok()) {
      return Invalid("device", std::string(device.status().message()));
    }
  }
  switch (spec.kind_case()) {
    case v1::JobSpec::KIND_NOT_SET:
      return Invalid("kind",
                     "set one of pretrain, linear_eval, finetune or tsne");
    case v1::JobSpec::kPretrain: {
      const v1::PretrainConfig& config = spec.pretrain();
      if (auto settings = core::ResolvePretrainSettings(config); !settings.ok()) {
        return absl::InvalidArgumentError(
            absl::StrCat("spec.", settings.status().message()));
      }
      SIMCLR_RETURN_IF_ERROR(CheckEncoder("pretrain.encoder", config.encoder()));
      return CheckData("pretrain.data", config.data());
    }
    case v1::JobSpec::kLinearEval: {
      const auto& config = spec.linear_eval();
      if (auto protocol =
              core::ResolveEvalProtocol(config.protocol(), "linear_eval.protocol");
          !protocol.ok()) {
        return absl::InvalidArgumentError(
            absl::StrCat("spec.", protocol.status().message()));
      }
      return CheckData("linear_eval.data", config.data());
    }
    case v1::JobSpec::kFinetune: {
      const auto& config = spec.finetune();
      if (auto protocol =
              core::ResolveEvalProtocol(config.protocol(), "finetune.protocol");
          !protocol.ok()) {
        return absl::InvalidArgumentError(
            absl::StrCat("spec.", protocol.status().message()));
      }
      return CheckData("finetune.data", config.data());
    }
    case v1::JobSpec::kTsne:
      return CheckData("tsne.data", spec.tsne().data());
  }
  return absl::OkStatus();
}

}  // namespace simclr::server
