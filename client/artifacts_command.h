// `simclrctl artifacts list|download JOB [NAME] [-o DIR]`.
#ifndef SIMCLR_CLIENT_ARTIFACTS_COMMAND_H_
#define SIMCLR_CLIENT_ARTIFACTS_COMMAND_H_

#include <string>

#include "CLI/CLI.hpp"
#include "client/cli_common.h"

namespace simclr::client {

struct ArtifactsCommand {
  CLI::App* group = nullptr;
  CLI::App *list = nullptr, *download = nullptr;
  std::string job_id, name, output = ".";
};

void AddArtifactsCommand(CLI::App& app, ArtifactsCommand* command);
int RunArtifactsCommand(const CliContext& context, const ArtifactsCommand& command);

}  // namespace simclr::client

#endif  // SIMCLR_CLIENT_ARTIFACTS_COMMAND_H_
