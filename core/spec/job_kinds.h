// The job kinds: one row per kind, the one place that knows what a kind
// is (DESIGN.md, "One owner per concept"). The server and the worker look a
// kind up here instead of switching on JobSpec::kind_case(); adding a kind
// is one row here, one runner row in core/worker/job_runners.cc, and the
// kind's own files. Torch-free, so that simclrd and the tests can use it
// without the engine.
#ifndef SIMCLR_CORE_SPEC_JOB_KINDS_H_
#define SIMCLR_CORE_SPEC_JOB_KINDS_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/types/span.h"
#include "simclr/v1/job.pb.h"
#include "simclr/v1/job_spec.pb.h"

namespace simclr::core {

// An evaluation subject of a spec and its field path
// ("linear_eval.subjects[1]").
using SubjectRef = std::pair<v1::EvalSubject*, std::string>;

struct JobKindInfo {
  v1::JobSpec::KindCase kind_case;
  v1::JobKind kind;
  // The JobSpec field that holds the config, e.g. "linear_eval".
  const char* name;
  // Every field of the kind's config: its settings resolver, result
  // dropped.
  absl::Status (*validate)(const v1::JobSpec& spec);
  // After a pause or a restart it continues (from its newest checkpoint, or
  // after its finished runs: the worker's `resume`); the others rerun.
  bool resumable;
  // The config's DataConfig.
  v1::DataConfig* (*mutable_data)(v1::JobSpec& spec);
  const v1::DataConfig& (*data)(const v1::JobSpec& spec);
  // The config's evaluation subjects, in order; none for pretraining.
  std::vector<SubjectRef> (*mutable_subjects)(v1::JobSpec& spec);
  // What a successful run leaves in its run folder for people and programs
  // (paths relative to it); the worker checks they exist before it reports
  // success.
  std::vector<std::string> artifacts;
};

// Every kind, in JobKind order.
absl::Span<const JobKindInfo> JobKinds();
// Null for a spec with no kind set.
const JobKindInfo* FindJobKind(const v1::JobSpec& spec);
const JobKindInfo* FindJobKind(v1::JobKind kind);

// Checks every field of `spec`: ranges, cross-field rules, enum values,
// string lengths and label limits, as documented in the .proto comments.
// INVALID_ARGUMENT naming the field path from JobSpec, e.g.
// "pretrain.optimizer.learning_rate: 0 is outside (0, 10]". What needs a
// server (that ids exist, ownership, which local paths may be read, which
// devices are there) is the server's to add.
absl::Status ValidateJobSpec(const v1::JobSpec& spec);

}  // namespace simclr::core

#endif  // SIMCLR_CORE_SPEC_JOB_KINDS_H_
