#include "core/eval/embed_job.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <numeric>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "core/common/artifact_files.h"
#include "core/common/npy_writer.h"
#include "core/common/status_macros.h"
#include "core/data/data_source.h"
#include "core/eval/eval_subject.h"
#include "core/inference/features.h"
#include "core/runtime/memory_format.h"
#include "core/runtime/torch_status.h"
#include "core/spec/embed_settings.h"
#include "torch/torch.h"

namespace simclr::core {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// Images per block written to features.npy.
constexpr int64_t kBlock = 4096;

absl::StatusOr<at::Tensor> Features(LoadedSubject& subject, const ImageDataset& dataset,
                                    const std::vector<int64_t>& ids, const InputShape& shape,
                                    int64_t batch_size, const JobRun& run) {
  return CallTorch("features", [&] {
    at::Tensor f = subject.encoder
                       ? ExtractFeatures(subject.encoder->module, dataset, ids, shape,
                                         batch_size, run.device)
                       : EvalInputs(dataset, ids.data(), static_cast<int64_t>(ids.size()),
                                    shape)
                             .flatten(1);
    return f.to(torch::kFloat).contiguous();
  });
}

void EmitProgress(int64_t done, int64_t total, Clock::time_point start, EventSink& events) {
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  v1::JobEvent event;
  auto* p = event.mutable_progress();
  p->set_step(done);
  p->set_total_steps(total);
  p->set_samples_per_second(seconds > 0 ? static_cast<double>(done) / seconds : 0);
  if (done > 0) {
    const double left = seconds * static_cast<double>(total - done) / static_cast<double>(done);
    p->mutable_eta()->set_seconds(static_cast<int64_t>(left));
  }
  events.Emit(std::move(event));
}

// features.npy, one block of images at a time.
absl::Status WriteFeatures(LoadedSubject& subject, const ImageDataset& dataset, int64_t count,
                           const InputShape& shape, int64_t batch_size, const JobRun& run,
                           EventSink& events) {
  const std::string path = (fs::path(run.job_dir) / kFeaturesNpy).string();
  const auto start = Clock::now();
  std::optional<NpyFloat32Writer> writer;
  for (int64_t begin = 0; begin < count; begin += kBlock) {
    if (run.stop != nullptr && run.stop->load()) {
      return absl::AbortedError("stopped on request; the job reruns from its start");
    }
    std::vector<int64_t> ids(static_cast<size_t>(std::min(kBlock, count - begin)));
    std::iota(ids.begin(), ids.end(), begin);
    SIMCLR_ASSIGN_OR_RETURN(const at::Tensor f,
                            Features(subject, dataset, ids, shape, batch_size, run));
    if (!writer) {
      SIMCLR_ASSIGN_OR_RETURN(writer, NpyFloat32Writer::Create(path, count, f.size(1)));
    }
    SIMCLR_RETURN_IF_ERROR(writer->Append(f.data_ptr<float>(), f.size(0)));
    EmitProgress(begin + f.size(0), count, start, events);
  }
  SIMCLR_RETURN_IF_ERROR(writer->Finish());
  EmitArtifact(run.job_dir, path, events);
  return absl::OkStatus();
}

absl::Status WriteLabelsAndIndices(const ImageDataset& dataset, int64_t count,
                                   const JobRun& run, EventSink& events) {
  std::vector<int64_t> labels(static_cast<size_t>(count), -1), indices(labels.size());
  for (int64_t i = 0; i < count; ++i) {
    if (dataset.labelled()) labels[static_cast<size_t>(i)] = dataset.labels[static_cast<size_t>(i)];
    indices[static_cast<size_t>(i)] = i;
  }
  for (const auto& [name, values] : {std::pair{kLabelsNpy, &labels}, {kIndicesNpy, &indices}}) {
    const std::string path = (fs::path(run.job_dir) / name).string();
    SIMCLR_RETURN_IF_ERROR(WriteNpyInt64(path, *values));
    EmitArtifact(run.job_dir, path, events);
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status RunEmbedJob(const v1::JobSpec& spec, const JobRun& run, EventSink& events) {
  if (!spec.has_embed()) return absl::InvalidArgumentError("spec: not an embed job");
  const v1::EmbedConfig& config = spec.embed();
  SIMCLR_ASSIGN_OR_RETURN(const EmbedSettings settings, ResolveEmbedSettings(config));
  SIMCLR_ASSIGN_OR_RETURN(
      const ImageDataset dataset,
      LoadDataSource(config.data().train(), config.data().max_corrupt_fraction(),
                     run.spec_dir, "embed.data.train"));
  int64_t count = dataset.size();
  if (config.data().max_examples() > 0) count = std::min(count, config.data().max_examples());
  google::protobuf::RepeatedPtrField<v1::EvalSubject> subjects;
  *subjects.Add() = config.subject();
  SIMCLR_ASSIGN_OR_RETURN(const InputShape shape,
                          ResolveEvalInput(config.input(), subjects, dataset.height,
                                           dataset.channels, run.spec_dir, "embed"));
  SIMCLR_ASSIGN_OR_RETURN(LoadedSubject subject, LoadSubject(config.subject(), shape,
                                                             spec.seed(), run.spec_dir,
                                                             "embed.subject"));
  if (subject.encoder) {
    SIMCLR_RETURN_IF_ERROR(CallTorch("device", [&] {
      subject.encoder->module.to(run.device);
      ToMemoryFormat(subject.encoder->module, ConvMemoryFormat(run.device));
    }));
  }
  SIMCLR_RETURN_IF_ERROR(CreateJobDir((fs::path(run.job_dir) / "artifacts").string()));
  EmitLog(events, absl::StrFormat("embedding %d images with %s", count, subject.name));
  SIMCLR_RETURN_IF_ERROR(
      WriteFeatures(subject, dataset, count, shape, settings.batch_size, run, events));
  return WriteLabelsAndIndices(dataset, count, run, events);
}

}  // namespace simclr::core
