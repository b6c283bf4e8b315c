// What a spec points at outside itself: the local paths it names (data,
// TorchScript files, checkpoint folders) and the server checkpoints it
// reads. The path policy checks the first, and the lifecycle (DeleteJob,
// DeleteCheckpoint, garbage collection) the second.
#ifndef SIMCLR_SERVER_JOBS_SPEC_REFERENCES_H_
#define SIMCLR_SERVER_JOBS_SPEC_REFERENCES_H_

#include <string>
#include <vector>

#include "simclr/v1/job_spec.pb.h"

namespace simclr::server {

struct PathField {
  std::string field;   // from JobSpec, e.g. "pretrain.data.train.local.path"
  std::string* value;  // into the spec, so that a caller may rewrite it
};

// Every non-empty local path of a valid spec.
std::vector<PathField> LocalPaths(v1::JobSpec& spec);

struct IdField {
  std::string field;  // e.g. "linear_eval.subjects[0].checkpoint_id"
  std::string id;
};

// Every checkpoint id a valid spec reads (its encoder's and its subjects').
std::vector<IdField> CheckpointIds(const v1::JobSpec& spec);

// Every job id a valid spec's subjects name (EvalSubject.job_id: the final
// checkpoint of that pretraining job); the spec's job waits for them.
std::vector<IdField> JobIds(const v1::JobSpec& spec);

// Every uploaded model a valid spec names, mutable for resolving: fields
// end in ".torchscript" (the TorchScriptEncoder holding model_id).
struct ModelField {
  std::string field;
  v1::TorchScriptEncoder* torchscript;
};
std::vector<ModelField> ModelIds(v1::JobSpec& spec);

}  // namespace simclr::server

#endif  // SIMCLR_SERVER_JOBS_SPEC_REFERENCES_H_
