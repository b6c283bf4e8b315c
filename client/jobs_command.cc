#include "client/jobs_command.h"

#include <unistd.h>

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "client/job_client.h"
#include "core/common/job_spec_json.h"
#include "google/protobuf/util/time_util.h"

namespace simclr::client {
namespace {

using google::protobuf::util::TimeUtil;

std::string StateName(v1::JobState state) {
  std::string name = v1::JobState_Name(state);
  return name.substr(name.rfind('_') + 1);
}

void PrintJob(const v1::Job& job, bool json) {
  if (json) {
    std::cout << Json(job) << "\n";
    return;
  }
  std::cout << absl::StrFormat("%-18s %-10s %-12s %-12s", job.id(), StateName(job.state()),
                               v1::JobKind_Name(job.kind()).substr(9),
                               job.owner().empty() ? "local" : job.owner());
  if (job.progress().step() > 0) {
    std::cout << absl::StrFormat("  epoch %d step %d/%d", job.progress().epoch(),
                                 job.progress().step(), job.progress().total_steps());
    // Evaluations count runs or images and carry no loss.
    if (job.progress().loss() != 0) std::cout << absl::StrFormat(" loss %.4f", job.progress().loss());
  }
  if (!job.spec().display_name().empty()) std::cout << "  " << job.spec().display_name();
  if (!job.step().empty()) std::cout << "\n  step " << job.step() << " of " << job.parent_job_id();
  if (job.devices_size() > 1) {
    std::cout << "\n  ranks on " << absl::StrJoin(job.devices(), ", ");
  }
  if (job.steps_size() > 0) {
    std::cout << "\n  steps:";
    for (const auto& step : job.steps()) std::cout << " " << step.name() << "=" << step.job_id();
  }
  if (!job.error().empty()) std::cout << "\n  error: " << job.error();
  std::cout << "\n";
}

std::string DescribeProgress(const v1::TrainProgress& p) {
  return absl::StrFormat("epoch %d step %d/%d  loss %.4f  lr %.3g  %.0f samples/s  eta %ds",
                         p.epoch(), p.step(), p.total_steps(), p.loss(), p.learning_rate(),
                         p.samples_per_second(), TimeUtil::DurationToSeconds(p.eta()));
}

std::string DescribeEpoch(const v1::EpochSummary& e) {
  std::string line =
      absl::StrFormat("epoch %d done: train loss %.4f", e.epoch(), e.train_loss());
  if (e.has_val_loss()) absl::StrAppendFormat(&line, ", val loss %.4f", e.val_loss());
  if (e.has_knn_top1()) absl::StrAppendFormat(&line, ", kNN top-1 %.4f", e.knn_top1());
  return line;
}

// One human line per event.
std::string Describe(const v1::JobEvent& event) {
  switch (event.event_case()) {
    case v1::JobEvent::kStateChange:
      return absl::StrFormat("%s: %s", StateName(event.state_change().state()),
                             event.state_change().reason());
    case v1::JobEvent::kProgress:
      return DescribeProgress(event.progress());
    case v1::JobEvent::kEpochSummary:
      return DescribeEpoch(event.epoch_summary());
    case v1::JobEvent::kCheckpoint:
      return absl::StrFormat("checkpoint %s (step %d)", event.checkpoint().path(),
                             event.checkpoint().step());
    case v1::JobEvent::kEvalResult:
      return "evaluation result: " + Json(event.eval_result());
    case v1::JobEvent::kArtifact:
      return "artifact: " + Json(event.artifact());
    case v1::JobEvent::kLog:
      return event.log().message();
    case v1::JobEvent::kFailure:
      return "failed: " + event.failure().message();
    case v1::JobEvent::EVENT_NOT_SET:
      break;
  }
  return "(empty event)";
}

// "[#####-----]  50%  epoch 3 step 120/240  loss 4.1234  1850 samples/s  eta 42s"
std::string ProgressBar(const v1::TrainProgress& p) {
  constexpr int kWidth = 24;
  const double done = p.total_steps() > 0
                          ? std::min(1.0, static_cast<double>(p.step()) /
                                              static_cast<double>(p.total_steps()))
                          : 0.0;
  const int filled = static_cast<int>(done * kWidth);
  return absl::StrFormat(
      "[%s%s] %3.0f%%  epoch %d step %d/%d  loss %.4f  %.0f samples/s  eta %ds",
      std::string(static_cast<size_t>(filled), '#'),
      std::string(static_cast<size_t>(kWidth - filled), '-'), 100 * done, p.epoch(),
      p.step(), p.total_steps(), p.loss(), p.samples_per_second(),
      TimeUtil::DurationToSeconds(p.eta()));
}

// Prints one event: on a terminal, training progress is one bar redrawn in
// place and every other event a line above it; elsewhere, one line each.
class EventPrinter {
 public:
  explicit EventPrinter(bool json) : json_(json), bar_(!json && isatty(1) != 0) {}
  ~EventPrinter() {
    if (bar_ && !progress_line_.empty()) std::cout << "\n";
  }
  void operator()(const v1::JobEvent& event) {
    if (json_) {
      std::cout << Json(event) << "\n";
    } else if (bar_ && event.has_progress()) {
      progress_line_ = ProgressBar(event.progress());
      std::cout << "\r\033[K" << progress_line_;
    } else if (bar_) {
      std::cout << "\r\033[K[" << event.seq() << "] " << Describe(event) << "\n"
                << progress_line_;
    } else {
      std::cout << "[" << event.seq() << "] " << Describe(event) << "\n";
    }
    std::cout.flush();
  }

 private:
  const bool json_;
  const bool bar_;
  std::string progress_line_;
};

int Report(const absl::StatusOr<v1::Job>& job, const std::string& what, bool json) {
  if (!job.ok()) return Fail(what, job.status());
  PrintJob(*job, json);
  return kExitOk;
}

// The list filters as a request: names as the CLI takes them ("running",
// "pretrain", "team=vision"); false and a message on stderr for a bad one.
bool ListFilter(const JobsCommand& c, v1::ListJobsRequest* request) {
  for (const auto& state : c.states) {
    v1::JobState value;
    if (!v1::JobState_Parse("JOB_STATE_" + absl::AsciiStrToUpper(state), &value)) {
      std::cerr << "simclrctl jobs list: --state " << state
                << ": one of queued, running, paused, succeeded, failed, cancelled\n";
      return false;
    }
    request->add_states(value);
  }
  for (const auto& kind : c.kinds) {
    v1::JobKind value;
    if (!v1::JobKind_Parse("JOB_KIND_" + absl::AsciiStrToUpper(kind), &value)) {
      std::cerr << "simclrctl jobs list: --kind " << kind
                << ": one of pretrain, linear_eval, finetune, tsne, embed, report\n";
      return false;
    }
    request->add_kinds(value);
  }
  for (const auto& label : c.labels) {
    const size_t equals = label.find('=');
    if (equals == std::string::npos || equals == 0) {
      std::cerr << "simclrctl jobs list: --label " << label << ": expected KEY=VALUE\n";
      return false;
    }
    (*request->mutable_labels())[label.substr(0, equals)] = label.substr(equals + 1);
  }
  request->set_owner(c.owner);
  return true;
}

int List(const JobsCommand& c, JobClient& jobs, bool json) {
  v1::ListJobsRequest filter;
  if (!ListFilter(c, &filter)) return kExitUsage;
  auto all = jobs.List(filter);
  if (!all.ok()) return Fail("jobs list", all.status());
  for (const auto& job : *all) PrintJob(job, json);
  return kExitOk;
}

int Submit(const CliContext& context, const JobsCommand& c, JobClient& jobs) {
  auto spec = core::ReadJobSpecFile(c.spec_file);
  if (!spec.ok()) {
    std::cerr << "simclrctl jobs submit: " << spec.status().message() << "\n";
    return kExitUsage;
  }
  auto job = jobs.Submit(*spec, c.request_id, c.validate_only);
  if (const int code = Report(job, "jobs submit", context.json); code != kExitOk) {
    return code;
  }
  return c.follow && !c.validate_only ? WatchJob(jobs, job->id(), 0, context.json)
                                      : kExitOk;
}

}  // namespace

// Follows a job to its end; the exit code says how it ended.
int WatchJob(JobClient& jobs, const std::string& job_id, uint64_t after_seq, bool json) {
  v1::JobState last_state = v1::JOB_STATE_UNSPECIFIED;
  absl::Status status;
  {
    EventPrinter print(json);
    status = jobs.Watch(job_id, after_seq, [&](const v1::JobEvent& event) {
      if (event.has_state_change()) last_state = event.state_change().state();
      print(event);
    });
  }
  if (!status.ok()) return Fail("jobs watch " + job_id, status);
  if (last_state == v1::JOB_STATE_UNSPECIFIED) {
    auto job = jobs.Get(job_id);
    if (job.ok()) last_state = job->state();
  }
  return last_state == v1::JOB_STATE_SUCCEEDED ? kExitOk : kExitJobUnsuccessful;
}

void AddJobsCommand(CLI::App& app, JobsCommand* c) {
  c->group = app.add_subcommand("jobs", "Submit, inspect and control jobs");
  c->group->require_subcommand(1);
  c->submit = c->group->add_subcommand("submit", "Submit a JobSpec JSON file");
  c->submit->add_option("-f,--file", c->spec_file, "JobSpec JSON file")->required();
  c->submit->add_option("--request_id", c->request_id,
                        "Idempotency key: a retried submit returns the first job");
  c->submit->add_flag("-w,--watch", c->follow, "Then follow the job to its end");
  c->submit->add_flag("--validate_only", c->validate_only,
                      "Check the spec on the server as a submit would; queue nothing");
  c->list = c->group->add_subcommand("list", "List jobs, newest first");
  c->list->add_option("--state", c->states, "Only jobs in this state (repeatable)");
  c->list->add_option("--kind", c->kinds, "Only jobs of this kind (repeatable)");
  c->list->add_option("--label", c->labels, "Only jobs with this KEY=VALUE label (repeatable)");
  c->list->add_option("--owner", c->owner, "Only this principal's jobs (admins see all)");
  c->get = c->group->add_subcommand("get", "Show one job");
  c->watch = c->group->add_subcommand(
      "watch", "Print a job's events (history, then live) until it ends");
  c->watch->add_option("--after", c->after_seq, "Only events after this seq");
  c->cancel = c->group->add_subcommand("cancel", "Cancel a job");
  c->pause = c->group->add_subcommand("pause", "Checkpoint and stop a job");
  c->resume = c->group->add_subcommand("resume", "Queue a paused job again");
  c->rm = c->group->add_subcommand("rm", "Delete an ended job, its events and checkpoints");
  for (CLI::App* command : {c->get, c->watch, c->cancel, c->pause, c->resume, c->rm}) {
    command->add_option("job_id", c->job_id, "Job id")->required();
  }
}

int RunJobsCommand(const CliContext& context, const JobsCommand& c) {
  JobClient jobs(CreateChannel(context.channel), context.timeout());
  const bool json = context.json;
  if (c.submit->parsed()) return Submit(context, c, jobs);
  if (c.list->parsed()) return List(c, jobs, json);
  if (c.get->parsed()) return Report(jobs.Get(c.job_id), "jobs get", json);
  if (c.watch->parsed()) return WatchJob(jobs, c.job_id, c.after_seq, json);
  if (c.cancel->parsed()) return Report(jobs.Cancel(c.job_id), "jobs cancel", json);
  if (c.pause->parsed()) return Report(jobs.Pause(c.job_id), "jobs pause", json);
  if (c.resume->parsed()) return Report(jobs.Resume(c.job_id), "jobs resume", json);
  if (c.rm->parsed()) {
    if (auto status = jobs.Delete(c.job_id); !status.ok()) return Fail("jobs rm", status);
    if (!json) std::cout << c.job_id << " deleted\n";
    return kExitOk;
  }
  return kExitUsage;
}

}  // namespace simclr::client
