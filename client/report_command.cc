#include "client/report_command.h"

#include <algorithm>
#include <iostream>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "client/dataset_client.h"
#include "client/job_client.h"
#include "client/jobs_command.h"
#include "core/common/job_spec_json.h"

namespace simclr::client {

v1::JobSpec DefaultReportSpec(const v1::Dataset& dataset, const ReportCommand& c) {
  v1::JobSpec spec;
  spec.set_display_name(c.title.empty() ? absl::StrCat("SimCLR report: ", dataset.display_name())
                                        : c.title);
  spec.set_seed(1);
  v1::ReportConfig* r = spec.mutable_report();
  r->mutable_data()->mutable_train()->set_dataset_id(dataset.id());
  r->mutable_data()->set_max_examples(c.max_examples);
  v1::PretrainConfig* p = r->mutable_pretrain();
  p->mutable_encoder()->mutable_builtin()->set_arch(v1::ARCHITECTURE_SMALL_CNN);
  v1::InputSpec* input = p->mutable_input();
  input->set_size(std::min(dataset.height(), dataset.width()));
  input->set_channels(dataset.channels());
  for (int i = 0; i < dataset.channels(); ++i) {
    input->add_mean(0.5);
    input->add_std(0.25);
  }
  p->mutable_augmentation()->set_preset(v1::AUGMENTATION_PRESET_SIMCLR);
  p->mutable_augmentation()->mutable_crop()->set_scale_min(0.2);
  // Whole batches of 256, or of a quarter of a small dataset's images.
  int64_t images = dataset.num_examples();
  if (c.max_examples > 0) images = std::min(images, c.max_examples);
  p->set_batch_size(static_cast<int32_t>(std::clamp<int64_t>(images / 4, 2, 256)));
  r->mutable_data()->set_drop_last(true);
  p->set_epochs(c.epochs);
  for (const uint64_t seed : c.pretrain_seeds) r->add_pretrain_seeds(seed);
  p->mutable_optimizer()->set_kind(v1::OPTIMIZER_KIND_ADAM);
  p->mutable_optimizer()->set_learning_rate(1e-3);
  p->mutable_schedule()->mutable_warmup_cosine()->set_warmup_epochs(1);
  for (const double f : c.fractions) r->mutable_protocol()->add_label_fractions(f);
  r->mutable_protocol()->set_repeats(c.repeats);
  // The ancestor's gradual unfreezing: the head, then the last layers, then all.
  for (const auto& [layers, rate, epochs] :
       {std::tuple{0, 1e-3, 2}, std::tuple{2, 3e-4, 1}, std::tuple{-1, 1e-4, 2}}) {
    v1::UnfreezeRound* round = r->mutable_finetune()->add_unfreeze_rounds();
    round->set_unfrozen_layers(layers);
    round->set_learning_rate(rate);
    round->set_epochs(epochs);
  }
  r->mutable_tsne()->set_num_points(1000);
  return spec;
}

void AddReportCommand(CLI::App& app, ReportCommand* c) {
  c->group = app.add_subcommand("report", "The ancestor's whole protocol as one job");
  c->group->require_subcommand(1);
  c->submit = c->group->add_subcommand("submit", "Submit a report job on an uploaded dataset");
  c->submit->add_option("--dataset", c->dataset_id, "Uploaded labelled dataset (ds-…)");
  c->submit->add_option("-f,--spec", c->spec_file,
                        "JobSpec JSON file with a report (its data.train is --dataset's)");
  c->submit->add_option("--title", c->title, "Report title");
  c->submit->add_option("--epochs", c->epochs, "Default spec: pretraining epochs")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  c->submit->add_option("--max_examples", c->max_examples,
                        "Default spec: use only this many images (0: all)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  c->submit->add_option("--repeats", c->repeats, "Default spec: runs per label fraction")
      ->check(CLI::Range(1, 100))
      ->capture_default_str();
  c->submit->add_option("--fractions", c->fractions, "Default spec: label fractions")
      ->delimiter(',');
  c->submit->add_option("--pretrain_seeds", c->pretrain_seeds,
                        "Pretrain once per seed (2 to 5; replaces the spec's), pooled in the table")
      ->delimiter(',');
  c->submit->add_option("--request_id", c->request_id, "Idempotency key");
  c->submit->add_flag("-w,--watch", c->watch, "Follow every step, then the report");
}

namespace {

absl::StatusOr<v1::JobSpec> SpecFor(const CliContext& context, const ReportCommand& c) {
  if (!c.spec_file.empty()) {
    auto spec = core::ReadJobSpecFile(c.spec_file);
    if (!spec.ok()) return spec.status();
    if (!spec->has_report()) {
      return absl::InvalidArgumentError(absl::StrCat(c.spec_file, ": not a report spec"));
    }
    if (!c.dataset_id.empty()) {
      spec->mutable_report()->mutable_data()->mutable_train()->set_dataset_id(c.dataset_id);
    }
    if (!c.title.empty()) spec->mutable_report()->set_title(c.title);
    if (!c.pretrain_seeds.empty()) {
      spec->mutable_report()->clear_pretrain_seeds();
      for (const uint64_t seed : c.pretrain_seeds) spec->mutable_report()->add_pretrain_seeds(seed);
    }
    return spec;
  }
  if (c.dataset_id.empty()) return absl::InvalidArgumentError("give --dataset or --spec");
  DatasetClient datasets(CreateChannel(context.channel), context.timeout());
  auto dataset = datasets.Get(c.dataset_id);
  if (!dataset.ok()) return dataset.status();
  return DefaultReportSpec(*dataset, c);
}

// Every step in order, then the report itself.
int WatchReport(JobClient& jobs, const v1::Job& report, bool json) {
  for (const v1::ReportStep& step : report.steps()) {
    if (!json) std::cout << "── step " << step.name() << " (" << step.job_id() << ")\n";
    if (WatchJob(jobs, step.job_id(), 0, json) != kExitOk) break;
  }
  if (!json) std::cout << "── report " << report.id() << "\n";
  const int code = WatchJob(jobs, report.id(), 0, json);
  if (code == kExitOk && !json) {
    std::cout << "download it: simclrctl artifacts download " << report.id() << " -o "
              << report.id() << "\n";
  }
  return code;
}

}  // namespace

int RunReportCommand(const CliContext& context, const ReportCommand& c) {
  auto spec = SpecFor(context, c);
  if (!spec.ok()) return Fail("report submit", spec.status());
  JobClient jobs(CreateChannel(context.channel), context.timeout());
  auto report = jobs.Submit(*spec, c.request_id, false);
  if (!report.ok()) return Fail("report submit", report.status());
  if (context.json) {
    std::cout << Json(*report) << "\n";
  } else {
    std::cout << report->id() << " QUEUED with " << report->steps_size() << " steps:";
    for (const v1::ReportStep& step : report->steps()) {
      std::cout << " " << step.name() << "=" << step.job_id();
    }
    std::cout << "\n";
  }
  return c.watch ? WatchReport(jobs, *report, context.json) : kExitOk;
}

}  // namespace simclr::client
