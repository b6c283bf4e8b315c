// The runs an evaluation job has finished, one line each in
// DIR/finished_runs.jsonl, so that a paused, killed or restarted job (and
// `simclr-worker resume`) reruns none of them. Runs are independent (each
// has its own seed, subset and fresh model), so skipping the finished ones
// gives the same report as an uninterrupted job.
//
// Line 1 is {"spec_sha256":"…"}, the fingerprint of what the runs depend
// on; each later line is one run as an EvalResult (its top-1, epochs, steps
// and confusion matrix) in the job's run order.
#ifndef SIMCLR_CORE_EVAL_FINISHED_RUNS_H_
#define SIMCLR_CORE_EVAL_FINISHED_RUNS_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "simclr/v1/job.pb.h"
#include "simclr/v1/job_spec.pb.h"

namespace simclr::core {

class FinishedRuns {
 public:
  // resume = false starts an empty file. resume = true keeps the runs of a
  // file written for the same fingerprint (a torn last line, from a kill
  // mid-write, is dropped); FAILED_PRECONDITION when the fingerprint
  // differs, DATA_LOSS when an earlier line is unreadable.
  static absl::StatusOr<FinishedRuns> Open(const std::string& job_dir,
                                           const std::string& fingerprint,
                                           bool resume);

  // Finished runs in run order.
  const std::vector<v1::EvalResult>& runs() const { return runs_; }

  // Run `index` (0-based, in run order) when it finished before, checked
  // to be a run of `subject` at `fraction` (FAILED_PRECONDITION naming the
  // line otherwise); nullptr when it has not run yet.
  absl::StatusOr<const v1::EvalResult*> Finished(size_t index,
                                                 const std::string& subject,
                                                 double fraction) const;

  // Appends the next run and flushes it to the file.
  absl::Status Append(const v1::EvalResult& run);

  const std::string& path() const { return path_; }

 private:
  std::string path_;
  std::vector<v1::EvalResult> runs_;
};

// What an evaluation job's runs depend on, as a SHA-256: its seed and its
// kind's config (not the display name, device, threads or labels).
std::string EvalFingerprint(const v1::JobSpec& spec);

// Adds one finished run (top-1, C, epochs, steps, confusion counts) to the
// cell that collects its fraction and subject.
void AddRunToCell(const v1::EvalResult& run, v1::EvalResult& cell);

}  // namespace simclr::core

#endif  // SIMCLR_CORE_EVAL_FINISHED_RUNS_H_
