// `simclrctl health [--service S]`: grpc.health.v1; prints the status and
// exits 0 only when SERVING.
#ifndef SIMCLR_CLIENT_HEALTH_COMMAND_H_
#define SIMCLR_CLIENT_HEALTH_COMMAND_H_

#include <string>

#include "CLI/CLI.hpp"
#include "client/cli_common.h"

namespace simclr::client {

struct HealthCommand {
  CLI::App* command = nullptr;
  std::string service;
};

void AddHealthCommand(CLI::App& app, HealthCommand* command);
int RunHealthCommand(const CliContext& context, const HealthCommand& command);

}  // namespace simclr::client

#endif  // SIMCLR_CLIENT_HEALTH_COMMAND_H_
