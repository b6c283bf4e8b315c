// `simclrctl checkpoints list|get|download`.
#ifndef SIMCLR_CLIENT_CHECKPOINTS_COMMAND_H_
#define SIMCLR_CLIENT_CHECKPOINTS_COMMAND_H_

#include <string>

#include "CLI/CLI.hpp"
#include "client/cli_common.h"

namespace simclr::client {

struct CheckpointsCommand {
  CLI::App* group = nullptr;
  CLI::App *list = nullptr, *get = nullptr, *download = nullptr, *rm = nullptr;
  std::string job_id, checkpoint_id, file = "encoder.pt", output;
};

void AddCheckpointsCommand(CLI::App& app, CheckpointsCommand* command);
int RunCheckpointsCommand(const CliContext& context, const CheckpointsCommand& command);

}  // namespace simclr::client

#endif  // SIMCLR_CLIENT_CHECKPOINTS_COMMAND_H_
