// `simclrctl jobs submit|list|get|watch|cancel|pause|resume|rm`.
#ifndef SIMCLR_CLIENT_JOBS_COMMAND_H_
#define SIMCLR_CLIENT_JOBS_COMMAND_H_

#include <cstdint>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "client/cli_common.h"

namespace simclr::client {

struct JobsCommand {
  CLI::App* group = nullptr;
  CLI::App *submit = nullptr, *list = nullptr, *get = nullptr, *watch = nullptr,
           *cancel = nullptr, *pause = nullptr, *resume = nullptr, *rm = nullptr;
  std::string spec_file, job_id, request_id;
  // jobs list filters.
  std::vector<std::string> states, kinds, labels;
  std::string owner;
  bool follow = false;
  bool validate_only = false;
  uint64_t after_seq = 0;
};

void AddJobsCommand(CLI::App& app, JobsCommand* command);

class JobClient;
// Prints a job's events after `after_seq` until it ends (a progress bar on
// a terminal); kExitOk when it succeeded, kExitJobUnsuccessful otherwise.
int WatchJob(JobClient& jobs, const std::string& job_id, uint64_t after_seq, bool json);
int RunJobsCommand(const CliContext& context, const JobsCommand& command);

}  // namespace simclr::client

#endif  // SIMCLR_CLIENT_JOBS_COMMAND_H_
