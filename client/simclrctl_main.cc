// simclrctl: the command line over simclrd's gRPC API.
//
// Exit codes: 0 success; 1 the server answered with an error or is not
// serving; 2 bad usage.
#include <iostream>
#include <string>

#include "CLI/CLI.hpp"
#include "absl/time/time.h"
#include "client/channel.h"
#include "client/health_client.h"
#include "core/common/process_setup.h"

namespace {

constexpr int kExitError = 1;
constexpr int kExitUsage = 2;

int RunHealth(const simclr::client::ChannelOptions& channel_options,
              const std::string& service, double timeout_seconds) {
  auto channel = simclr::client::CreateChannel(channel_options);
  auto serving = simclr::client::CheckHealth(*channel, service,
                                             absl::Seconds(timeout_seconds));
  if (!serving.ok()) {
    std::cerr << "simclrctl health: " << channel_options.target << ": "
              << serving.status() << "\n";
    return kExitError;
  }
  std::cout << *serving << "\n";
  return *serving == "SERVING" ? 0 : kExitError;
}

}  // namespace

int main(int argc, char** argv) {
  simclr::core::ConfigureMalloc();

  CLI::App app{
      "simclrctl: manage datasets, jobs, checkpoints and embeddings "
      "on a simclrd server"};
  app.require_subcommand(1);
  simclr::client::ChannelOptions channel_options;
  double timeout_seconds = 10;
  app.add_option("-s,--server", channel_options.target,
                 "simclrd address, host:port")
      ->envname("SIMCLR_SERVER")
      ->capture_default_str();
  app.add_option("--timeout", timeout_seconds, "RPC deadline in seconds")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();

  std::string health_service;
  CLI::App* health = app.add_subcommand(
      "health", "Check grpc.health.v1; prints SERVING and exits 0 if serving");
  health->add_option("--service", health_service,
                     "Service to check; empty checks the whole server");

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return kExitUsage;
  }

  if (health->parsed()) {
    return RunHealth(channel_options, health_service, timeout_seconds);
  }
  return kExitUsage;
}
