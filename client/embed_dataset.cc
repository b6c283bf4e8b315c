#include "client/embed_dataset.h"

#include <iostream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "client/job_client.h"
#include "client/jobs_command.h"

namespace simclr::client {

int RunEmbedDataset(const CliContext& context, const std::string& dataset_id,
                    const std::string& model, const std::string& out) {
  const std::string features = out.empty() ? "features.npy" : out;
  if (!absl::EndsWith(features, ".npy")) {
    std::cerr << "simclrctl embed --dataset: -o " << features << ": must end in .npy\n";
    return kExitUsage;
  }
  v1::JobSpec spec;
  spec.set_display_name(absl::StrCat("embed ", dataset_id, " with ", model));
  v1::EmbedConfig* embed = spec.mutable_embed();
  embed->mutable_data()->mutable_train()->set_dataset_id(dataset_id);
  if (absl::StartsWith(model, "job-")) {
    embed->mutable_subject()->set_job_id(model);
  } else {
    embed->mutable_subject()->set_checkpoint_id(model);
  }
  JobClient jobs(CreateChannel(context.channel), context.timeout());
  auto job = jobs.Submit(spec, "", false);
  if (!job.ok()) return Fail("embed", job.status());
  if (!context.json) std::cout << job->id() << " QUEUED: embedding " << dataset_id << "\n";
  if (const int code = WatchJob(jobs, job->id(), 0, context.json); code != kExitOk) return code;
  const std::string stem(absl::StripSuffix(features, ".npy"));
  for (const auto& [name, path] :
       {std::pair<std::string, std::string>{"artifacts/features.npy", features},
        {"artifacts/labels.npy", stem + ".labels.npy"},
        {"artifacts/indices.npy", stem + ".indices.npy"}}) {
    auto sha = jobs.DownloadArtifact(job->id(), name, path);
    if (!sha.ok()) return Fail("embed: download " + name, sha.status());
    if (!context.json) std::cout << path << "  sha256 " << *sha << "\n";
  }
  return kExitOk;
}

}  // namespace simclr::client
