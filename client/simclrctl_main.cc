// simclrctl: the command line over simclrd's gRPC API. One file per command
// group (jobs, datasets, models, checkpoints, embed, health); this one parses the
// global options and hands over. Exit codes: client/cli_common.h. Errors go
// to stderr; --json prints protobuf JSON (one object per line).
#include <iostream>

#include "CLI/CLI.hpp"
#include "client/checkpoints_command.h"
#include "client/cli_common.h"
#include "client/artifacts_command.h"
#include "client/datasets_command.h"
#include "client/models_command.h"
#include "client/report_command.h"
#include "client/embed_command.h"
#include "client/embed_dataset.h"
#include "client/health_command.h"
#include "client/jobs_command.h"
#include "core/common/blis_kernels.h"
#include "core/common/process_setup.h"

namespace {

using namespace simclr::client;  // NOLINT: this file is the CLI's top

void AddGlobalOptions(CLI::App& app, CliContext* context) {
  app.add_option("-s,--server", context->channel.target, "simclrd address, host:port")
      ->envname("SIMCLR_SERVER")
      ->capture_default_str();
  app.add_option("--token", context->channel.token,
                 "Bearer token for a server with --auth_tokens_file")
      ->envname("SIMCLR_TOKEN");
  app.add_option("--tls_ca", context->channel.tls_ca,
                 "PEM CA of the server's certificate: connect with TLS")
      ->envname("SIMCLR_TLS_CA")
      ->check(CLI::ExistingFile);
  app.add_option("--tls_cert", context->channel.tls_cert, "PEM client certificate (mTLS)")
      ->check(CLI::ExistingFile);
  app.add_option("--tls_key", context->channel.tls_key, "PEM client key (mTLS)")
      ->check(CLI::ExistingFile);
  app.add_option("--timeout", context->timeout_seconds, "RPC deadline in seconds")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_flag("--json", context->json, "Machine-readable output (protobuf JSON)");
}

// Global options (--json, --server, --timeout) may also follow a command.
void LetGlobalOptionsFollow(const std::vector<CLI::App*>& groups) {
  for (CLI::App* group : groups) {
    group->fallthrough();
    for (CLI::App* command : group->get_subcommands({})) command->fallthrough();
  }
}

}  // namespace

int main(int argc, char** argv) {
  simclr::core::ConfigureMalloc();
  simclr::core::ChooseBlisKernels();
  CLI::App app{
      "simclrctl: manage datasets, jobs, checkpoints and embeddings on a simclrd server"};
  app.require_subcommand(1);
  CliContext context;
  AddGlobalOptions(app, &context);
  HealthCommand health;
  AddHealthCommand(app, &health);
  JobsCommand jobs;
  AddJobsCommand(app, &jobs);
  CheckpointsCommand checkpoints;
  AddCheckpointsCommand(app, &checkpoints);
  DatasetsCommand datasets;
  AddDatasetsCommand(app, &datasets);
  ModelsCommand models;
  AddModelsCommand(app, &models);
  ArtifactsCommand artifacts;
  AddArtifactsCommand(app, &artifacts);
  ReportCommand report;
  AddReportCommand(app, &report);
  EmbedCommandArgs embed_args;
  CLI::App* embed = AddEmbedCommand(app, &embed_args);
  embed->fallthrough();
  LetGlobalOptionsFollow(
      {jobs.group, checkpoints.group, datasets.group, models.group, artifacts.group,
       report.group});
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return kExitUsage;
  }
  if (health.command->parsed()) return RunHealthCommand(context, health);
  if (embed->parsed() && !embed_args.dataset_id.empty()) {
    if (!embed_args.inputs.empty()) {
      std::cerr << "simclrctl embed: images or --dataset, not both\n";
      return kExitUsage;
    }
    return RunEmbedDataset(context, embed_args.dataset_id, embed_args.model, embed_args.out);
  }
  if (embed->parsed()) {
    return RunEmbedCommand(context.channel, embed_args, context.timeout_seconds,
                           context.json);
  }
  if (jobs.group->parsed()) return RunJobsCommand(context, jobs);
  if (datasets.group->parsed()) return RunDatasetsCommand(context, datasets);
  if (models.group->parsed()) return RunModelsCommand(context, models);
  if (artifacts.group->parsed()) return RunArtifactsCommand(context, artifacts);
  if (report.group->parsed()) return RunReportCommand(context, report);
  if (checkpoints.group->parsed()) return RunCheckpointsCommand(context, checkpoints);
  return kExitUsage;
}
