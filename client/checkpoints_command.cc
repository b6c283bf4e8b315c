#include "client/checkpoints_command.h"

#include "absl/strings/str_format.h"
#include "client/checkpoint_client.h"

namespace simclr::client {
namespace {

void PrintCheckpoint(const v1::Checkpoint& c, bool json) {
  if (json) {
    std::cout << Json(c) << "\n";
    return;
  }
  std::cout << absl::StrFormat("%-26s %-18s step %-7d epoch %-4d", c.id(), c.job_id(),
                               c.step(), c.epoch());
  for (const char* metric : {"train_loss", "val_loss", "knn_top1"}) {
    auto it = c.metrics().find(metric);
    if (it != c.metrics().end()) std::cout << absl::StrFormat(" %s %.4f", metric, it->second);
  }
  if (c.is_best()) std::cout << "  (best)";
  std::cout << "\n";
}

int Download(const CliContext& context, const CheckpointsCommand& c,
             CheckpointClient& client) {
  const std::string destination = c.output.empty() ? c.file : c.output;
  const absl::Time start = absl::Now();
  int64_t bytes = 0;
  absl::StatusOr<std::string> sha256;
  {
    ProgressLine progress;
    sha256 = client.Download(c.checkpoint_id, c.file, destination,
                             [&](int64_t done, int64_t total) {
                               bytes = done;
                               progress(done, total);
                             });
  }
  if (!sha256.ok()) return Fail("checkpoints download", sha256.status());
  const double seconds = absl::ToDoubleSeconds(absl::Now() - start);
  if (context.json) {
    std::cout << absl::StrFormat(
        "{\"path\":\"%s\",\"bytes\":%d,\"sha256\":\"%s\",\"seconds\":%.3f}\n",
        destination, bytes, *sha256, seconds);
  } else {
    std::cout << absl::StrFormat("%s: %d bytes, sha256 %s verified, %.2f s\n",
                                 destination, bytes, *sha256, seconds);
  }
  return kExitOk;
}

}  // namespace

void AddCheckpointsCommand(CLI::App& app, CheckpointsCommand* c) {
  c->group = app.add_subcommand("checkpoints", "List, download and delete checkpoints");
  c->group->require_subcommand(1);
  c->list = c->group->add_subcommand("list", "Checkpoints, newest first");
  c->list->add_option("--job", c->job_id, "Only this job's");
  c->get = c->group->add_subcommand("get", "One checkpoint");
  c->download = c->group->add_subcommand(
      "download", "Download a checkpoint file (resumes a .part), verify its SHA-256");
  c->rm = c->group->add_subcommand("rm", "Delete a checkpoint of an ended job");
  for (CLI::App* command : {c->get, c->download, c->rm}) {
    command->add_option("checkpoint_id", c->checkpoint_id, "Checkpoint id")->required();
  }
  c->download->add_option("--file", c->file, "encoder.pt, state.pt or meta.json")
      ->capture_default_str();
  c->download->add_option("-o,--output", c->output,
                          "Where to write it (default: the file name)");
}

int RunCheckpointsCommand(const CliContext& context, const CheckpointsCommand& c) {
  CheckpointClient client(CreateChannel(context.channel), context.timeout());
  if (c.download->parsed()) return Download(context, c, client);
  if (c.list->parsed()) {
    auto all = client.List(c.job_id);
    if (!all.ok()) return Fail("checkpoints list", all.status());
    for (const auto& checkpoint : *all) PrintCheckpoint(checkpoint, context.json);
    return kExitOk;
  }
  if (c.rm->parsed()) {
    if (auto status = client.Delete(c.checkpoint_id); !status.ok()) {
      return Fail("checkpoints rm", status);
    }
    if (!context.json) std::cout << c.checkpoint_id << " deleted\n";
    return kExitOk;
  }
  if (c.get->parsed()) {
    auto checkpoint = client.Get(c.checkpoint_id);
    if (!checkpoint.ok()) return Fail("checkpoints get", checkpoint.status());
    PrintCheckpoint(*checkpoint, context.json);
    return kExitOk;
  }
  return kExitUsage;
}

}  // namespace simclr::client
