#include "bench/soak_clients.h"

#include <algorithm>
#include <cstdio>
#include <random>
#include <thread>

#include "absl/strings/str_cat.h"
#include "core/common/sha256.h"
#include "opencv2/imgcodecs.hpp"

namespace simclr::bench {
namespace {

std::unique_ptr<grpc::ClientContext> Context(int seconds = 60) {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(seconds));
  return context;
}

std::string BigEndian(uint32_t v) {
  return {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8),
          static_cast<char>(v)};
}

double Percentile(std::vector<double> values, double q) {
  if (values.empty()) return 0;
  const size_t at = std::min(values.size() - 1, static_cast<size_t>(q * values.size()));
  std::nth_element(values.begin(), values.begin() + static_cast<long>(at), values.end());
  return values[at];
}

}  // namespace

void SoakStats::Record(const std::string& op, grpc::StatusCode code, bool expected, double ms) {
  absl::MutexLock lock(&mu_);
  ++counts_[{op, static_cast<int>(code)}];
  second_.push_back(ms);
  all_.push_back(ms);
  if (code != grpc::StatusCode::OK && !expected) {
    if (unexpected_++ == 0) first_unexpected_ = absl::StrCat(op, " got code ", code);
  }
}

std::pair<int64_t, double> SoakStats::TakeSecond() {
  absl::MutexLock lock(&mu_);
  std::vector<double> second;
  second.swap(second_);
  return {static_cast<int64_t>(second.size()), Percentile(std::move(second), 0.99)};
}

int64_t SoakStats::unexpected() {
  absl::MutexLock lock(&mu_);
  return unexpected_;
}

void SoakStats::Print(int seconds) {
  absl::MutexLock lock(&mu_);
  std::printf("%-22s %-20s %10s\n", "call", "code", "count");
  for (const auto& [key, count] : counts_) {
    std::printf("%-22s %-20d %10lld\n", key.first.c_str(), key.second,
                static_cast<long long>(count));
  }
  std::printf("soak: %zu calls in %d s (%.0f calls/s), p50 %.1f ms, p99 %.1f ms, "
              "unexpected errors %lld%s%s\n",
              all_.size(), seconds, all_.size() / static_cast<double>(seconds),
              Percentile(all_, 0.5), Percentile(all_, 0.99), static_cast<long long>(unexpected_),
              unexpected_ > 0 ? ", first: " : "", first_unexpected_.c_str());
}

SoakTarget::SoakTarget(const std::string& address) {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(8 << 20);
  channel_ = grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), args);
  datasets_ = v1::DatasetService::NewStub(channel_);
  jobs_ = v1::JobService::NewStub(channel_);
  checkpoints_ = v1::CheckpointService::NewStub(channel_);
  embed_ = v1::EmbeddingService::NewStub(channel_);
  std::mt19937 random(7);
  for (int i = 0; i < 8; ++i) {
    cv::Mat image(28, 28, CV_8UC1);
    for (int p = 0; p < 28 * 28; ++p) image.data[p] = static_cast<uint8_t>(random());
    std::vector<uint8_t> bytes;
    cv::imencode(".png", image, bytes);
    pngs_.emplace_back(bytes.begin(), bytes.end());
  }
}

grpc::Status SoakTarget::UploadSmall(int images, std::string* dataset_id) {
  static std::atomic<uint32_t> salt{0};
  std::string pixels = BigEndian(0x803) + BigEndian(images) + BigEndian(28) + BigEndian(28);
  const uint32_t seed = salt++;
  for (int i = 0; i < images * 784; ++i) pixels += static_cast<char>((i * 31 + seed) & 0xFF);
  std::string labels = BigEndian(0x801) + BigEndian(images);
  for (int i = 0; i < images; ++i) labels += static_cast<char>(i % 10);
  v1::UploadDatasetRequest header;
  header.mutable_header()->set_format(v1::DATASET_FORMAT_IDX);
  for (const auto& [name, bytes] : {std::pair{"images", &pixels}, std::pair{"labels", &labels}}) {
    v1::UploadFile* file = header.mutable_header()->add_files();
    file->set_name(name);
    file->set_size_bytes(static_cast<int64_t>(bytes->size()));
    file->set_sha256(core::Sha256OfBytes(*bytes));
  }
  auto context = Context();
  v1::Dataset dataset;
  auto writer = datasets_->UploadDataset(context.get(), &dataset);
  writer->Write(header);
  for (int file = 0; file < 2; ++file) {
    v1::UploadDatasetRequest chunk;
    chunk.mutable_chunk()->set_file_index(file);
    chunk.mutable_chunk()->set_data(file == 0 ? pixels : labels);
    writer->Write(chunk);
  }
  writer->WritesDone();
  grpc::Status status = writer->Finish();
  *dataset_id = dataset.id();
  return status;
}

v1::JobSpec SoakTarget::SmallJob(const std::string& dataset_id) const {
  v1::JobSpec spec;
  auto* pretrain = spec.mutable_pretrain();
  pretrain->mutable_data()->mutable_train()->set_dataset_id(dataset_id);
  pretrain->mutable_encoder()->mutable_builtin()->set_arch(v1::ARCHITECTURE_SMALL_CNN);
  pretrain->set_batch_size(32);
  pretrain->set_epochs(1);
  return spec;
}

absl::StatusOr<v1::Job> SoakTarget::WaitEnded(const std::string& job_id, int seconds) {
  v1::GetJobRequest request;
  request.set_job_id(job_id);
  v1::Job job;
  for (int i = 0; i < seconds * 10; ++i) {
    if (!jobs_->GetJob(Context().get(), request, &job).ok()) break;
    if (job.state() >= v1::JOB_STATE_SUCCEEDED) return job;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return absl::DeadlineExceededError(absl::StrCat(job_id, " did not end"));
}

absl::Status SoakTarget::Prepare() {
  if (auto s = UploadSmall(256, &dataset_id_); !s.ok()) {
    return absl::InternalError(s.error_message());
  }
  v1::SubmitJobRequest request;
  *request.mutable_spec() = SmallJob(dataset_id_);
  v1::Job job;
  if (auto s = jobs_->SubmitJob(Context().get(), request, &job); !s.ok()) {
    return absl::InternalError(s.error_message());
  }
  auto ended = WaitEnded(job.id(), 300);
  if (!ended.ok()) return ended.status();
  if (ended->latest_checkpoint_id().empty()) return absl::InternalError("no checkpoint");
  job_id_ = job.id();
  checkpoint_id_ = ended->latest_checkpoint_id();
  return absl::OkStatus();
}

grpc::Status SoakTarget::Upload(std::string& op) {
  std::string id;
  grpc::Status status = UploadSmall(64, &id);
  if (!status.ok()) return status;
  op = "upload+delete";
  v1::DeleteDatasetRequest request;
  request.set_dataset_id(id);
  v1::DeleteDatasetResponse response;
  return datasets_->DeleteDataset(Context().get(), request, &response);
}

grpc::Status SoakTarget::SubmitAndCancel(std::string& op, bool& ended_first) {
  v1::SubmitJobRequest submit;
  *submit.mutable_spec() = SmallJob(dataset_id_);
  v1::Job job;
  grpc::Status status = jobs_->SubmitJob(Context().get(), submit, &job);
  if (!status.ok()) return status;
  op = "submit+cancel";
  v1::CancelJobRequest cancel;
  cancel.set_job_id(job.id());
  status = jobs_->CancelJob(Context().get(), cancel, &job);
  ended_first = status.error_code() == grpc::StatusCode::FAILED_PRECONDITION;
  return status;
}

grpc::Status SoakTarget::Watch() {
  v1::WatchJobRequest request;
  request.set_job_id(job_id_);
  auto context = Context();
  auto reader = jobs_->WatchJob(context.get(), request);
  v1::JobEvent event;
  while (reader->Read(&event)) {
  }
  return reader->Finish();
}

grpc::Status SoakTarget::List(int which) {
  if (which == 0) {
    v1::ListJobsRequest request;
    v1::ListJobsResponse response;
    return jobs_->ListJobs(Context().get(), request, &response);
  }
  if (which == 1) {
    v1::ListDatasetsResponse response;
    return datasets_->ListDatasets(Context().get(), {}, &response);
  }
  v1::ListCheckpointsRequest request;
  request.set_job_id(job_id_);
  v1::ListCheckpointsResponse response;
  return checkpoints_->ListCheckpoints(Context().get(), request, &response);
}

grpc::Status SoakTarget::Get(int which) {
  if (which == 0) {
    v1::GetJobRequest request;
    request.set_job_id(job_id_);
    v1::Job job;
    return jobs_->GetJob(Context().get(), request, &job);
  }
  if (which == 1) {
    v1::GetDatasetRequest request;
    request.set_dataset_id(dataset_id_);
    v1::Dataset dataset;
    return datasets_->GetDataset(Context().get(), request, &dataset);
  }
  v1::GetCheckpointRequest request;
  request.set_checkpoint_id(checkpoint_id_);
  v1::Checkpoint checkpoint;
  return checkpoints_->GetCheckpoint(Context().get(), request, &checkpoint);
}

grpc::Status SoakTarget::Download() {
  v1::DownloadCheckpointRequest request;
  request.set_checkpoint_id(checkpoint_id_);
  auto context = Context();
  auto reader = checkpoints_->DownloadCheckpoint(context.get(), request);
  v1::DownloadCheckpointResponse chunk;
  while (reader->Read(&chunk)) {
  }
  return reader->Finish();
}

grpc::Status SoakTarget::Embed() {
  v1::EmbedRequest request;
  request.mutable_model()->set_checkpoint_id(checkpoint_id_);
  for (const auto& png : pngs_) request.add_images()->set_encoded(png);
  v1::EmbedResponse response;
  return embed_->Embed(Context().get(), request, &response);
}

void SoakTarget::RunClient(int index, std::chrono::steady_clock::time_point end,
                           int submit_percent, SoakStats& stats) {
  std::mt19937 random(static_cast<uint32_t>(index) * 7919u + 1);
  // Weights, in percent: upload 10, submit `submit_percent` (2 by default),
  // watch 15, list 20, get 25 minus it, download 10, embed 20.
  const int s = submit_percent;
  const std::vector<int> cumulative = {10, 10 + s, 25 + s, 45 + s, 70, 80, 100};
  while (std::chrono::steady_clock::now() < end) {
    const int roll = static_cast<int>(random() % 100);
    const int kind = static_cast<int>(std::upper_bound(cumulative.begin(), cumulative.end(), roll) -
                                      cumulative.begin());
    const auto start = std::chrono::steady_clock::now();
    std::string op;
    bool expected = false, ended_first = false;
    grpc::Status status;
    switch (kind) {
      case 0: op = "upload"; status = Upload(op); break;
      case 1: op = "submit"; status = SubmitAndCancel(op, ended_first); break;
      case 2: op = "watch"; status = Watch(); break;
      case 3: op = "list"; status = List(static_cast<int>(random() % 3)); break;
      case 4: op = "get"; status = Get(static_cast<int>(random() % 3)); break;
      case 5: op = "download"; status = Download(); break;
      default: op = "embed"; status = Embed(); break;
    }
    const bool busy = status.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED &&
                      (op == "upload" || op == "embed");
    expected = busy || ended_first;
    const double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
            .count();
    stats.Record(op, status.error_code(), expected, ms);
    if (busy) std::this_thread::sleep_for(std::chrono::milliseconds(50 + random() % 100));
  }
}

absl::StatusOr<DrainResult> SoakTarget::QueueAndDrain(int jobs) {
  std::string dataset;
  if (auto s = UploadSmall(64, &dataset); !s.ok()) return absl::InternalError(s.error_message());
  DrainResult result;
  std::vector<std::string> ids;
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < jobs; ++i) {
    v1::SubmitJobRequest request;
    *request.mutable_spec() = SmallJob(dataset);
    v1::Job job;
    if (auto s = jobs_->SubmitJob(Context().get(), request, &job); !s.ok()) {
      return absl::InternalError(absl::StrCat("submit ", i, ": ", s.error_message()));
    }
    ids.push_back(job.id());
  }
  result.submit_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  for (const auto& id : ids) {
    auto ended = WaitEnded(id, 3600);
    if (!ended.ok()) return ended.status();
    result.succeeded += ended->state() == v1::JOB_STATE_SUCCEEDED;
  }
  result.drain_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return result;
}

}  // namespace simclr::bench
