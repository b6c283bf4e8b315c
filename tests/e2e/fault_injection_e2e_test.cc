// Faults a server meets in production, injected for real: a full disk (a
// small tmpfs as --data_dir) during an upload, a SQLite commit and a
// checkpoint write, and workers that crash (SIGSEGV, SIGKILL). Each must
// end in a clean error and a store that reads back after a restart.
// Mounting needs root (CAP_SYS_ADMIN); without it the disk tests skip.
#include <signal.h>
#include <sys/mount.h>

#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "core/common/sha256.h"
#include "tests/e2e/bad_input_catalogue.h"

namespace simclr::testing {
namespace {

using Code = grpc::StatusCode;

std::vector<v1::UploadDatasetRequest> IdxUpload(uint32_t images) {
  const std::string pixels = BigEndian(0x803) + BigEndian(images) + BigEndian(28) +
                             BigEndian(28) + std::string(size_t{images} * 784, '\x55');
  std::string labels = BigEndian(0x801) + BigEndian(images);
  for (uint32_t i = 0; i < images; ++i) labels += static_cast<char>(i % 10);
  std::vector<v1::UploadDatasetRequest> messages(1);
  v1::UploadHeader* header = messages[0].mutable_header();
  header->set_format(v1::DATASET_FORMAT_IDX);
  for (const auto& [name, bytes] : {std::pair{"images", pixels}, std::pair{"labels", labels}}) {
    v1::UploadFile* file = header->add_files();
    file->set_name(name);
    file->set_size_bytes(static_cast<int64_t>(bytes.size()));
    file->set_sha256(core::Sha256OfBytes(bytes));
  }
  for (int file = 0; file < 2; ++file) {
    const std::string& bytes = file == 0 ? pixels : labels;
    for (size_t at = 0; at < bytes.size(); at += 1 << 20) {
      v1::UploadDatasetRequest chunk;
      chunk.mutable_chunk()->set_file_index(file);
      chunk.mutable_chunk()->set_offset(static_cast<int64_t>(at));
      chunk.mutable_chunk()->set_data(bytes.substr(at, 1 << 20));
      messages.push_back(std::move(chunk));
    }
  }
  return messages;
}

v1::JobSpec Pretrain(const std::string& dataset_id, int epochs) {
  v1::JobSpec spec;
  auto* pretrain = spec.mutable_pretrain();
  if (dataset_id.empty()) {
    auto* local = pretrain->mutable_data()->mutable_train()->mutable_local();
    local->set_format(v1::DATASET_FORMAT_IDX);
    local->set_path("/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz");
    pretrain->mutable_data()->set_max_examples(2000);
  } else {
    pretrain->mutable_data()->mutable_train()->set_dataset_id(dataset_id);
  }
  pretrain->mutable_encoder()->mutable_builtin()->set_arch(v1::ARCHITECTURE_SMALL_CNN);
  pretrain->set_batch_size(64);
  pretrain->set_epochs(epochs);
  pretrain->mutable_checkpoints()->set_every_epochs(1);
  return spec;
}

class FaultInjection : public BadInputCatalogue {
 public:
  void TearDown() override {
    StopServer();
    if (mounted_) umount2((work_dir_ + "/data").c_str(), MNT_DETACH);
  }

  // A tmpfs of `mib` MiB as the data dir; false (and the test skips) when
  // this process may not mount.
  bool MountSmallDisk(int mib) {
    work_dir_ = TestWorkDir();
    const std::string data = work_dir_ + "/data";
    std::filesystem::create_directories(data);
    const std::string options = absl::StrCat("size=", mib, "m");
    mounted_ = mount("tmpfs", data.c_str(), "tmpfs", 0, options.c_str()) == 0;
    return mounted_;
  }

  // Fills the disk, then frees `leave` bytes of the filler.
  void FillDisk(size_t leave) {
    const std::string path = work_dir_ + "/data/filler";
    FILE* file = std::fopen(path.c_str(), "wb");
    ASSERT_NE(file, nullptr);
    const std::string block(64 << 10, 'f');
    while (std::fwrite(block.data(), 1, block.size(), file) == block.size() &&
           std::fflush(file) == 0) {
    }
    std::fclose(file);
    const auto size = std::filesystem::file_size(path);
    std::filesystem::resize_file(path, size > leave ? size - leave : 0);
  }
  void FreeDisk() { std::filesystem::remove(work_dir_ + "/data/filler"); }

  std::string IntegrityCheck() {
    auto result = RunProcess(
        {"/usr/bin/python3", "-c",
         "import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute("
         "'PRAGMA integrity_check').fetchone()[0])",
         work_dir_ + "/data/simclr.db"},
        absl::Seconds(30));
    return result.ok() ? std::string(absl::StripTrailingAsciiWhitespace(result->stdout_text))
                       : result.status().ToString();
  }

  grpc::Status Submit(const v1::JobSpec& spec, v1::Job* job) {
    v1::SubmitJobRequest request;
    *request.mutable_spec() = spec;
    return jobs_->SubmitJob(Context().get(), request, job);
  }

  v1::Job GetJob(const std::string& id) {
    v1::GetJobRequest request;
    request.set_job_id(id);
    v1::Job job;
    EXPECT_TRUE(jobs_->GetJob(Context().get(), request, &job).ok());
    return job;
  }

  v1::Job WaitFor(const std::string& id, std::function<bool(const v1::Job&)> done,
                  int seconds = 120) {
    v1::Job job;
    for (int i = 0; i < seconds * 20; ++i) {
      job = GetJob(id);
      if (done(job)) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return job;
  }

  bool mounted_ = false;
};

TEST_F(FaultInjection, AFullDiskGivesResourceExhaustedAndLeavesAStoreThatRestarts) {
  if (!MountSmallDisk(16)) GTEST_SKIP() << "cannot mount a tmpfs here (needs root)";
  StartServer({"--worker_threads=1"});
  // 1. An upload larger than the disk: refused when the disk fills.
  const grpc::Status too_big = Upload(IdxUpload(30000));  // 23.5 MB
  EXPECT_EQ(too_big.error_code(), Code::RESOURCE_EXHAUSTED) << too_big.error_message();
  EXPECT_THAT(too_big.error_message(), ::testing::HasSubstr("disk is full"));
  ExpectNothingLeft("after the upload that filled the disk");
  // 2. With the space back, an upload that fits is stored.
  auto context = Context();
  v1::Dataset dataset;
  auto writer = datasets_->UploadDataset(context.get(), &dataset);
  for (const auto& m : IdxUpload(1000)) writer->Write(m);
  writer->WritesDone();
  ASSERT_TRUE(writer->Finish().ok());
  // 3. A submit on a full disk: its SQLite commit (or spec.json) fails.
  FillDisk(0);
  v1::Job job;
  const grpc::Status refused = Submit(Pretrain(dataset.id(), 1), &job);
  EXPECT_EQ(refused.error_code(), Code::RESOURCE_EXHAUSTED) << refused.error_message();
  v1::ListJobsResponse jobs;
  ASSERT_TRUE(jobs_->ListJobs(Context().get(), {}, &jobs).ok());
  EXPECT_EQ(jobs.jobs_size(), 0);
  EXPECT_TRUE(!std::filesystem::exists(work_dir_ + "/data/jobs") ||
              std::filesystem::is_empty(work_dir_ + "/data/jobs"));
  // 4. A checkpoint write on a nearly full disk: the job fails cleanly and
  // leaves no half-written checkpoint.
  FreeDisk();
  FillDisk(256 << 10);
  ASSERT_TRUE(Submit(Pretrain(dataset.id(), 2), &job).ok());
  const v1::Job ended =
      WaitFor(job.id(), [](const v1::Job& j) { return j.state() >= v1::JOB_STATE_SUCCEEDED; });
  EXPECT_EQ(ended.state(), v1::JOB_STATE_FAILED) << ended.ShortDebugString();
  EXPECT_THAT(ended.error(), ::testing::HasSubstr("disk is full")) << ended.error();
  for (const auto& entry :
       std::filesystem::recursive_directory_iterator(work_dir_ + "/data/jobs")) {
    EXPECT_FALSE(absl::StartsWith(entry.path().filename().string(), ".tmp-"))
        << entry.path() << "\n" << ended.ShortDebugString();
  }
  // 5. Space back, restart: the store is whole and every call works.
  FreeDisk();
  StopServer();
  EXPECT_EQ(IntegrityCheck(), "ok");
  StartServer({"--worker_threads=1"});
  v1::ListDatasetsResponse datasets;
  ASSERT_TRUE(datasets_->ListDatasets(Context().get(), {}, &datasets).ok());
  EXPECT_EQ(datasets.datasets_size(), 1);
  ASSERT_TRUE(jobs_->ListJobs(Context().get(), {}, &jobs).ok());
  EXPECT_EQ(jobs.jobs_size(), 1);
  const v1::Job after =
      WaitFor(job.id(), [](const v1::Job& j) { return j.state() >= v1::JOB_STATE_SUCCEEDED; });
  EXPECT_GE(after.state(), v1::JOB_STATE_SUCCEEDED);
  EXPECT_TRUE(Serving());
}

// Pids of the simclr-worker processes running `job_id`.
std::vector<pid_t> WorkerPids(const std::string& job_id) {
  std::vector<pid_t> pids;
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    const std::string name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream in(entry.path() / "cmdline", std::ios::binary);
    const std::string cmdline((std::istreambuf_iterator<char>(in)), {});
    if (absl::StrContains(cmdline, "simclr-worker") && absl::StrContains(cmdline, job_id)) {
      pids.push_back(std::stoi(name));
    }
  }
  return pids;
}

TEST_F(FaultInjection, ACrashingWorkerIsRestartedUpToMaxRestartsThenFails) {
  StartServer({"--worker_threads=1"});
  v1::JobSpec spec = Pretrain("", 200);
  spec.set_max_restarts(2);
  v1::Job job;
  ASSERT_TRUE(Submit(spec, &job).ok());
  // SIGSEGV, SIGKILL, SIGSEGV: one crash per run, three runs in all.
  const int signals[] = {SIGSEGV, SIGKILL, SIGSEGV};
  for (int run = 0; run < 3; ++run) {
    std::vector<pid_t> pids;
    for (int i = 0; i < 1200 && pids.empty(); ++i) {
      const v1::Job now = GetJob(job.id());
      if (now.state() == v1::JOB_STATE_RUNNING && now.restart_count() == run) {
        pids = WorkerPids(job.id());
      }
      if (pids.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ASSERT_EQ(pids.size(), 1u) << "run " << run;
    ASSERT_EQ(kill(pids[0], signals[run]), 0);
  }
  const v1::Job failed =
      WaitFor(job.id(), [](const v1::Job& j) { return j.state() >= v1::JOB_STATE_SUCCEEDED; });
  EXPECT_EQ(failed.state(), v1::JOB_STATE_FAILED) << failed.ShortDebugString();
  EXPECT_EQ(failed.restart_count(), 2);
  EXPECT_EQ(failed.exit_code(), -SIGSEGV);
  EXPECT_THAT(failed.error(), ::testing::HasSubstr("signal 11"));
  EXPECT_TRUE(Serving());
}

}  // namespace
}  // namespace simclr::testing
