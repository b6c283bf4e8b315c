#include "core/worker/job_runners.h"

#include <utility>

#include "core/eval/embed_job.h"
#include "core/eval/finetune_job.h"
#include "core/eval/linear_eval_job.h"
#include "core/eval/tsne_job.h"
#include "core/train/pretrainer.h"
#include "core/worker/report_job.h"

namespace simclr::core {

JobRunner RunnerFor(v1::JobKind kind) {
  static constexpr std::pair<v1::JobKind, JobRunner> kRunners[] = {
      {v1::JOB_KIND_PRETRAIN, &RunPretraining},
      {v1::JOB_KIND_LINEAR_EVAL, &RunLinearEval},
      {v1::JOB_KIND_FINETUNE, &RunFinetune},
      {v1::JOB_KIND_TSNE, &RunTsneJob},
      {v1::JOB_KIND_EMBED, &RunEmbedJob},
      {v1::JOB_KIND_REPORT, &RunReportJob},
  };
  for (const auto& [k, runner] : kRunners) {
    if (k == kind) return runner;
  }
  return nullptr;
}

}  // namespace simclr::core
