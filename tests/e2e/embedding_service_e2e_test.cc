// EmbeddingService through the real binaries: encoders that simclrd trained
// serve vectors by checkpoint id and by job id (following a job while it
// trains, with every request answered meanwhile), unary and streamed alike;
// every malformed request is refused naming what was wrong, with the server
// serving on; an overload gets RESOURCE_EXHAUSTED, and concurrent first
// requests load the model once.
#include <atomic>
#include <cmath>
#include <cstring>
#include <fstream>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "client/channel.h"
#include "client/checkpoint_client.h"
#include "client/embedding_client.h"
#include "client/job_client.h"
#include "core/common/job_spec_json.h"
#include "gmock/gmock.h"
#include "grpcpp/client_context.h"
#include "gtest/gtest.h"
#include "opencv2/imgcodecs.hpp"
#include "tests/e2e/simclrd_process.h"
#include "tests/testing/http_get.h"
#include "tests/testing/status_matchers.h"

namespace simclr {
namespace {

using ::simclr::testing::ExpectCleanStop;
using ::simclr::testing::IsOk;
using ::simclr::testing::SimclrdProcess;
using ::simclr::testing::StatusIs;
using ::simclr::testing::TestWorkDir;
using ::testing::HasSubstr;

constexpr char kImages[] =
    "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz";

// A 28×28 grey test pattern, different for every `seed`.
cv::Mat Pattern(int seed) {
  cv::Mat image(28, 28, CV_8UC1);
  for (int i = 0; i < 28 * 28; ++i)
    image.data[i] = static_cast<uchar>((i * (seed + 3)) % 251);
  return image;
}

std::string Png(const cv::Mat& image) {
  std::vector<uchar> bytes;
  cv::imencode(".png", image, bytes);
  return std::string(bytes.begin(), bytes.end());
}

v1::EmbedRequest Request(const v1::ModelRef& model, int images,
                         int first_seed = 0) {
  v1::EmbedRequest request;
  *request.mutable_model() = model;
  for (int i = 0; i < images; ++i)
    request.add_images()->set_encoded(Png(Pattern(first_seed + i)));
  return request;
}

v1::ModelRef Checkpoint(const std::string& id) {
  v1::ModelRef ref;
  ref.set_checkpoint_id(id);
  return ref;
}

v1::ModelRef Job(const std::string& id) {
  v1::ModelRef ref;
  ref.set_job_id(id);
  return ref;
}

// The value of an unlabelled sample in a /metrics page, or -1.
double MetricValue(const std::string& page, const std::string& name) {
  const auto at = page.find("\n" + name + " ");
  if (at == std::string::npos) return -1;
  return std::stod(page.substr(at + name.size() + 2));
}

class EmbeddingServiceTest : public ::testing::Test {
 protected:
  void Start(std::vector<std::string> flags = {}) {
    work_dir_ = TestWorkDir();
    flags.push_back("--worker_threads=1");
    auto server = SimclrdProcess::Start(work_dir_, flags);
    ASSERT_THAT(server, IsOk());
    server_.emplace(std::move(server).value());
    auto channel = client::CreateChannel({server_->address()});
    jobs_.emplace(channel, absl::Seconds(30));
    embed_.emplace(channel, absl::Seconds(30));
  }

  // Submits a small-CNN pretraining job with a checkpoint every epoch.
  v1::Job Submit(int max_examples, int epochs) {
    auto spec = core::ParseJobSpecJson(
        absl::StrCat(R"({"seed": 5, "pretrain": {
          "data": {"train": {"local": {"format": "DATASET_FORMAT_IDX", "path": ")",
                     kImages, R"("}}, "max_examples": )", max_examples,
                     R"(, "val_fraction": 0.2},
          "encoder": {"builtin": {"arch": "ARCHITECTURE_SMALL_CNN", "width_multiplier": 0.5}},
          "batch_size": 32, "epochs": )",
                     epochs, R"(,
          "checkpoints": {"every_epochs": 1, "keep_latest": 2},
          "monitor": {"log_every_steps": 4, "knn_every_epochs": 0}}})"),
        "test");
    EXPECT_THAT(spec, IsOk());
    auto job = jobs_->Submit(*spec);
    EXPECT_THAT(job, IsOk());
    return job.ok() ? *job : v1::Job();
  }

  v1::Job WaitForEnd(const std::string& job_id) {
    EXPECT_THAT(jobs_->Watch(job_id, 0, [](const v1::JobEvent&) {}), IsOk());
    auto done = jobs_->Get(job_id);
    EXPECT_THAT(done, IsOk());
    EXPECT_EQ(done->state(), v1::JOB_STATE_SUCCEEDED) << server_->log();
    return *done;
  }

  // A finished one-epoch job.
  v1::Job Trained() { return WaitForEnd(Submit(320, 1).id()); }

  std::string Metrics() {
    auto page = testing::HttpGet(server_->metrics_port(), "/metrics");
    EXPECT_THAT(page, IsOk());
    return page.ok() ? page->body : "";
  }

  void TearDown() override {
    if (!server_) return;
    jobs_.reset();
    embed_.reset();
    ExpectCleanStop(*server_);
  }

  std::string work_dir_;
  std::optional<SimclrdProcess> server_;
  std::optional<client::JobClient> jobs_;
  std::optional<client::EmbeddingClient> embed_;
};

TEST_F(EmbeddingServiceTest,
       ServesACheckpointAlikeUnaryStreamedAndFromTensors) {
  Start();
  const v1::Job job = Trained();
  const std::string id = job.latest_checkpoint_id();
  auto unary = embed_->Embed(Request(Checkpoint(id), 5));
  ASSERT_THAT(unary, IsOk());
  EXPECT_EQ(unary->checkpoint_id(), id);
  ASSERT_EQ(unary->embeddings_size(), 5);
  const int dim = unary->feature_dim();
  ASSERT_GT(dim, 0);
  EXPECT_EQ(unary->embeddings(0).values_size(), dim);

  // The same images over one stream, by job id, as 3 requests in order.
  std::vector<v1::EmbedResponse> streamed;
  int sent = 0;
  ASSERT_THAT(embed_->EmbedStream(
                  [&](v1::EmbedRequest* request) -> absl::StatusOr<bool> {
                    if (sent == 3) return false;
                    const int first = sent == 0 ? 0 : sent == 1 ? 2 : 4;
                    const int count = sent == 2 ? 1 : 2;
                    *request = Request(Job(job.id()), count, first);
                    request->set_request_id(absl::StrCat("r", sent++));
                    return true;
                  },
                  [&](const v1::EmbedResponse& r) { streamed.push_back(r); },
                  absl::Now() + absl::Seconds(30)),
              IsOk());
  ASSERT_EQ(streamed.size(), 3u);
  int image = 0;
  for (int r = 0; r < 3; ++r) {
    EXPECT_EQ(streamed[r].request_id(), absl::StrCat("r", r));
    EXPECT_EQ(streamed[r].checkpoint_id(), id);
    for (const auto& e : streamed[r].embeddings()) {
      for (int d = 0; d < dim; ++d) {
        EXPECT_NEAR(e.values(d), unary->embeddings(image).values(d), 1e-5);
      }
      ++image;
    }
  }
  EXPECT_EQ(image, 5);

  // The first image as a raw tensor, normalised here as meta.json says.
  client::CheckpointClient checkpoints(
      client::CreateChannel({server_->address()}), absl::Seconds(30));
  auto meta = checkpoints.Get(id);
  ASSERT_THAT(meta, IsOk());
  const float mean = meta->encoder().input().mean(0),
              std = meta->encoder().input().std(0);
  const cv::Mat pattern = Pattern(0);
  std::vector<float> values(28 * 28);
  for (int i = 0; i < 28 * 28; ++i)
    values[i] = (pattern.data[i] / 255.0f - mean) / std;
  v1::EmbedRequest tensor_request;
  *tensor_request.mutable_model() = Checkpoint(id);
  tensor_request.set_l2_normalize(true);
  auto* tensor = tensor_request.add_images()->mutable_tensor();
  for (int size : {1, 28, 28}) tensor->add_shape(size);
  tensor->set_data(std::string(reinterpret_cast<const char*>(values.data()),
                               values.size() * sizeof(float)));
  auto from_tensor = embed_->Embed(tensor_request);
  ASSERT_THAT(from_tensor, IsOk());
  double norm = 0;
  for (int d = 0; d < dim; ++d) {
    norm +=
        double{unary->embeddings(0).values(d)} * unary->embeddings(0).values(d);
  }
  norm = std::sqrt(norm);
  for (int d = 0; d < dim; ++d) {
    EXPECT_NEAR(from_tensor->embeddings(0).values(d),
                unary->embeddings(0).values(d) / norm, 1e-5);
  }
}

TEST_F(EmbeddingServiceTest,
       FollowsAJobWhileItTrainsAndAnswersEveryRequestMeanwhile) {
  Start();
  const v1::Job job = Submit(1280, 8);
  std::atomic<bool> finished{false};
  std::thread watcher([&] {
    WaitForEnd(job.id());
    finished = true;
  });
  std::vector<std::string> served;  // checkpoint ids seen while it trained
  int before_first_checkpoint = 0, answered = 0;
  absl::Duration slowest;
  while (!finished) {
    const absl::Time start = absl::Now();
    auto response = embed_->Embed(Request(Job(job.id()), 4));
    slowest = std::max(slowest, absl::Now() - start);
    if (!response.ok()) {
      // Only before the job's first checkpoint; never a timeout.
      ASSERT_THAT(response, StatusIs(absl::StatusCode::kFailedPrecondition,
                                     HasSubstr("has no checkpoint yet")));
      ASSERT_TRUE(served.empty());
      ++before_first_checkpoint;
    } else {
      ++answered;
      if (!finished &&
          (served.empty() || served.back() != response->checkpoint_id())) {
        served.push_back(response->checkpoint_id());
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  watcher.join();
  std::cout << "served " << answered << " requests from " << served.size()
            << " checkpoints while the job trained (" << before_first_checkpoint
            << " before its first); slowest " << absl::FormatDuration(slowest)
            << "\n";
  // Hot swap: newer checkpoints replaced older ones while the job ran, in
  // step order.
  ASSERT_GE(served.size(), 2u) << absl::StrJoin(served, ", ");
  for (size_t i = 1; i < served.size(); ++i) {
    const auto step = [](const std::string& id) {
      return std::stoll(id.substr(id.rfind('-') + 1));
    };
    EXPECT_GT(step(served[i]), step(served[i - 1]));
  }
  // After the run, the job id serves its final checkpoint.
  auto after = embed_->Embed(Request(Job(job.id()), 1));
  ASSERT_THAT(after, IsOk());
  auto done = jobs_->Get(job.id());
  ASSERT_THAT(done, IsOk());
  EXPECT_EQ(after->checkpoint_id(), done->latest_checkpoint_id());
}

TEST_F(EmbeddingServiceTest, RefusesEveryMalformedRequestByNameAndServesOn) {
  Start({"--max_image_pixels=10000"});
  const v1::Job job = Trained();
  const v1::ModelRef model = Checkpoint(job.latest_checkpoint_id());
  const auto refused = [&](const v1::EmbedRequest& request,
                           absl::StatusCode code, const std::string& text) {
    EXPECT_THAT(embed_->Embed(request), StatusIs(code, HasSubstr(text)))
        << request.ShortDebugString().substr(0, 200);
  };
  refused(Request(v1::ModelRef(), 1), absl::StatusCode::kInvalidArgument,
          "model: set checkpoint_id or job_id");
  refused(Request(Checkpoint("ckpt-abc-7"), 1), absl::StatusCode::kNotFound,
          "checkpoint ckpt-abc-7 not found");
  refused(Request(Checkpoint("../../etc"), 1),
          absl::StatusCode::kInvalidArgument, "is not a checkpoint id");
  refused(Request(Job("job-../x"), 1), absl::StatusCode::kInvalidArgument,
          "is not a job id");
  refused(Request(Job("job-fff"), 1), absl::StatusCode::kNotFound,
          "job job-fff not found");
  refused(Request(model, 0), absl::StatusCode::kInvalidArgument,
          "images: 0 images");
  refused(Request(model, 1025), absl::StatusCode::kInvalidArgument,
          "images: 1025 images");
  v1::EmbedRequest bad = Request(model, 3);
  bad.mutable_images(2)->set_encoded("GIF89a not what we take");
  refused(bad, absl::StatusCode::kInvalidArgument,
          "images[2]: not a PNG or JPEG");
  bad = Request(model, 2);
  bad.mutable_images(1)->set_encoded(
      Png(cv::Mat(200, 200, CV_8UC1, cv::Scalar(1))));
  refused(bad, absl::StatusCode::kInvalidArgument,
          "images[1]: 200x200 pixels exceed the limit of 10000");
  bad = Request(model, 2);
  auto* tensor = bad.mutable_images(0)->mutable_tensor();
  for (int size : {3, 28, 28}) tensor->add_shape(size);
  tensor->set_data(std::string(3 * 28 * 28 * 4, '\0'));
  refused(bad, absl::StatusCode::kInvalidArgument,
          "images[0].tensor.shape: [3, 28, 28], expected [1, 28, 28]");

  // In a stream, the answers before the bad request arrive, then its error
  // ends the stream.
  int sent = 0;
  std::vector<v1::EmbedResponse> answers;
  const absl::Status stream = embed_->EmbedStream(
      [&](v1::EmbedRequest* request) -> absl::StatusOr<bool> {
        if (sent == 3) return false;
        *request = Request(model, 2);
        if (sent++ == 1) request->mutable_images(1)->set_encoded("broken");
        return true;
      },
      [&](const v1::EmbedResponse& r) { answers.push_back(r); },
      absl::Now() + absl::Seconds(30));
  EXPECT_THAT(stream, StatusIs(absl::StatusCode::kInvalidArgument,
                               HasSubstr("images[1]: not a PNG or JPEG")));
  EXPECT_EQ(answers.size(), 1u);

  // The server is unaffected.
  auto good = embed_->Embed(Request(model, 2));
  ASSERT_THAT(good, IsOk());
  EXPECT_EQ(good->embeddings_size(), 2);
  const std::string metrics = Metrics();
  EXPECT_THAT(
      metrics,
      HasSubstr("simclr_embed_requests_total{status=\"INVALID_ARGUMENT\"} 9"));
  EXPECT_THAT(metrics,
              HasSubstr("simclr_embed_requests_total{status=\"NOT_FOUND\"} 2"));
}

TEST_F(EmbeddingServiceTest,
       OverloadGetsResourceExhaustedAndConcurrentFirstRequestsLoadOnce) {
  // Room for four 256-image requests; batches wait 0.5 s to fill, so the
  // admitted ones are still pending while the rest arrive.
  Start({"--embed_max_queue=1024", "--embed_max_batch=4096",
         "--embed_max_queue_delay_us=500000"});
  const v1::Job job = Trained();
  ASSERT_EQ(MetricValue(Metrics(), "simclr_model_loads_total"), 0);
  const v1::EmbedRequest request =
      Request(Checkpoint(job.latest_checkpoint_id()), 256);
  constexpr int kClients = 16;
  std::vector<absl::Status> results(kClients);
  std::vector<std::thread> clients;
  for (int i = 0; i < kClients; ++i) {
    clients.emplace_back(
        [&, i] { results[i] = embed_->Embed(request).status(); });
  }
  for (auto& client : clients) client.join();
  int ok = 0, exhausted = 0;
  for (const auto& status : results) {
    if (status.ok()) {
      ++ok;
    } else {
      EXPECT_THAT(status, StatusIs(absl::StatusCode::kResourceExhausted,
                                   HasSubstr("--embed_max_queue")));
      ++exhausted;
    }
  }
  std::cout << ok << " admitted, " << exhausted << " refused\n";
  EXPECT_GE(ok, 1);
  EXPECT_GE(exhausted, 1);
  EXPECT_LE(ok, 4);
  const std::string metrics = Metrics();
  EXPECT_EQ(MetricValue(metrics, "simclr_model_loads_total"), 1) << metrics;
  EXPECT_EQ(MetricValue(metrics, "simclr_models_loaded"), 1);
  EXPECT_EQ(MetricValue(metrics, "simclr_embed_pending_requests"), 0);
  // Nothing was lost: the server answers normally once the burst is over.
  EXPECT_THAT(embed_->Embed(Request(Checkpoint(job.latest_checkpoint_id()), 1)),
              IsOk());

  // A request whose deadline passes while it waits for its batch is
  // dropped before the forward: no batch runs for it.
  const double batches =
      MetricValue(Metrics(), "simclr_embed_batch_size_count");
  auto stub = v1::EmbeddingService::NewStub(
      client::CreateChannel({server_->address()}));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::milliseconds(100));
  v1::EmbedResponse response;
  EXPECT_EQ(
      stub->Embed(&context, Request(Checkpoint(job.latest_checkpoint_id()), 1),
                  &response)
          .error_code(),
      grpc::StatusCode::DEADLINE_EXCEEDED);
  std::this_thread::sleep_for(
      std::chrono::milliseconds(800));  // its batch's turn
  const std::string after = Metrics();
  EXPECT_THAT(
      after,
      HasSubstr("simclr_embed_requests_total{status=\"DEADLINE_EXCEEDED\"} 1"));
  EXPECT_EQ(MetricValue(after, "simclr_embed_batch_size_count"), batches);
}

}  // namespace
}  // namespace simclr
