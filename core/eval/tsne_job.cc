#include "core/eval/tsne_job.h"

#include <chrono>
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "core/common/layout.h"
#include "core/common/status_macros.h"
#include "core/data/data_source.h"
#include "core/data/splits.h"
#include "core/common/artifact_files.h"
#include "core/eval/eval_subject.h"
#include "core/eval/scatter_plot.h"
#include "core/eval/tsne.h"
#include "core/inference/features.h"
#include "core/runtime/memory_format.h"
#include "core/runtime/torch_status.h"
#include "core/spec/tsne_settings.h"
#include "torch/torch.h"

namespace simclr::core {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// The sample: stratified when labelled, else the first after a shuffle.
absl::StatusOr<std::vector<int64_t>> DrawSample(const ImageDataset& dataset,
                                                int num_points, uint64_t seed) {
  if (!dataset.labelled()) {
    std::vector<int64_t> sample = ShuffledIndices(dataset.size(), seed);
    sample.resize(std::min<size_t>(sample.size(), static_cast<size_t>(num_points)));
    return sample;
  }
  const double share = std::min(
      1.0, static_cast<double>(num_points) / static_cast<double>(dataset.size()));
  std::vector<int64_t> all(static_cast<size_t>(dataset.size()));
  for (size_t i = 0; i < all.size(); ++i) all[i] = static_cast<int64_t>(i);
  return StratifiedSubset(all, dataset.labels, share, seed);
}

// The subject's features of the sample (raw pixels: the eval inputs).
absl::StatusOr<at::Tensor> EmbedSample(const v1::TsneConfig& config,
                                       const ImageDataset& dataset,
                                       const std::vector<int64_t>& sample, uint64_t seed,
                                       int64_t batch_size, const JobRun& run,
                                       std::string* subject_name) {
  google::protobuf::RepeatedPtrField<v1::EvalSubject> subjects;
  *subjects.Add() = config.subject();
  SIMCLR_ASSIGN_OR_RETURN(const InputShape shape,
                          ResolveEvalInput(config.input(), subjects, dataset.height,
                                           dataset.channels, run.spec_dir, "tsne"));
  SIMCLR_ASSIGN_OR_RETURN(
      LoadedSubject subject,
      LoadSubject(config.subject(), shape, seed, run.spec_dir, "tsne.subject"));
  *subject_name = subject.name;
  const auto n = static_cast<int64_t>(sample.size());
  SIMCLR_ASSIGN_OR_RETURN(const at::Tensor features, CallTorch("features", [&] {
                            if (!subject.encoder) {
                              return EvalInputs(dataset, sample.data(), n, shape).flatten(1);
                            }
                            subject.encoder->module.to(run.device);
                            ToMemoryFormat(subject.encoder->module,
                                           ConvMemoryFormat(run.device));
                            return ExtractFeatures(subject.encoder->module, dataset, sample,
                                                   shape, batch_size, run.device);
                          }));
  return features.to(torch::kFloat).contiguous();
}

TsneOptions Options(const v1::TsneConfig& config, const TsneSettings& settings,
                    uint64_t seed, int64_t n, EventSink& events) {
  TsneOptions options;
  options.perplexity = settings.perplexity;
  options.iterations = settings.iterations;
  options.theta = settings.theta;
  options.seed = seed;
  options.barnes_hut = config.method() == v1::TSNE_METHOD_BARNES_HUT ||
                       (config.method() == v1::TSNE_METHOD_UNSPECIFIED && n > 2000);
  const int iterations = settings.iterations;
  options.progress = [&events, iterations](int iteration, double kl) {
    v1::JobEvent event;
    auto* p = event.mutable_progress();
    p->set_step(iteration);
    p->set_total_steps(iterations);
    if (!std::isnan(kl)) p->set_loss(kl);
    events.Emit(std::move(event));
  };
  return options;
}

// tsne.png (coloured by class when labelled) and tsne.csv.
absl::Status WriteMap(const JobRun& run, const v1::TsneConfig& config, int image_size,
                      const ImageDataset& dataset, const std::vector<int64_t>& sample,
                      const std::vector<double>& xy, const std::string& subject_name,
                      EventSink& events) {
  std::error_code error;
  const fs::path artifacts = fs::path(run.job_dir) / layout::kArtifactsFolder;
  fs::create_directories(artifacts, error);
  if (error) {
    return absl::FailedPreconditionError(
        absl::StrCat(artifacts.string(), ": cannot create: ", error.message()));
  }
  ScatterPlot plot;
  plot.xy = xy;
  if (dataset.labelled()) {
    for (const int64_t i : sample) plot.labels.push_back(dataset.labels[i]);
    plot.class_names = dataset.class_names;
  }
  plot.title =
      config.title().empty() ? absl::StrCat(subject_name, " t-SNE") : config.title();
  plot.size = image_size;
  const std::string png = (artifacts / "tsne.png").string();
  SIMCLR_RETURN_IF_ERROR(WriteScatterPng(plot, png));
  EmitArtifact(run.job_dir, png, events);
  std::string csv = "index,label,class,x,y\n";
  for (size_t k = 0; k < sample.size(); ++k) {
    const int64_t i = sample[k];
    const int label = dataset.labelled() ? dataset.labels[i] : -1;
    absl::StrAppend(&csv, i, ",", label, ",", label >= 0 ? dataset.class_names[label] : "",
                    ",", absl::StrFormat("%.6g,%.6g", xy[2 * k], xy[2 * k + 1]), "\n");
  }
  return WriteArtifact(run.job_dir, (artifacts / "tsne.csv").string(), csv, events);
}

}  // namespace

absl::Status RunTsneJob(const v1::JobSpec& spec, const JobRun& run, EventSink& events) {
  if (!spec.has_tsne()) return absl::InvalidArgumentError("spec: not a tsne job");
  const auto start = Clock::now();
  const v1::TsneConfig& config = spec.tsne();
  SIMCLR_ASSIGN_OR_RETURN(const TsneSettings settings, ResolveTsneSettings(config));
  SIMCLR_ASSIGN_OR_RETURN(
      const ImageDataset dataset,
      LoadDataSource(config.data().train(), config.data().max_corrupt_fraction(),
                     run.spec_dir, "tsne.data.train"));
  SIMCLR_ASSIGN_OR_RETURN(const std::vector<int64_t> sample,
                          DrawSample(dataset, settings.num_points, spec.seed()));
  const auto n = static_cast<int64_t>(sample.size());
  SIMCLR_RETURN_IF_ERROR(CheckPerplexity(settings.perplexity, n));
  std::string subject;
  SIMCLR_ASSIGN_OR_RETURN(const at::Tensor flat,
                          EmbedSample(config, dataset, sample, spec.seed(),
                                      settings.batch_size, run, &subject));
  const int64_t dim = flat.size(1);
  const std::vector<float> points(flat.data_ptr<float>(),
                                  flat.data_ptr<float>() + flat.numel());
  const TsneOptions options = Options(config, settings, spec.seed(), n, events);
  EmitLog(events, absl::StrFormat("t-SNE (%s) of %d %d-dimensional %s features",
                                  options.barnes_hut ? "Barnes-Hut" : "exact", n, dim,
                                  subject));
  SIMCLR_ASSIGN_OR_RETURN(const std::vector<double> xy, RunTsne(points, n, dim, options));
  const double trust = Trustworthiness(points, dim, xy, 2, n, 10);
  SIMCLR_RETURN_IF_ERROR(
      WriteMap(run, config, settings.image_size, dataset, sample, xy, subject, events));
  const std::string report = absl::StrFormat(
      "{\n  \"subject\": \"%s\",\n  \"points\": %d,\n  \"dimensions\": %d,\n"
      "  \"method\": \"%s\",\n  \"perplexity\": %g,\n  \"iterations\": %d,\n"
      "  \"trustworthiness_k10\": %.6f,\n  \"seconds\": %.3f\n}\n",
      subject, n, dim, options.barnes_hut ? "barnes_hut" : "exact", settings.perplexity,
      settings.iterations, trust,
      std::chrono::duration<double>(Clock::now() - start).count());
  EmitLog(events, absl::StrFormat("trustworthiness (k = 10): %.4f", trust));
  return WriteArtifact(run.job_dir, (fs::path(run.job_dir) / layout::kReportJson).string(),
                       report, events);
}

}  // namespace simclr::core
