#include "client/artifacts_command.h"

#include <filesystem>

#include "absl/strings/match.h"
#include "absl/strings/str_format.h"
#include "client/job_client.h"

namespace simclr::client {
namespace {

void PrintArtifact(const v1::ArtifactFile& a, bool json) {
  if (json) {
    std::cout << Json(a) << "\n";
    return;
  }
  std::cout << absl::StrFormat("%-40s %-9s %10d  %s  %s\n", a.name(), a.kind(), a.size_bytes(),
                               a.sha256().substr(0, 12), a.media_type());
}

// A name from the server becomes a path under `dir` only if it stays there.
bool SafeName(const std::string& name) {
  return !name.empty() && name[0] != '/' && !absl::StrContains(name, "..");
}

int Download(const CliContext& context, const ArtifactsCommand& c, JobClient& jobs) {
  std::vector<std::string> names;
  if (!c.name.empty()) {
    names.push_back(c.name);
  } else {
    auto all = jobs.ListArtifacts(c.job_id);
    if (!all.ok()) return Fail("artifacts download", all.status());
    for (const auto& artifact : *all) names.push_back(artifact.name());
  }
  for (const auto& name : names) {
    if (!SafeName(name)) {
      std::cerr << "simclrctl artifacts download: skipping unsafe name " << name << "\n";
      continue;
    }
    const std::filesystem::path destination = std::filesystem::path(c.output) / name;
    std::error_code error;
    std::filesystem::create_directories(destination.parent_path(), error);
    absl::StatusOr<std::string> sha;
    {
      ProgressLine progress;
      sha = jobs.DownloadArtifact(c.job_id, name, destination.string(),
                                  [&](int64_t done, int64_t total) { progress(done, total); });
    }
    if (!sha.ok()) return Fail("artifacts download", sha.status());
    if (context.json) {
      std::cout << absl::StrFormat("{\"name\":\"%s\",\"path\":\"%s\",\"sha256\":\"%s\"}\n", name,
                                   destination.string(), *sha);
    } else {
      std::cout << destination.string() << ": sha256 " << *sha << " verified\n";
    }
  }
  return kExitOk;
}

}  // namespace

void AddArtifactsCommand(CLI::App& app, ArtifactsCommand* c) {
  c->group = app.add_subcommand("artifacts", "List and download what a job wrote");
  c->group->require_subcommand(1);
  c->list = c->group->add_subcommand("list", "A job's reports, pictures, tables and features");
  c->download = c->group->add_subcommand(
      "download", "Download one artifact, or all of them (resumable, SHA-256 checked)");
  for (CLI::App* command : {c->list, c->download}) {
    command->add_option("job_id", c->job_id, "Job id")->required();
  }
  c->download->add_option("name", c->name, "One artifact's name; empty: all");
  c->download->add_option("-o,--output", c->output, "Folder to write into")
      ->capture_default_str();
}

int RunArtifactsCommand(const CliContext& context, const ArtifactsCommand& c) {
  JobClient jobs(CreateChannel(context.channel), context.timeout());
  if (c.download->parsed()) return Download(context, c, jobs);
  if (c.list->parsed()) {
    auto all = jobs.ListArtifacts(c.job_id);
    if (!all.ok()) return Fail("artifacts list", all.status());
    for (const auto& artifact : *all) PrintArtifact(artifact, context.json);
    return kExitOk;
  }
  return kExitUsage;
}

}  // namespace simclr::client
