// TSNE jobs: a stratified sample through one subject's encoder (or its raw
// pixels), mapped to 2-D with t-SNE, written as artifacts/tsne.png (a
// scatter plot coloured by class, with legend and title) and
// artifacts/tsne.csv (index, label, class, x, y), plus the map's
// trustworthiness (k = 10) in report.json.
#ifndef SIMCLR_CORE_EVAL_TSNE_JOB_H_
#define SIMCLR_CORE_EVAL_TSNE_JOB_H_

#include "absl/status/status.h"
#include "core/common/event_sink.h"
#include "core/runtime/job_run.h"
#include "simclr/v1/job_spec.pb.h"

namespace simclr::core {

absl::Status RunTsneJob(const v1::JobSpec& spec, const JobRun& run,
                        EventSink& events);

}  // namespace simclr::core

#endif  // SIMCLR_CORE_EVAL_TSNE_JOB_H_
