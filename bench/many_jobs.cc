// A server that has run many jobs against one that ran ten: simclrd's
// start time, ListJobs (first page, filtered by state and by a label, and
// every page), GetJob latency and resident memory, side by side in one run.
// Ended jobs live in the store, not in memory, so none of these should
// grow with their number.
//
//   bench_many_jobs [--jobs 10000]
//
// The finished jobs are written straight into a fresh data dir's
// simclr.db (each with its events and folder, as simclrd leaves them).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/strings/str_cat.h"
#include "bench/simclrd_child.h"
#include "client/channel.h"
#include "core/common/layout.h"
#include "grpcpp/client_context.h"
#include "server/jobs/job_records.h"
#include "server/store/job_store.h"
#include "simclr/v1/job.grpc.pb.h"

namespace {

using Clock = std::chrono::steady_clock;

double Ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

// `count` ended pretraining jobs with 5 events each, half labelled team=a.
std::vector<std::string> Fill(const std::string& data_dir, int count) {
  std::filesystem::create_directories(data_dir);
  auto store = simclr::server::JobStore::Open(simclr::core::layout::DatabasePath(data_dir));
  std::vector<std::string> ids;
  for (int i = 0; i < count; ++i) {
    simclr::v1::Job job;
    job.set_id(simclr::core::layout::NewJobId());
    job.set_kind(simclr::v1::JOB_KIND_PRETRAIN);
    job.set_owner("local");
    auto* spec = job.mutable_spec();
    spec->set_display_name(absl::StrCat("job ", i));
    (*spec->mutable_labels())["team"] = i % 2 == 0 ? "a" : "b";
    spec->mutable_pretrain()->mutable_data()->mutable_train()->set_dataset_id("ds-0123456789ab");
    spec->mutable_pretrain()->mutable_encoder()->mutable_builtin()->set_arch(
        simclr::v1::ARCHITECTURE_SMALL_CNN);
    for (auto state : {simclr::v1::JOB_STATE_QUEUED, simclr::v1::JOB_STATE_RUNNING}) {
      (*store)->AppendEventAndPutJob(simclr::server::ApplyStateChange(state, "bench", job), job)
          .IgnoreError();
    }
    for (int e = 0; e < 2; ++e) {
      simclr::v1::JobEvent progress;
      progress.set_job_id(job.id());
      progress.set_seq(job.last_event_seq() + 1);
      progress.mutable_progress()->set_step(e);
      job.set_last_event_seq(progress.seq());
      (*store)->AppendEventAndPutJob(progress, job).IgnoreError();
    }
    const auto end = i % 10 == 0 ? simclr::v1::JOB_STATE_FAILED : simclr::v1::JOB_STATE_SUCCEEDED;
    (*store)->AppendEventAndPutJob(simclr::server::ApplyStateChange(end, "bench", job), job)
        .IgnoreError();
    std::filesystem::create_directories(
        simclr::core::layout::RunFolder(simclr::core::layout::JobFolder(data_dir, job.id())));
    ids.push_back(job.id());
  }
  return ids;
}

struct Latency {
  double p50 = 0, p99 = 0;
};

template <typename Call>
Latency Time(int times, Call call) {
  std::vector<double> ms;
  for (int i = 0; i < times; ++i) {
    const auto start = Clock::now();
    call(i);
    ms.push_back(Ms(Clock::now() - start));
  }
  std::sort(ms.begin(), ms.end());
  return {ms[ms.size() / 2], ms[std::min(ms.size() - 1, ms.size() * 99 / 100)]};
}

struct Figures {
  double fill_s = 0, start_ms = 0, all_pages_ms = 0, rss_mib = 0;
  Latency first_page, by_state, by_label, get;
  int listed = 0;
};

grpc::Status List(simclr::v1::JobService::Stub& stub, simclr::v1::ListJobsRequest request,
                  simclr::v1::ListJobsResponse* response) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
  return stub.ListJobs(&context, request, response);
}

Figures Measure(const std::string& dir, int count) {
  Figures f;
  const auto fill_start = Clock::now();
  const std::vector<std::string> ids = Fill(dir + "/data", count);
  f.fill_s = Ms(Clock::now() - fill_start) / 1000;
  const auto start = Clock::now();
  simclr::bench::SimclrdChild server(dir);
  f.start_ms = Ms(Clock::now() - start);
  if (server.port() == 0) return f;
  simclr::client::ChannelOptions options;
  options.target = absl::StrCat("127.0.0.1:", server.port());
  auto stub = simclr::v1::JobService::NewStub(simclr::client::CreateChannel(options));
  // Pages of 5, so that both servers answer the same amount (the small
  // one has 5 jobs labelled team=b; FAILED are 1 in 10).
  simclr::v1::ListJobsResponse page;
  simclr::v1::ListJobsRequest first;
  first.set_page_size(5);
  f.first_page = Time(50, [&](int) { List(*stub, first, &page); });
  simclr::v1::ListJobsRequest failed = first;
  failed.add_states(simclr::v1::JOB_STATE_FAILED);
  f.by_state = Time(50, [&](int) { List(*stub, failed, &page); });
  simclr::v1::ListJobsRequest team = first;
  (*team.mutable_labels())["team"] = "b";
  f.by_label = Time(50, [&](int) { List(*stub, team, &page); });
  const auto all_start = Clock::now();
  simclr::v1::ListJobsRequest all;
  all.set_page_size(1000);
  do {
    page.Clear();
    List(*stub, all, &page);
    f.listed += page.jobs_size();
    all.set_page_token(page.next_page_token());
  } while (!page.next_page_token().empty());
  f.all_pages_ms = Ms(Clock::now() - all_start);
  std::mt19937 random(7);
  f.get = Time(200, [&](int) {
    simclr::v1::GetJobRequest request;
    request.set_job_id(ids[random() % ids.size()]);
    simclr::v1::Job job;
    grpc::ClientContext context;
    stub->GetJob(&context, request, &job);
  });
  f.rss_mib = static_cast<double>(server.RssBytes()) / (1 << 20);
  return f;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"bench_many_jobs: simclrd with many ended jobs against one with ten"};
  int jobs = 10000;
  app.add_option("--jobs", jobs, "Ended jobs of the big server")->check(CLI::Range(10, 1000000));
  CLI11_PARSE(app, argc, argv);
  const std::string root =
      (std::filesystem::temp_directory_path() / absl::StrCat("bench-many-jobs-", getpid())).string();
  const Figures small = Measure(root + "/small", 10);
  const Figures big = Measure(root + "/big", jobs);
  std::filesystem::remove_all(root);
  std::printf("%-28s %12s %12s %8s\n", "", "10 jobs", absl::StrCat(jobs, " jobs").c_str(),
              "ratio");
  auto row = [](const char* what, double a, double b) {
    std::printf("%-28s %12.2f %12.2f %7.2fx\n", what, a, b, a > 0 ? b / a : 0.0);
  };
  row("start to ready, ms", small.start_ms, big.start_ms);
  row("ListJobs page of 5 p50, ms", small.first_page.p50, big.first_page.p50);
  row("ListJobs page of 5 p99, ms", small.first_page.p99, big.first_page.p99);
  row("ListJobs state=FAILED p50, ms", small.by_state.p50, big.by_state.p50);
  row("ListJobs label team=b p50, ms", small.by_label.p50, big.by_label.p50);
  row("GetJob p50, ms", small.get.p50, big.get.p50);
  row("GetJob p99, ms", small.get.p99, big.get.p99);
  row("every page (1000 each), ms", small.all_pages_ms, big.all_pages_ms);
  row("RSS after, MiB", small.rss_mib, big.rss_mib);
  std::printf("listed %d and %d jobs; filling the store took %.1f s for %d jobs\n", small.listed,
              big.listed, big.fill_s, jobs);
  return small.listed == 10 && big.listed == jobs ? 0 : 1;
}
