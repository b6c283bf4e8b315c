#include "server/jobs/job_records.h"

#include <filesystem>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "core/common/atomic_file.h"
#include "core/common/job_spec_json.h"
#include "core/common/layout.h"
#include "core/common/status_macros.h"
#include "core/spec/job_kinds.h"
#include "google/protobuf/util/time_util.h"
#include "server/jobs/job_state_machine.h"
#include "server/jobs/spec_references.h"

namespace simclr::server {
namespace {

absl::Status ResolveDataset(const IdResolvers& resolvers, const std::string& field,
                            v1::DataSource& source) {
  if (!source.has_dataset_id() || !resolvers.dataset) return absl::OkStatus();
  auto local = resolvers.dataset(source.dataset_id());
  if (!local.ok()) {
    return absl::FailedPreconditionError(
        absl::StrCat("spec.", field, ".dataset_id: ", local.status().message()));
  }
  *source.mutable_local() = *std::move(local);
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<v1::JobSpec> ResolveWorkerSpec(const v1::JobSpec& spec,
                                              const IdResolvers& resolvers) {
  v1::JobSpec worker_spec = spec;
  const core::JobKindInfo& kind = *core::FindJobKind(worker_spec);
  v1::DataConfig* data = kind.mutable_data(worker_spec);
  const std::string field = absl::StrCat(kind.name, ".data");
  // has_ first: mutable_ would plant an empty source in the spec.
  if (data->has_train()) {
    SIMCLR_RETURN_IF_ERROR(
        ResolveDataset(resolvers, field + ".train", *data->mutable_train()));
  }
  if (data->has_test()) {
    SIMCLR_RETURN_IF_ERROR(
        ResolveDataset(resolvers, field + ".test", *data->mutable_test()));
  }
  // Continued pretraining: the checkpoint's encoder.pt is a TorchScript
  // encoder like a user's own, its layers unfrozen in the spec's rounds.
  if (worker_spec.has_pretrain() && worker_spec.pretrain().encoder().has_checkpoint_id() &&
      resolvers.checkpoint) {
    v1::EncoderConfig* encoder = worker_spec.mutable_pretrain()->mutable_encoder();
    auto folder = resolvers.checkpoint(encoder->checkpoint_id());
    if (!folder.ok()) {
      return absl::FailedPreconditionError(absl::StrCat(
          "spec.pretrain.encoder.checkpoint_id: ", folder.status().message()));
    }
    encoder->mutable_torchscript()->set_path(
        absl::StrCat(*folder, "/", core::layout::kEncoderFile));
  }
  if (resolvers.model) {
    for (auto& [at, torchscript] : ModelIds(worker_spec)) {
      auto path = resolvers.model(torchscript->model_id());
      if (!path.ok()) {
        return absl::FailedPreconditionError(
            absl::StrCat("spec.", at, ".model_id: ", path.status().message()));
      }
      torchscript->set_path(*path);
    }
  }
  for (auto [subject, at] : kind.mutable_subjects(worker_spec)) {
    if (!subject->has_checkpoint_id() || !resolvers.checkpoint) continue;
    auto folder = resolvers.checkpoint(subject->checkpoint_id());
    if (!folder.ok()) {
      return absl::FailedPreconditionError(absl::StrCat(
          "spec.", at, ".checkpoint_id: ", folder.status().message()));
    }
    subject->set_checkpoint_path(*folder);
  }
  // The job's final checkpoint, which exists once the job it waits for
  // has succeeded.
  for (auto [subject, at] : kind.mutable_subjects(worker_spec)) {
    if (!subject->has_job_id() || !resolvers.job) continue;
    auto run = resolvers.job(subject->job_id());
    if (!run.ok()) {
      return absl::FailedPreconditionError(
          absl::StrCat("spec.", at, ".job_id: ", run.status().message()));
    }
    subject->set_checkpoint_path(core::layout::CheckpointLink(*run, core::layout::kFinalLink));
  }
  return worker_spec;
}

core::WorkerInvocation InvocationFor(const v1::Job& job, const std::string& job_folder,
                                     const std::string& worker_path, int default_threads,
                                     const std::string& default_device) {
  core::WorkerInvocation invocation;
  invocation.worker_path = worker_path;
  invocation.num_threads =
      job.spec().num_threads() > 0 ? job.spec().num_threads() : default_threads;
  invocation.resume = core::FindJobKind(job.kind())->resumable;
  invocation.spec_path = core::layout::SpecPath(job_folder);
  invocation.job_dir = core::layout::RunFolder(job_folder);
  invocation.device = job.spec().device().empty() ? default_device : job.spec().device();
  return invocation;
}

absl::Status WriteJobFolder(const std::string& job_folder, const v1::JobSpec& worker_spec) {
  std::error_code error;
  std::filesystem::create_directories(job_folder, error);
  if (error) {
    return absl::InternalError(
        absl::StrCat("cannot create ", job_folder, ": ", error.message()));
  }
  SIMCLR_ASSIGN_OR_RETURN(const std::string json, core::JobSpecToJson(worker_spec));
  return core::WriteFileAtomically(core::layout::SpecPath(job_folder), json, "spec");
}

google::protobuf::Timestamp NowTimestamp() {
  return google::protobuf::util::TimeUtil::NanosecondsToTimestamp(
      absl::ToUnixNanos(absl::Now()));
}

v1::JobEvent ApplyStateChange(v1::JobState state, const std::string& reason, v1::Job& job) {
  job.set_state(state);
  if (state == v1::JOB_STATE_RUNNING && !job.has_start_time()) {
    *job.mutable_start_time() = NowTimestamp();
  }
  if (IsTerminal(state)) *job.mutable_end_time() = NowTimestamp();
  v1::JobEvent event;
  event.set_seq(job.last_event_seq() + 1);
  event.set_job_id(job.id());
  *event.mutable_time() = NowTimestamp();
  event.mutable_state_change()->set_state(state);
  event.mutable_state_change()->set_reason(reason);
  job.set_last_event_seq(event.seq());
  return event;
}

void ApplyWorkerEvent(v1::JobEvent& event, v1::Job& job) {
  if (event.has_progress()) {
    const v1::TrainProgress& p = event.progress();
    v1::JobProgress* progress = job.mutable_progress();
    progress->set_epoch(p.epoch());
    progress->set_step(p.step());
    progress->set_total_steps(p.total_steps());
    progress->set_loss(p.loss());
    progress->set_samples_per_second(p.samples_per_second());
    *progress->mutable_eta() = p.eta();
  }
  if (event.has_checkpoint()) {
    const std::string id = core::layout::CheckpointId(job.id(), event.checkpoint().step());
    event.mutable_checkpoint()->set_checkpoint_id(id);
    job.set_latest_checkpoint_id(id);
    if (event.checkpoint().is_best()) job.set_best_checkpoint_id(id);
  }
  if (event.has_failure()) *job.mutable_failure() = event.failure();
}

}  // namespace simclr::server
