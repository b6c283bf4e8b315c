// `simclrctl report submit --dataset ds-… [--spec F] [--watch]`: the
// ancestor's whole protocol on an uploaded dataset as one report job. With
// no --spec, a small default fits the dataset (its image size and
// channels): a small CNN pretrained for --epochs, linear and fine-tuned
// evaluation at --fractions × --repeats, t-SNE before and after. --watch
// follows every step, then the report, and prints where to download it.
#ifndef SIMCLR_CLIENT_REPORT_COMMAND_H_
#define SIMCLR_CLIENT_REPORT_COMMAND_H_

#include <cstdint>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "client/cli_common.h"
#include "simclr/v1/dataset.pb.h"
#include "simclr/v1/job_spec.pb.h"

namespace simclr::client {

struct ReportCommand {
  CLI::App* group = nullptr;
  CLI::App* submit = nullptr;
  std::string dataset_id, spec_file, title, request_id;
  int epochs = 10;
  int64_t max_examples = 0;
  int repeats = 3;
  std::vector<double> fractions = {1.0, 0.2, 0.05};
  std::vector<uint64_t> pretrain_seeds;
  bool watch = false;
};

// The default report spec for `dataset`.
v1::JobSpec DefaultReportSpec(const v1::Dataset& dataset, const ReportCommand& c);

void AddReportCommand(CLI::App& app, ReportCommand* command);
int RunReportCommand(const CliContext& context, const ReportCommand& command);

}  // namespace simclr::client

#endif  // SIMCLR_CLIENT_REPORT_COMMAND_H_
