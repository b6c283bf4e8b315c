// EMBED jobs: every image of a dataset through one subject's encoder (or
// its raw pixels), written as artifacts/features.npy (float32, N × D, a
// block of images at a time, never whole in memory), artifacts/labels.npy
// and artifacts/indices.npy (int64, N), with progress events as it goes.
#ifndef SIMCLR_CORE_EVAL_EMBED_JOB_H_
#define SIMCLR_CORE_EVAL_EMBED_JOB_H_

#include "absl/status/status.h"
#include "core/common/event_sink.h"
#include "core/runtime/job_run.h"
#include "simclr/v1/job_spec.pb.h"

namespace simclr::core {

inline constexpr char kFeaturesNpy[] = "artifacts/features.npy";
inline constexpr char kLabelsNpy[] = "artifacts/labels.npy";
inline constexpr char kIndicesNpy[] = "artifacts/indices.npy";

absl::Status RunEmbedJob(const v1::JobSpec& spec, const JobRun& run, EventSink& events);

}  // namespace simclr::core

#endif  // SIMCLR_CORE_EVAL_EMBED_JOB_H_
