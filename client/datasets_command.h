// `simclrctl datasets upload|list|get|rm`.
#ifndef SIMCLR_CLIENT_DATASETS_COMMAND_H_
#define SIMCLR_CLIENT_DATASETS_COMMAND_H_

#include <string>

#include "CLI/CLI.hpp"
#include "client/cli_common.h"

namespace simclr::client {

struct DatasetsCommand {
  CLI::App* group = nullptr;
  CLI::App *upload = nullptr, *list = nullptr, *get = nullptr, *rm = nullptr;
  std::string dataset_id, name, images, labels, class_names, archive;
  bool unlabelled = false;
  double max_corrupt_fraction = 0;
};

void AddDatasetsCommand(CLI::App& app, DatasetsCommand* command);
int RunDatasetsCommand(const CliContext& context, const DatasetsCommand& command);

}  // namespace simclr::client

#endif  // SIMCLR_CLIENT_DATASETS_COMMAND_H_
