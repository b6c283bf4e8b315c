// A finished pretraining job written straight into a fresh data dir's store,
// as simclrd leaves one, for benches that plant checkpoint files in its
// folder: simclrd removes a job folder without a record at start (a submit
// or delete cut short), and serves only the checkpoints of recorded jobs.
#ifndef SIMCLR_BENCH_RECORDED_JOB_H_
#define SIMCLR_BENCH_RECORDED_JOB_H_

#include <string>

namespace simclr::bench {

// A new job id, recorded as SUCCEEDED and owned by the local principal,
// with its run folder created; "" (and a message on stderr) on failure.
std::string RecordFinishedJob(const std::string& data_dir);

}  // namespace simclr::bench

#endif  // SIMCLR_BENCH_RECORDED_JOB_H_
