// simclr-worker: runs one job in its own process (see DESIGN.md, "Why a
// worker process per job"). simclrd spawns it; users may run it alone.
//
// Subcommands so far:
//   validate --spec FILE   parse a JobSpec JSON file strictly and print it
//                          back in canonical form.
// `run` and `resume` arrive with the training engine (issue 3).
//
// Exit codes: 0 success; 1 the job or spec failed; 2 bad usage.
#include <iostream>
#include <string>

#include "CLI/CLI.hpp"
#include "core/common/job_spec_json.h"
#include "core/common/process_setup.h"
#include "core/runtime/threads.h"

namespace {

constexpr int kExitFailed = 1;
constexpr int kExitUsage = 2;

int RunValidate(const std::string& spec_path) {
  auto spec = simclr::core::ReadJobSpecFile(spec_path);
  if (!spec.ok()) {
    std::cerr << "simclr-worker validate: " << spec.status().message() << "\n";
    return kExitFailed;
  }
  if (spec->kind_case() == simclr::v1::JobSpec::KIND_NOT_SET) {
    std::cerr << "simclr-worker validate: " << spec_path
              << ": no job kind (pretrain, linear_eval, finetune or tsne)\n";
    return kExitFailed;
  }
  auto json = simclr::core::JobSpecToJson(*spec);
  if (!json.ok()) {
    std::cerr << "simclr-worker validate: " << json.status() << "\n";
    return kExitFailed;
  }
  std::cout << *json;
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  simclr::core::ConfigureMalloc();
  simclr::core::InitLogging(argv[0]);

  CLI::App app{
      "simclr-worker: run one SimCLR job (normally spawned by simclrd)"};
  app.require_subcommand(1);
  int num_threads = 0;
  app.add_option("--num_threads", num_threads,
                 "LibTorch intra-op threads; 0 = one per core")
      ->check(CLI::Range(0, 1024))
      ->capture_default_str();

  std::string spec_path;
  CLI::App* validate = app.add_subcommand(
      "validate", "Parse a JobSpec JSON file strictly and print it back");
  validate->add_option("--spec", spec_path, "JobSpec JSON file")->required();

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return kExitUsage;
  }

  if (auto status = simclr::core::ConfigureTorchThreads(num_threads);
      !status.ok()) {
    std::cerr << "simclr-worker: --num_threads: " << status.message() << "\n";
    return kExitUsage;
  }
  if (validate->parsed()) return RunValidate(spec_path);
  return kExitUsage;
}
