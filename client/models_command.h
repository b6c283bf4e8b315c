// `simclrctl models upload|list|get|rm`.
#ifndef SIMCLR_CLIENT_MODELS_COMMAND_H_
#define SIMCLR_CLIENT_MODELS_COMMAND_H_

#include <string>

#include "CLI/CLI.hpp"
#include "client/cli_common.h"

namespace simclr::client {

struct ModelsCommand {
  CLI::App* group = nullptr;
  CLI::App *upload = nullptr, *list = nullptr, *get = nullptr, *rm = nullptr;
  std::string model_id, name, file;
  int channels = 0, size = 0;
};

void AddModelsCommand(CLI::App& app, ModelsCommand* command);
int RunModelsCommand(const CliContext& context, const ModelsCommand& command);

}  // namespace simclr::client

#endif  // SIMCLR_CLIENT_MODELS_COMMAND_H_
