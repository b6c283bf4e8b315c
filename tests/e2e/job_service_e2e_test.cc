// JobService through the real binaries: simclrd spawning simclr-worker
// processes, reached by simclrctl and by the C++ client. Submit and watch
// to success, replay on reconnect, refusals of bad specs with the field
// named, cancel, pause and resume, a worker failure with its reason, kill -9
// of the server with the running job resumed from its checkpoint, and a
// graceful SIGTERM that the next start continues from; a paused fine-tune
// keeps its finished runs.
#include <signal.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "client/channel.h"
#include "client/job_client.h"
#include "core/common/job_spec_json.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/e2e/simclrd_process.h"
#include "tests/testing/http_get.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/subprocess.h"

namespace simclr {
namespace {

using ::simclr::testing::ExpectCleanStop;
using ::simclr::testing::IsOk;
using ::simclr::testing::RunProcess;
using ::simclr::testing::SimclrdProcess;
using ::simclr::testing::StatusIs;
using ::simclr::testing::TestWorkDir;
using ::testing::HasSubstr;

// Small-CNN pretraining on 320 Fashion-MNIST test images: 8 steps an
// epoch, a checkpoint every epoch.
std::string TinySpec(int epochs) {
  return absl::StrCat(R"({"seed": 2, "display_name": "tiny", "num_threads": 1,
    "pretrain": {
    "data": {"train": {"local": {"format": "DATASET_FORMAT_IDX",
      "path": "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz",
      "labels_path": "/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz"}},
      "max_examples": 320, "val_fraction": 0.2},
    "encoder": {"builtin": {"arch": "ARCHITECTURE_SMALL_CNN", "width_multiplier": 0.5}},
    "batch_size": 32, "epochs": )",
                      epochs, R"(,
    "monitor": {"log_every_steps": 4, "knn_every_epochs": 0}}})");
}

v1::JobSpec Spec(const std::string& json) {
  auto spec = core::ParseJobSpecJson(json, "test");
  EXPECT_THAT(spec, IsOk());
  return spec.ok() ? *spec : v1::JobSpec();
}

class JobServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    work_dir_ = TestWorkDir();
    Start();
  }
  void TearDown() override {
    if (!server_) return;
    jobs_.reset();
    ExpectCleanStop(*server_);
  }

  // (Re)starts simclrd on the same data dir.
  void Start() {
    auto server = SimclrdProcess::Start(
        work_dir_, {"--stop_grace_seconds=20", "--worker_threads=1"});
    ASSERT_THAT(server, IsOk());
    server_.emplace(std::move(server).value());
    jobs_.emplace(client::CreateChannel({server_->address()}), absl::Seconds(30));
  }

  testing::ProcessResult Simclrctl(const std::vector<std::string>& args) {
    return testing::RunSimclrctl(*server_, args);
  }

  std::string WriteSpec(const std::string& name, const std::string& json) {
    const std::string path = work_dir_ + "/" + name;
    std::ofstream(path) << json;
    return path;
  }

  // Deadlines, not timings: generous so that a test sharing the cores with
  // a long job still passes, and only a stuck job takes the whole wait.
  static constexpr int kPolls = 1800;  // 100 ms each: 3 minutes

  // Polls until the job reaches `state` (or kPolls pass).
  v1::Job AwaitState(const std::string& id, v1::JobState state) {
    for (int i = 0; i < kPolls; ++i) {
      auto job = jobs_->Get(id);
      if (job.ok() && job->state() == state) return *job;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    auto job = jobs_->Get(id);
    ADD_FAILURE() << "job " << id << " never reached " << v1::JobState_Name(state)
                  << "; it is " << (job.ok() ? v1::JobState_Name(job->state()) : "?")
                  << "\n" << server_->log();
    return job.ok() ? *job : v1::Job();
  }

  // Polls until the job has passed `step`.
  void AwaitStep(const std::string& id, int64_t step) {
    for (int i = 0; i < kPolls; ++i) {
      auto job = jobs_->Get(id);
      if (job.ok() && job->progress().step() > step) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ADD_FAILURE() << "job " << id << " never passed step " << step;
  }

  std::string Scrape() {
    auto response = testing::HttpGet(server_->metrics_port(), "/metrics");
    EXPECT_THAT(response, IsOk());
    return response.ok() ? response->body : "";
  }

  std::vector<v1::JobEvent> History(const std::string& id) {
    std::vector<v1::JobEvent> events;
    EXPECT_THAT(jobs_->Watch(id, 0, [&](const v1::JobEvent& e) {
      events.push_back(e);
    }), IsOk());
    return events;
  }

  std::string work_dir_;
  std::optional<testing::SimclrdProcess> server_;
  std::optional<client::JobClient> jobs_;
};

// Live processes whose command line mentions `text` (a job id: the
// worker's --spec and --job_dir contain it).
std::vector<pid_t> ProcessesMentioning(const std::string& text) {
  std::vector<pid_t> pids;
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    int pid = 0;
    if (!absl::SimpleAtoi(entry.path().filename().string(), &pid)) continue;
    std::ifstream in(entry.path() / "cmdline");
    const std::string cmdline((std::istreambuf_iterator<char>(in)), {});
    std::ifstream stat_in(entry.path() / "stat");
    const std::string stat((std::istreambuf_iterator<char>(stat_in)), {});
    const bool zombie = stat.find(") Z ") != std::string::npos;
    if (!zombie && cmdline.find(text) != std::string::npos) pids.push_back(pid);
  }
  return pids;
}

TEST_F(JobServiceTest, SubmitAndWatchToSuccessThenReplayOnReconnect) {
  const auto watched = Simclrctl(
      {"jobs", "submit", "-f", WriteSpec("tiny.json", TinySpec(2)), "--watch"});
  EXPECT_EQ(watched.exit_code, 0) << watched.stdout_text << watched.stderr_text;
  EXPECT_THAT(watched.stdout_text, HasSubstr("QUEUED: submitted"));
  EXPECT_THAT(watched.stdout_text, HasSubstr("epoch 1 step 16/16"));
  EXPECT_THAT(watched.stdout_text, HasSubstr("checkpoint checkpoints/16"));
  EXPECT_THAT(watched.stdout_text, HasSubstr("SUCCEEDED: worker finished"));

  auto listed = jobs_->List();
  ASSERT_THAT(listed, IsOk());
  ASSERT_EQ(listed->size(), 1u);
  const v1::Job& job = listed->front();
  EXPECT_EQ(job.state(), v1::JOB_STATE_SUCCEEDED);
  EXPECT_EQ(job.kind(), v1::JOB_KIND_PRETRAIN);
  EXPECT_EQ(job.progress().step(), 16);
  EXPECT_GT(job.progress().loss(), 0);
  EXPECT_EQ(job.latest_checkpoint_id(), "ckpt-" + job.id().substr(4) + "-16");
  const std::string metrics = Scrape();
  EXPECT_THAT(metrics, HasSubstr("simclr_jobs{state=\"succeeded\"} 1"));
  EXPECT_THAT(metrics, HasSubstr("simclr_jobs{state=\"running\"} 0"));
  EXPECT_THAT(metrics, HasSubstr(
      "simclr_jobs_finished_total{kind=\"pretrain\",outcome=\"succeeded\"} 1"));
  EXPECT_THAT(metrics, HasSubstr("simclr_job_queue_depth 0"));

  // The full history, gapless from 1, and a reconnect after seq 5 gets
  // exactly the rest.
  const auto all = History(job.id());
  ASSERT_EQ(all.size(), job.last_event_seq());
  for (size_t i = 0; i < all.size(); ++i) EXPECT_EQ(all[i].seq(), i + 1);
  std::vector<uint64_t> rest;
  ASSERT_THAT(jobs_->Watch(job.id(), 5, [&](const v1::JobEvent& e) {
    rest.push_back(e.seq());
  }), IsOk());
  ASSERT_EQ(rest.size(), all.size() - 5);
  EXPECT_EQ(rest.front(), 6u);
}

TEST_F(JobServiceTest, ManyWatchersEachSeeEveryEvent) {
  auto job = jobs_->Submit(Spec(TinySpec(3)));
  ASSERT_THAT(job, IsOk());
  std::vector<std::vector<uint64_t>> seen(4);
  std::vector<std::thread> watchers;
  for (size_t w = 0; w < seen.size(); ++w) {
    watchers.emplace_back([&, w] {
      client::JobClient own(client::CreateChannel({server_->address()}),
                            absl::Seconds(30));
      EXPECT_THAT(own.Watch(job->id(), 0, [&](const v1::JobEvent& e) {
        seen[w].push_back(e.seq());
        // Watcher 0 is slow; the others must not wait for it.
        if (w == 0) std::this_thread::sleep_for(std::chrono::milliseconds(30));
      }), IsOk());
    });
  }
  for (auto& t : watchers) t.join();
  const v1::Job done = AwaitState(job->id(), v1::JOB_STATE_SUCCEEDED);
  for (const auto& s : seen) {
    ASSERT_EQ(s.size(), done.last_event_seq());
    EXPECT_EQ(s.back(), done.last_event_seq());
  }
}

TEST_F(JobServiceTest, BadSpecsAreRefusedNamingTheFieldAndNothingIsQueued) {
  struct Case {
    std::string from, to;
    absl::StatusCode code;
    std::string message;
  };
  const std::vector<Case> cases = {
      {R"("batch_size": 32)", R"("batch_size": 1)",
       absl::StatusCode::kInvalidArgument, "pretrain.batch_size"},
      {R"("seed": 2,)", R"("seed": 2, "pretrain_temperature_typo": 1,)",
       absl::StatusCode::kInvalidArgument, ""},
      {R"("batch_size": 32)", R"("batch_size": 32, "temperature": -0.5)",
       absl::StatusCode::kInvalidArgument, "pretrain.temperature"},
      // A missing and a relative path: what the path policy answers for any
      // path it does not allow (server_policy_e2e_test.cc).
      {"t10k-images-idx3-ubyte.gz", "no-such-file.gz",
       absl::StatusCode::kPermissionDenied, "spec.pretrain.data.train.local.path"},
      {"/usr/share/datasets/fashion-mnist/t10k-labels", "relative/t10k-labels",
       absl::StatusCode::kPermissionDenied, "--allow_local_paths"},
      {R"("num_threads": 1)", R"("num_threads": 1, "priority": 101)",
       absl::StatusCode::kInvalidArgument, "spec.priority"},
  };
  for (const auto& c : cases) {
    std::string json = TinySpec(1);
    json.replace(json.find(c.from), c.from.size(), c.to);
    auto spec = core::ParseJobSpecJson(json, "case");
    if (!spec.ok()) {  // an unknown field never reaches the server
      EXPECT_EQ(c.message, "") << spec.status();
      continue;
    }
    EXPECT_THAT(jobs_->Submit(*spec), StatusIs(c.code, HasSubstr(c.message)))
        << c.to;
  }
  v1::JobSpec kindless;
  EXPECT_THAT(jobs_->Submit(kindless),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("spec.kind")));
  EXPECT_THAT(jobs_->Get("job-0123456789ab"),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("job-0123456789ab")));
  EXPECT_THAT(jobs_->Get("job-nope"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("job_id: \"job-nope\"")));
  auto listed = jobs_->List();
  ASSERT_THAT(listed, IsOk());
  EXPECT_TRUE(listed->empty());
  // The CLI exits 1 with the reason on stderr.
  std::string json = TinySpec(1);
  json.replace(json.find(R"("batch_size": 32)"), 16, R"("batch_size": 1)");
  const auto cli = Simclrctl({"jobs", "submit", "-f", WriteSpec("bad.json", json)});
  EXPECT_EQ(cli.exit_code, 1);
  EXPECT_THAT(cli.stderr_text, HasSubstr("pretrain.batch_size"));
}

TEST_F(JobServiceTest, CancelStopsTheWorkerAndEndsTheJob) {
  auto job = jobs_->Submit(Spec(TinySpec(1000)));
  ASSERT_THAT(job, IsOk());
  AwaitStep(job->id(), 8);
  EXPECT_EQ(ProcessesMentioning(job->id()).size(), 1u);
  const std::string metrics = Scrape();
  EXPECT_THAT(metrics, HasSubstr("simclr_jobs{state=\"running\"} 1"));
  EXPECT_THAT(metrics, HasSubstr("simclr_train_loss{kind=\"pretrain\"}"));
  EXPECT_THAT(metrics, ::testing::Not(HasSubstr("simclr_train_samples_per_second 0\n")));
  auto cancelled = jobs_->Cancel(job->id());
  ASSERT_THAT(cancelled, IsOk());
  EXPECT_EQ(cancelled->state(), v1::JOB_STATE_CANCELLED);
  EXPECT_TRUE(ProcessesMentioning(job->id()).empty());
  EXPECT_THAT(jobs_->Cancel(job->id()),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("ended")));
  // A queued job is cancelled without ever running.
  auto blocker = jobs_->Submit(Spec(TinySpec(1000)));
  auto queued = jobs_->Submit(Spec(TinySpec(1)));
  ASSERT_THAT(queued, IsOk());
  ASSERT_THAT(jobs_->Cancel(queued->id()), IsOk());
  EXPECT_FALSE(jobs_->Get(queued->id())->has_start_time());
  ASSERT_THAT(jobs_->Cancel(blocker->id()), IsOk());
  EXPECT_THAT(Scrape(), HasSubstr(
      "simclr_jobs_finished_total{kind=\"pretrain\",outcome=\"cancelled\"} 3"));
}

TEST_F(JobServiceTest, PauseCheckpointsAndResumeContinuesFromIt) {
  auto job = jobs_->Submit(Spec(TinySpec(40)));
  ASSERT_THAT(job, IsOk());
  AwaitStep(job->id(), 20);
  auto paused = jobs_->Pause(job->id());
  ASSERT_THAT(paused, IsOk());
  EXPECT_EQ(paused->state(), v1::JOB_STATE_PAUSED);
  EXPECT_TRUE(ProcessesMentioning(job->id()).empty());
  const int64_t step = paused->progress().step();
  ASSERT_THAT(jobs_->Resume(job->id()), IsOk());
  const v1::Job done = AwaitState(job->id(), v1::JOB_STATE_SUCCEEDED);
  EXPECT_EQ(done.progress().step(), 320);
  bool resumed = false;
  for (const auto& e : History(job->id())) {
    resumed |= e.log().message().find("resumed from") != std::string::npos;
  }
  EXPECT_TRUE(resumed) << "paused at step " << step;
}

// A paused fine-tuning job keeps the runs it finished: the resumed worker
// trains only the rest, and the report still has every run.
TEST_F(JobServiceTest, PausedFinetuneKeepsItsFinishedRuns) {
  auto job = jobs_->Submit(Spec(R"({"seed": 3, "num_threads": 1, "finetune": {
    "data": {"train": {"local": {"format": "DATASET_FORMAT_IDX",
      "path": "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz",
      "labels_path": "/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz"}},
      "max_examples": 320, "test_fraction": 0.25},
    "subjects": [{"name": "random-init", "random_init":
      {"arch": "ARCHITECTURE_SMALL_CNN", "width_multiplier": 0.5}}],
    "protocol": {"label_fractions": [1.0], "repeats": 8},
    "batch_size": 32,
    "unfreeze_rounds": [{"unfrozen_layers": -1, "learning_rate": 0.001,
                         "epochs": 8}],
    "early_stopping": {"enabled": false}}})"));
  ASSERT_THAT(job, IsOk());
  AwaitStep(job->id(), 1);  // two runs done
  auto paused = jobs_->Pause(job->id());
  ASSERT_THAT(paused, IsOk());
  ASSERT_EQ(paused->state(), v1::JOB_STATE_PAUSED)
      << "the job ended before the pause; make its runs longer";
  const int64_t finished = paused->progress().step();
  ASSERT_THAT(jobs_->Resume(job->id()), IsOk());
  AwaitState(job->id(), v1::JOB_STATE_SUCCEEDED);
  std::string resumed;
  int epochs_trained = 0, eval_runs = -1;
  for (const auto& e : History(job->id())) {
    if (e.log().message().find("resuming: ") != std::string::npos)
      resumed = e.log().message();
    epochs_trained += e.has_epoch_summary();
    if (e.has_eval_result()) eval_runs = e.eval_result().top1_runs_size();
  }
  EXPECT_THAT(resumed, HasSubstr(absl::StrCat("resuming: ", finished,
                                              " runs finished before")));
  EXPECT_EQ(eval_runs, 8);
  // 8 runs of 8 epochs, plus at most the epochs of the run the pause cut.
  EXPECT_GE(epochs_trained, 64);
  EXPECT_LT(epochs_trained, 64 + 8);
}

TEST_F(JobServiceTest, AFailingWorkerFailsTheJobWithItsReasonAndStderr) {
  // Passes validation (the file exists) but is not an IDX file.
  std::string json = TinySpec(1);
  const std::string images = "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz";
  const std::string not_idx = work_dir_ + "/not_idx.bin";
  std::ofstream(not_idx) << "some text, not an IDX file\n";
  json.replace(json.find(images), images.size(), not_idx);
  auto job = jobs_->Submit(Spec(json));
  ASSERT_THAT(job, IsOk());
  const v1::Job failed = AwaitState(job->id(), v1::JOB_STATE_FAILED);
  EXPECT_EQ(failed.exit_code(), 1);
  EXPECT_THAT(failed.error(), HasSubstr(not_idx));
  // The error names the file but never carries its content.
  EXPECT_THAT(failed.error(), ::testing::Not(HasSubstr("some text")));
  // The reason comes from the worker's typed JobFailure event, not stderr.
  EXPECT_EQ(failed.failure().message(), failed.error());
  EXPECT_NE(failed.failure().code(), 0);
  EXPECT_FALSE(failed.stderr_tail().empty());
  const auto cli = Simclrctl({"jobs", "watch", job->id()});
  EXPECT_EQ(cli.exit_code, 3) << cli.stdout_text;
  EXPECT_THAT(cli.stdout_text, HasSubstr("FAILED"));
}

TEST_F(JobServiceTest, KillDashNineRestartResumesRunningAndKeepsQueuedJobs) {
  auto running = jobs_->Submit(Spec(TinySpec(60)));
  auto queued = jobs_->Submit(Spec(TinySpec(1)));
  ASSERT_THAT(running, IsOk());
  ASSERT_THAT(queued, IsOk());
  AwaitStep(running->id(), 24);
  ASSERT_TRUE(server_->process().Signal(SIGKILL));
  ASSERT_THAT(server_->process().Wait(absl::Seconds(10)), IsOk());
  Start();
  const v1::Job done = AwaitState(running->id(), v1::JOB_STATE_SUCCEEDED);
  EXPECT_EQ(done.restart_count(), 1);
  EXPECT_EQ(done.progress().step(), 480);
  bool requeued = false, resumed = false;
  for (const auto& e : History(running->id())) {
    requeued |= e.state_change().reason().find("server restarted") != std::string::npos;
    resumed |= e.log().message().find("resumed from") != std::string::npos;
  }
  EXPECT_TRUE(requeued);
  EXPECT_TRUE(resumed);
  AwaitState(queued->id(), v1::JOB_STATE_SUCCEEDED);
  EXPECT_EQ(jobs_->Get(queued->id())->restart_count(), 0);
}

TEST_F(JobServiceTest, SigtermCheckpointsRunningJobsAndTheNextStartContinues) {
  auto job = jobs_->Submit(Spec(TinySpec(60)));
  ASSERT_THAT(job, IsOk());
  AwaitStep(job->id(), 24);
  ExpectCleanStop(*server_);
  EXPECT_TRUE(ProcessesMentioning(job->id()).empty());
  Start();
  const v1::Job done = AwaitState(job->id(), v1::JOB_STATE_SUCCEEDED);
  EXPECT_EQ(done.restart_count(), 0);
  bool shut_down = false;
  for (const auto& e : History(job->id())) {
    shut_down |= e.state_change().reason().find("server shut down") != std::string::npos;
  }
  EXPECT_TRUE(shut_down);
}

}  // namespace
}  // namespace simclr
