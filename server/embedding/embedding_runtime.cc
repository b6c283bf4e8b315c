#include "server/embedding/embedding_runtime.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "core/common/field_error.h"
#include "core/common/layout.h"
#include "core/common/status_macros.h"
#include "core/common/utf8.h"
#include "core/spec/checks.h"
#include "core/inference/embed_inputs.h"
#include "glog/logging.h"
#include "server/checkpoints/checkpoint_catalog.h"
#include "server/metrics/embed_metrics.h"

namespace simclr::server {
namespace {

constexpr int kMaxImagesPerRequest = 1024;
// Images one turn of a prepare thread decodes: a 1024-image request takes
// 128 turns, and a 1-image request queued behind it waits for one.
constexpr int kImagesPerTurn = 8;

absl::Status CheckOptions(const EmbeddingOptions& o) {
  if (o.max_batch < 1 || o.max_batch > 4096) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--embed_max_batch ", o.max_batch, ": must be in [1, 4096]"));
  }
  if (o.max_queue_delay < absl::ZeroDuration() ||
      o.max_queue_delay > absl::Seconds(1)) {
    return absl::InvalidArgumentError(
        absl::StrCat("--embed_max_queue_delay_us ",
                     absl::ToInt64Microseconds(o.max_queue_delay),
                     ": must be in [0, 1000000]"));
  }
  if (o.max_queued_images < kMaxImagesPerRequest) {
    return absl::InvalidArgumentError(
        absl::StrCat("--embed_max_queue ", o.max_queued_images, ": must be ≥ ",
                     kMaxImagesPerRequest, " (one full request)"));
  }
  if (o.lanes < 1 || o.lanes > 64) {
    return absl::InvalidArgumentError(
        absl::StrCat("--embed_lanes ", o.lanes, ": must be in [1, 64]"));
  }
  if (o.cache_models < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("--embed_cache_models ", o.cache_models, ": must be ≥ 1"));
  }
  return absl::OkStatus();
}

// The request's strings, before any model is looked up: request_id at most
// 128 bytes, ids in their server-assigned forms.
absl::Status CheckRequestFields(const v1::EmbedRequest& request) {
  SIMCLR_RETURN_IF_ERROR(core::CheckLength("request_id", request.request_id(), 128));
  const v1::ModelRef& model = request.model();
  if (model.ref_case() == v1::ModelRef::kCheckpointId &&
      !core::layout::ParseCheckpointId(model.checkpoint_id()).ok()) {
    return core::FieldError("model.checkpoint_id",
                            absl::StrCat("\"", core::SafeText(model.checkpoint_id(), 64),
                                         "\" is not a checkpoint id (ckpt-<job>-<step>)"));
  }
  if (model.ref_case() == v1::ModelRef::kJobId && !core::layout::IsJobId(model.job_id())) {
    return core::FieldError("model.job_id",
                            absl::StrCat("\"", core::SafeText(model.job_id(), 64),
                                         "\" is not a job id (job-…)"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status EmbeddingRuntime::CheckRequest(const v1::EmbedRequest& request) {
  SIMCLR_RETURN_IF_ERROR(CheckRequestFields(request));
  const int images = request.images_size();
  if (images < 1 || images > kMaxImagesPerRequest) {
    return absl::InvalidArgumentError(
        absl::StrCat("images: ", images, " images, expected 1 to ", kMaxImagesPerRequest));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<EmbeddingRuntime>> EmbeddingRuntime::Create(
    const EmbeddingOptions& options, const CheckpointCatalog* catalog,
    EmbedMetrics* metrics) {
  SIMCLR_RETURN_IF_ERROR(CheckOptions(options));
  return std::unique_ptr<EmbeddingRuntime>(
      new EmbeddingRuntime(options, catalog, metrics));
}

EmbeddingRuntime::EmbeddingRuntime(const EmbeddingOptions& options,
                                   const CheckpointCatalog* catalog,
                                   EmbedMetrics* metrics)
    : options_(options),
      catalog_(catalog),
      metrics_(metrics),
      cache_([this](const std::string& id) { return LoadModel(id); },
             [](const core::LoadedEncoder& encoder) { return encoder.bytes(); },
             static_cast<size_t>(options.cache_models), options.cache_bytes) {
  core::BatcherOptions batcher;
  batcher.max_batch = options.max_batch;
  batcher.max_queue_delay = options.max_queue_delay;
  batcher.lanes = options.lanes;
  batcher.on_batch = [metrics](int64_t images, absl::Duration) {
    if (metrics != nullptr) metrics->ObserveBatch(images);
  };
  batcher_ = std::make_unique<core::DynamicBatcher>(std::move(batcher));
  prepare_ = std::make_unique<core::ThreadPool>(options.prepare_threads);
}

EmbeddingRuntime::~EmbeddingRuntime() { Stop(); }

void EmbeddingRuntime::Stop() {
  prepare_->Stop();  // runs what is queued: each reaches the batcher or fails
  batcher_->Stop();
}

absl::StatusOr<std::shared_ptr<const core::LoadedEncoder>>
EmbeddingRuntime::LoadModel(const std::string& checkpoint_id) {
  SIMCLR_ASSIGN_OR_RETURN(auto checkpoint, catalog_->Get(checkpoint_id));
  const std::string folder = catalog_->FolderOf(checkpoint);
  if (metrics_ != nullptr) metrics_->CountModelLoad();
  auto encoder = core::LoadedEncoder::Load(
      folder, checkpoint_id, checkpoint.encoder(), options_.device);
  if (encoder.ok()) LOG(INFO) << "embedding: loaded " << checkpoint_id;
  return encoder;
}

absl::StatusOr<std::string> EmbeddingRuntime::ResolveCheckpoint(
    const v1::ModelRef& ref) const {
  switch (ref.ref_case()) {
    case v1::ModelRef::kCheckpointId:
      return ref.checkpoint_id();
    case v1::ModelRef::kJobId:
      return catalog_->LatestId(ref.job_id());
    default:
      return absl::InvalidArgumentError(
          "model: set checkpoint_id or job_id (the job's newest checkpoint)");
  }
}

absl::StatusOr<std::shared_ptr<const core::LoadedEncoder>>
EmbeddingRuntime::ResolveModel(const v1::ModelRef& ref) {
  auto checkpoint_id = ResolveCheckpoint(ref);
  if (!checkpoint_id.ok()) return checkpoint_id.status();
  auto model = cache_.Get(*checkpoint_id);
  if (!model.ok() && absl::IsNotFound(model.status()) &&
      ref.ref_case() == v1::ModelRef::kJobId) {
    // Retention pruned the newest checkpoint between listing and loading,
    // so a newer one exists: follow the job to it.
    checkpoint_id = ResolveCheckpoint(ref);
    if (!checkpoint_id.ok()) return checkpoint_id.status();
    model = cache_.Get(*checkpoint_id);
  }
  if (metrics_ != nullptr)
    metrics_->SetModelsLoaded(static_cast<int64_t>(cache_.size()));
  return model;
}

void EmbeddingRuntime::Embed(const v1::EmbedRequest* request,
                             v1::EmbedResponse* response, absl::Time deadline,
                             std::shared_ptr<const std::atomic<bool>> cancelled,
                             Done done) {
  const int64_t images = request->images_size();
  if (auto status = CheckRequest(*request); !status.ok()) {
    if (metrics_ != nullptr) metrics_->RecordRequest(status.code());
    done(std::move(status));
    return;
  }
  {
    absl::ReleasableMutexLock lock(&mu_);
    if (admitted_images_ + images > options_.max_queued_images) {
      const int64_t pending = admitted_images_;
      lock.Release();
      if (metrics_ != nullptr)
        metrics_->RecordRequest(absl::StatusCode::kResourceExhausted);
      done(absl::ResourceExhaustedError(
          absl::StrCat("embedding queue full: ", pending,
                       " images pending, limit ", options_.max_queued_images,
                       " (--embed_max_queue); retry with backoff")));
      return;
    }
    admitted_images_ += images;
  }
  if (metrics_ != nullptr) metrics_->AddPending(1);
  // Served requests' latency, admission to answer, unary and streamed alike.
  const absl::Time admitted = absl::Now();
  auto shared_done = std::make_shared<Done>(
      [this, admitted, done = std::move(done)](absl::Status status) {
        if (status.ok() && metrics_ != nullptr) {
          metrics_->ObserveRequest(absl::Now() - admitted);
        }
        done(std::move(status));
      });
  auto preparation = std::make_shared<Preparation>();
  preparation->request = request;
  preparation->response = response;
  preparation->deadline = deadline;
  preparation->cancelled = std::move(cancelled);
  preparation->done = *shared_done;
  const bool scheduled =
      prepare_->ScheduleSteps([this, preparation] { return PrepareStep(*preparation); });
  if (!scheduled) {
    Finish(images,
           absl::UnavailableError("the embedding service is shutting down"),
           *shared_done);
  }
}

bool EmbeddingRuntime::PrepareStep(Preparation& p) {
  const int images = p.request->images_size();
  if (p.cancelled != nullptr && p.cancelled->load()) {
    Finish(images, absl::CancelledError("cancelled before it was prepared"), p.done);
    return false;
  }
  if (!p.model_resolved) {
    auto model = ResolveModel(p.request->model());
    if (!model.ok()) {
      Finish(images, model.status(), p.done);
      return false;
    }
    p.task.model = *model;
    p.task.count = images;
    p.task.inputs.resize(static_cast<size_t>(images) * p.task.model->input().values());
    p.model_resolved = true;
    return true;
  }
  const int end = std::min(images, p.next_image + kImagesPerTurn);
  if (auto status = core::PrepareEmbedInputs(p.request->images(), p.next_image, end,
                                             p.task.model->input(),
                                             options_.max_image_pixels, p.task.inputs.data());
      !status.ok()) {
    Finish(images, status, p.done);
    return false;
  }
  p.next_image = end;
  if (end < images) return true;
  SubmitPrepared(p);
  return false;
}

void EmbeddingRuntime::SubmitPrepared(Preparation& p) {
  const v1::EmbedRequest* request = p.request;
  v1::EmbedResponse* response = p.response;
  const int64_t images = request->images_size();
  core::EmbedTask task = std::move(p.task);
  Done done = std::move(p.done);
  const absl::Time deadline = p.deadline;
  std::shared_ptr<const std::atomic<bool>> cancelled = std::move(p.cancelled);
  task.l2_normalize = request->l2_normalize();
  task.deadline = deadline;
  task.cancelled = std::move(cancelled);
  const std::shared_ptr<const core::LoadedEncoder> served = task.model;
  auto shared_done = std::make_shared<Done>(std::move(done));
  task.done = [this, images, request, response, served,
               shared_done](absl::StatusOr<core::EmbedOutput> output) {
    if (!output.ok()) {
      Finish(images, output.status(), *shared_done);
      return;
    }
    if (metrics_ != nullptr) {
      metrics_->ObserveQueue(output->queued);
      metrics_->ObserveCompute(output->compute);
    }
    const int dim = served->feature_dim();
    response->Clear();
    response->set_checkpoint_id(served->checkpoint_id());
    response->set_feature_dim(dim);
    response->set_request_id(request->request_id());
    for (int64_t i = 0; i < images; ++i) {
      auto* values = response->add_embeddings()->mutable_values();
      values->Resize(dim, 0.0f);
      std::copy_n(output->vectors.data() + i * dim, dim,
                  values->mutable_data());
    }
    Finish(images, absl::OkStatus(), *shared_done);
  };
  if (auto status = batcher_->Submit(std::move(task)); !status.ok()) {
    Finish(images, status, *shared_done);
  }
}

void EmbeddingRuntime::Finish(int64_t images, const absl::Status& status,
                              const Done& done) {
  {
    absl::MutexLock lock(&mu_);
    admitted_images_ -= images;
  }
  if (metrics_ != nullptr) {
    metrics_->AddPending(-1);
    metrics_->RecordRequest(status.code());
  }
  done(status);
}

}  // namespace simclr::server
