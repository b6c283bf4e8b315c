// The bad-input catalogue, what outlives a call: the worst records each RPC
// accepts are stored, a row is spoiled behind the server's back, and after
// a restart every List and Get still works; and the stream caps and the
// idle-upload timeout (tests/e2e/bad_input_catalogue.h).
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "core/common/sha256.h"
#include "tests/e2e/bad_input_catalogue.h"
#include "tests/testing/http_get.h"
#include "tests/testing/subprocess.h"

namespace simclr::testing {
namespace {

using Code = grpc::StatusCode;

// `bytes` bytes of UTF-8: 2-byte characters, then an ASCII tail.
std::string Utf8Of(size_t bytes) {
  std::string text;
  while (text.size() + 2 <= bytes) text += "é";
  text.resize(bytes, 'a');
  return text;
}

v1::UploadDatasetRequest WorstHeader(const std::string& images, const std::string& labels) {
  v1::UploadDatasetRequest request;
  v1::UploadHeader* header = request.mutable_header();
  header->set_format(v1::DATASET_FORMAT_IDX);
  header->set_display_name(Utf8Of(128));
  for (int i = 0; i < 32; ++i) {
    (*header->mutable_labels())[absl::StrCat(std::string(61, 'k'), i < 10 ? "0" : "", i)] =
        Utf8Of(256);
  }
  for (int i = 0; i < 10; ++i) header->add_class_names(Utf8Of(127) + std::to_string(i));
  for (const auto& [name, bytes] : {std::pair{"images", images}, std::pair{"labels", labels}}) {
    v1::UploadFile* file = header->add_files();
    file->set_name(name);
    file->set_size_bytes(static_cast<int64_t>(bytes.size()));
    file->set_sha256(core::Sha256OfBytes(bytes));
  }
  return request;
}

class BadInputPersistence : public BadInputCatalogue {
 public:
  // The worst dataset an upload may store: every string at its bound.
  std::string UploadWorstDataset() {
    std::string pixels(20 * 28 * 28, '\x40'), labels_body;
    for (int i = 0; i < 20; ++i) labels_body += static_cast<char>(i % 10);
    const std::string images =
        BigEndian(0x803) + BigEndian(20) + BigEndian(28) + BigEndian(28) + pixels;
    const std::string labels = BigEndian(0x801) + BigEndian(20) + labels_body;
    std::vector<v1::UploadDatasetRequest> messages = {WorstHeader(images, labels)};
    for (int file = 0; file < 2; ++file) {
      v1::UploadDatasetRequest chunk;
      chunk.mutable_chunk()->set_file_index(file);
      chunk.mutable_chunk()->set_data(file == 0 ? images : labels);
      messages.push_back(chunk);
    }
    auto context = Context();
    v1::Dataset dataset;
    auto writer = datasets_->UploadDataset(context.get(), &dataset);
    for (const auto& m : messages) writer->Write(m);
    writer->WritesDone();
    const grpc::Status status = writer->Finish();
    EXPECT_TRUE(status.ok()) << status.error_message();
    return dataset.id();
  }

  // The worst job: labels, names and request id at their bounds.
  v1::Job SubmitWorstJob(const std::string& dataset_id) {
    v1::SubmitJobRequest request;
    request.set_request_id(Utf8Of(128));
    v1::JobSpec* spec = request.mutable_spec();
    spec->set_display_name(Utf8Of(128));
    for (int i = 0; i < 32; ++i) {
      (*spec->mutable_labels())[absl::StrCat(std::string(61, 'k'), i < 10 ? "0" : "", i)] =
          Utf8Of(256);
    }
    auto* pretrain = spec->mutable_pretrain();
    pretrain->mutable_data()->mutable_train()->set_dataset_id(dataset_id);
    pretrain->mutable_encoder()->mutable_builtin()->set_arch(v1::ARCHITECTURE_SMALL_CNN);
    pretrain->set_batch_size(8);
    pretrain->set_epochs(1);
    v1::Job job;
    const grpc::Status status = jobs_->SubmitJob(Context().get(), request, &job);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return job;
  }

  v1::Job WaitUntilEnded(const std::string& job_id) {
    v1::Job job;
    for (int i = 0; i < 600; ++i) {
      v1::GetJobRequest request;
      request.set_job_id(job_id);
      EXPECT_TRUE(jobs_->GetJob(Context().get(), request, &job).ok());
      if (job.state() >= v1::JOB_STATE_SUCCEEDED) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return job;
  }

  // Overwrites a stored row with bytes that do not parse, as a damaged disk
  // or another version could leave it.
  void SpoilRow(const std::string& table, const std::string& column, const std::string& id) {
    const std::string script = absl::StrCat(
        "import sqlite3, sys; db = sqlite3.connect(sys.argv[1]); db.execute(\"UPDATE ", table,
        " SET ", column, " = X'0a02fffe' WHERE id = ?\", (sys.argv[2],)); db.commit()");
    ASSERT_TRUE(RunScript({"/usr/bin/python3", "-c", script, work_dir_ + "/data/simclr.db", id}));
  }
};

TEST_F(BadInputPersistence, TheWorstAcceptedRecordsAndASpoiledRowSurviveARestart) {
  StartServer({"--worker_threads=1"});
  const std::string kept = UploadWorstDataset();
  const std::string spoiled = UploadWorstDataset();
  const v1::Job job = SubmitWorstJob(kept);
  ASSERT_FALSE(job.id().empty());
  const v1::Job ended = WaitUntilEnded(job.id());
  ASSERT_GE(ended.state(), v1::JOB_STATE_SUCCEEDED) << ended.ShortDebugString();
  StopServer();
  SpoilRow("datasets", "dataset", spoiled);

  StartServer({"--worker_threads=1"});
  v1::ListDatasetsResponse datasets;
  ASSERT_TRUE(datasets_->ListDatasets(Context().get(), {}, &datasets).ok());
  ASSERT_EQ(datasets.datasets_size(), 1);
  EXPECT_EQ(datasets.datasets(0).id(), kept);
  EXPECT_EQ(datasets.datasets(0).display_name(), Utf8Of(128));
  EXPECT_EQ(datasets.datasets(0).labels_size(), 32);
  v1::GetDatasetRequest get;
  get.set_dataset_id(spoiled);
  v1::Dataset dataset;
  EXPECT_EQ(datasets_->GetDataset(Context().get(), get, &dataset).error_code(), Code::DATA_LOSS);
  v1::DeleteDatasetRequest remove;
  remove.set_dataset_id(spoiled);
  v1::DeleteDatasetResponse removed;
  EXPECT_TRUE(datasets_->DeleteDataset(Context().get(), remove, &removed).ok());
  auto metrics = HttpGet(server_->metrics_port(), "/metrics");
  ASSERT_TRUE(metrics.ok());
  EXPECT_THAT(metrics->body, ::testing::HasSubstr(
                           "simclr_store_unreadable_records_total{table=\"datasets\"} "));

  v1::ListJobsResponse jobs;
  ASSERT_TRUE(jobs_->ListJobs(Context().get(), {}, &jobs).ok());
  ASSERT_EQ(jobs.jobs_size(), 1);
  EXPECT_EQ(jobs.jobs(0).spec().labels_size(), 32);
  v1::WatchJobRequest watch;
  watch.set_job_id(job.id());
  auto context = Context();
  auto reader = jobs_->WatchJob(context.get(), watch);
  v1::JobEvent event;
  uint64_t last = 0;
  while (reader->Read(&event)) last = event.seq();
  EXPECT_TRUE(reader->Finish().ok());
  EXPECT_EQ(last, jobs.jobs(0).last_event_seq());
  watch.set_after_seq(last + 1);
  auto past_context = Context();
  auto past = jobs_->WatchJob(past_context.get(), watch);
  while (past->Read(&event)) {
  }
  EXPECT_EQ(past->Finish().error_code(), Code::OUT_OF_RANGE);
  v1::ListCheckpointsResponse checkpoints;
  EXPECT_TRUE(checkpoints_->ListCheckpoints(Context().get(), {}, &checkpoints).ok());
}

TEST_F(BadInputPersistence, UploadStreamsAreCappedAndAnIdleOneEndsAndLeavesNothing) {
  StartServer({"--max_upload_streams=2", "--upload_idle_timeout_seconds=3"});
  // Two uploads that send a header and then nothing.
  std::vector<std::unique_ptr<grpc::ClientContext>> contexts;
  std::vector<std::unique_ptr<grpc::ClientWriter<v1::UploadDatasetRequest>>> idle;
  v1::Dataset unused[2];
  const std::string images = BigEndian(0x803) + BigEndian(1) + BigEndian(2) + BigEndian(2) + "abcd";
  for (int i = 0; i < 2; ++i) {
    contexts.push_back(Context());
    idle.push_back(datasets_->UploadDataset(contexts.back().get(), &unused[i]));
    ASSERT_TRUE(idle.back()->Write(WorstHeader(images, images)));
  }
  // The two hold their slots until the 3 s idle timeout, even on a loaded
  // machine (with 1 s they were sometimes cancelled before the third came).
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  auto third = Context();
  v1::Dataset dataset;
  auto writer = datasets_->UploadDataset(third.get(), &dataset);
  writer->Write(WorstHeader(images, images));
  writer->WritesDone();
  const grpc::Status refused = writer->Finish();
  EXPECT_EQ(refused.error_code(), Code::RESOURCE_EXHAUSTED) << refused.error_message();
  EXPECT_THAT(refused.error_message(), ::testing::HasSubstr("--max_upload_streams"));
  // The idle ones are cancelled by the server within a few seconds.
  for (auto& stream : idle) {
    const grpc::Status ended = stream->Finish();
    EXPECT_EQ(ended.error_code(), Code::CANCELLED) << ended.error_message();
  }
  ExpectNothingLeft("after the idle uploads");
}

}  // namespace
}  // namespace simclr::testing
