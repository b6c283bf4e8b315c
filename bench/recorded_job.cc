#include "bench/recorded_job.h"

#include <cstdio>
#include <filesystem>

#include "core/common/layout.h"
#include "server/auth/principal.h"
#include "server/jobs/job_records.h"
#include "server/store/job_store.h"

namespace simclr::bench {

std::string RecordFinishedJob(const std::string& data_dir) {
  std::filesystem::create_directories(data_dir);
  auto store = server::JobStore::Open(core::layout::DatabasePath(data_dir));
  if (!store.ok()) {
    std::fprintf(stderr, "%s\n", store.status().ToString().c_str());
    return "";
  }
  v1::Job job;
  job.set_id(core::layout::NewJobId());
  job.set_kind(v1::JOB_KIND_PRETRAIN);
  job.set_owner(std::string(server::kLocalPrincipal));
  job.mutable_spec()->set_display_name("bench: planted checkpoint");
  job.mutable_spec()->mutable_pretrain()->mutable_encoder()->mutable_builtin()->set_arch(
      v1::ARCHITECTURE_SMALL_CNN);
  for (auto state : {v1::JOB_STATE_QUEUED, v1::JOB_STATE_RUNNING, v1::JOB_STATE_SUCCEEDED}) {
    const absl::Status put =
        (*store)->AppendEventAndPutJob(server::ApplyStateChange(state, "bench", job), job);
    if (!put.ok()) {
      std::fprintf(stderr, "%s\n", put.ToString().c_str());
      return "";
    }
  }
  std::filesystem::create_directories(
      core::layout::RunFolder(core::layout::JobFolder(data_dir, job.id())));
  return job.id();
}

}  // namespace simclr::bench
