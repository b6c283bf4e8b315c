#include "client/health_command.h"

#include "client/health_client.h"

namespace simclr::client {

void AddHealthCommand(CLI::App& app, HealthCommand* c) {
  c->command = app.add_subcommand(
      "health", "Check grpc.health.v1; prints SERVING and exits 0 if serving");
  c->command->add_option("--service", c->service,
                         "Service to check; empty checks the whole server");
}

int RunHealthCommand(const CliContext& context, const HealthCommand& c) {
  auto channel = CreateChannel(context.channel);
  auto serving = CheckHealth(*channel, c.service, context.timeout());
  if (!serving.ok()) return Fail("health: " + context.channel.target, serving.status());
  std::cout << *serving << "\n";
  return *serving == "SERVING" ? kExitOk : kExitError;
}

}  // namespace simclr::client
