// REPORT jobs in the worker. Under simclrd the steps ran as jobs of their
// own and report.inputs names their run folders: this only composes the
// report (core/eval/report_page.h). A standalone worker given a report
// with no inputs runs the steps itself, one after another, in
// JOB_DIR/steps/NAME/; a step whose outputs are all there is kept, so a
// stopped run resumes at the step it was in.
#ifndef SIMCLR_CORE_WORKER_REPORT_JOB_H_
#define SIMCLR_CORE_WORKER_REPORT_JOB_H_

#include "absl/status/status.h"
#include "core/common/event_sink.h"
#include "core/runtime/job_run.h"
#include "simclr/v1/job_spec.pb.h"

namespace simclr::core {

absl::Status RunReportJob(const v1::JobSpec& spec, const JobRun& run, EventSink& events);

}  // namespace simclr::core

#endif  // SIMCLR_CORE_WORKER_REPORT_JOB_H_
