// DatasetService through the real binaries: Fashion-MNIST uploaded by
// simclrctl, its counts per class, a pretraining job on it by dataset_id,
// deletion refused while a job uses it; and every malformed upload refused
// with its reason, leaving no trace, with the server still serving.
#include <signal.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "client/channel.h"
#include "client/dataset_client.h"
#include "client/job_client.h"
#include "core/common/job_spec_json.h"
#include "core/common/sha256.h"
#include "gmock/gmock.h"
#include "grpcpp/client_context.h"
#include "gtest/gtest.h"
#include "tests/e2e/simclrd_process.h"
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

constexpr char kDir[] = "/usr/share/datasets/fashion-mnist/";

std::string Read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), {});
}

class DatasetServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    work_dir_ = TestWorkDir();
    auto server = SimclrdProcess::Start(
        work_dir_, {"--worker_threads=1", "--max_upload_bytes=40000000",
                    "--max_image_pixels=1000000"});
    ASSERT_THAT(server, IsOk());
    server_.emplace(std::move(server).value());
    channel_ = client::CreateChannel({server_->address()});
    datasets_.emplace(channel_, absl::Seconds(30));
    jobs_.emplace(channel_, absl::Seconds(30));
  }
  void TearDown() override {
    if (!server_) return;
    datasets_.reset();
    jobs_.reset();
    channel_.reset();
    ExpectCleanStop(*server_);
  }

  // Nothing of any upload in progress or failed is left on disk.
  void ExpectNoTrace() {
    const std::string root = work_dir_ + "/data/datasets";
    EXPECT_TRUE(std::filesystem::is_empty(root + "/.incoming"));
    auto listed = datasets_->List();
    ASSERT_THAT(listed, IsOk());
    size_t folders = 0;
    for (const auto& entry : std::filesystem::directory_iterator(root)) {
      folders += entry.path().filename().string() != ".incoming";
    }
    EXPECT_EQ(folders, listed->size());
  }

  // Sends a header and raw chunks; the server's answer.
  grpc::Status Upload(const v1::UploadHeader& header,
                      const std::vector<v1::UploadChunk>& chunks,
                      bool header_first = true) {
    auto stub = v1::DatasetService::NewStub(channel_);
    grpc::ClientContext context;
    v1::Dataset dataset;
    auto writer = stub->UploadDataset(&context, &dataset);
    v1::UploadDatasetRequest request;
    if (header_first) {
      *request.mutable_header() = header;
      writer->Write(request);
    }
    for (const auto& chunk : chunks) {
      *request.mutable_chunk() = chunk;
      if (!writer->Write(request)) break;
    }
    writer->WritesDone();
    return writer->Finish();
  }

  std::string work_dir_;
  std::optional<SimclrdProcess> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::optional<client::DatasetClient> datasets_;
  std::optional<client::JobClient> jobs_;
};

v1::UploadHeader IdxHeader(const std::string& images, const std::string& labels = "") {
  v1::UploadHeader header;
  header.set_format(v1::DATASET_FORMAT_IDX);
  for (const auto& [name, bytes] :
       {std::pair{std::string("images"), images}, std::pair{std::string("labels"), labels}}) {
    if (bytes.empty()) continue;
    v1::UploadFile* file = header.add_files();
    file->set_name(name);
    file->set_size_bytes(static_cast<int64_t>(bytes.size()));
    file->set_sha256(core::Sha256OfBytes(bytes));
  }
  return header;
}

std::vector<v1::UploadChunk> Chunks(int file_index, const std::string& bytes,
                                    size_t size = 1 << 20) {
  std::vector<v1::UploadChunk> chunks;
  for (size_t at = 0; at < bytes.size(); at += size) {
    v1::UploadChunk chunk;
    chunk.set_file_index(file_index);
    chunk.set_offset(static_cast<int64_t>(at));
    chunk.set_data(bytes.substr(at, size));
    chunks.push_back(std::move(chunk));
  }
  return chunks;
}

TEST_F(DatasetServiceTest, UploadTrainOnItAndDeleteOnlyWhenUnused) {
  auto uploaded = RunProcess(
      {SIMCLRCTL_PATH, "--server", server_->address(), "--json", "datasets", "upload",
       "--images", absl::StrCat(kDir, "t10k-images-idx3-ubyte.gz"), "--labels",
       absl::StrCat(kDir, "t10k-labels-idx1-ubyte.gz"), "--name", "fashion-mnist test",
       "--class_names",
       "T-shirt/top,Trouser,Pullover,Dress,Coat,Sandal,Shirt,Sneaker,Bag,Ankle boot"},
      absl::Seconds(60));
  ASSERT_THAT(uploaded, IsOk());
  ASSERT_EQ(uploaded->exit_code, 0) << uploaded->stderr_text;
  auto listed = datasets_->List();
  ASSERT_THAT(listed, IsOk());
  ASSERT_EQ(listed->size(), 1u);
  const v1::Dataset& dataset = listed->front();
  EXPECT_EQ(dataset.num_examples(), 10000);
  EXPECT_EQ(dataset.num_classes(), 10);
  EXPECT_EQ(dataset.height(), 28);
  EXPECT_EQ(dataset.width(), 28);
  EXPECT_EQ(dataset.channels(), 1);
  EXPECT_EQ(dataset.stored_size_bytes(), 16 + 10000 * 784 + 8 + 10000);
  ASSERT_EQ(dataset.class_counts_size(), 10);
  EXPECT_EQ(dataset.class_counts(9).name(), "Ankle boot");
  for (const auto& c : dataset.class_counts()) EXPECT_EQ(c.count(), 1000);

  auto spec = core::ParseJobSpecJson(
      absl::StrCat(R"({"seed": 1, "num_threads": 1, "pretrain": {
        "data": {"train": {"dataset_id": ")", dataset.id(), R"("},
                 "max_examples": 320, "val_fraction": 0.2},
        "encoder": {"builtin": {"arch": "ARCHITECTURE_SMALL_CNN", "width_multiplier": 0.5}},
        "batch_size": 32, "epochs": 400,
        "monitor": {"log_every_steps": 4, "knn_every_epochs": 0}}})"),
      "test");
  ASSERT_THAT(spec, IsOk());
  auto job = jobs_->Submit(*spec);
  ASSERT_THAT(job, IsOk());
  EXPECT_THAT(datasets_->Delete(dataset.id()),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("used by")));
  // It trains on the upload: wait for progress, then stop it.
  for (int i = 0; i < 600 && jobs_->Get(job->id())->progress().step() < 8; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_GE(jobs_->Get(job->id())->progress().step(), 8);
  ASSERT_THAT(jobs_->Cancel(job->id()), IsOk());
  EXPECT_THAT(datasets_->Delete(dataset.id()), IsOk());
  EXPECT_THAT(datasets_->Get(dataset.id()), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_FALSE(std::filesystem::exists(work_dir_ + "/data/datasets/" + dataset.id()));
  // A job naming a dataset that is gone is refused up front.
  EXPECT_THAT(jobs_->Submit(*spec),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("spec.pretrain.data.train.dataset_id")));
}

TEST_F(DatasetServiceTest, MalformedUploadsAreRefusedWithTheReasonAndLeaveNoTrace) {
  const std::string images = Read(absl::StrCat(kDir, "t10k-images-idx3-ubyte.gz"));
  const std::string labels = Read(absl::StrCat(kDir, "t10k-labels-idx1-ubyte.gz"));
  const std::string train_labels = Read(absl::StrCat(kDir, "train-labels-idx1-ubyte.gz"));
  auto expect = [&](const grpc::Status& status, grpc::StatusCode code,
                    const std::string& message, const char* what) {
    EXPECT_EQ(status.error_code(), code) << what << ": " << status.error_message();
    EXPECT_THAT(status.error_message(), HasSubstr(message)) << what;
    ExpectNoTrace();
  };
  expect(Upload({}, Chunks(0, images), /*header_first=*/false),
         grpc::StatusCode::INVALID_ARGUMENT, "first message", "no header");
  {
    v1::UploadHeader header = IdxHeader(images);
    header.mutable_files(0)->set_sha256(core::Sha256OfBytes("something else"));
    expect(Upload(header, Chunks(0, images)), grpc::StatusCode::DATA_LOSS, "SHA-256",
           "checksum");
  }
  {
    auto chunks = Chunks(0, images);
    chunks.pop_back();
    expect(Upload(IdxHeader(images), chunks), grpc::StatusCode::INVALID_ARGUMENT,
           "upload incomplete: images", "truncated");
  }
  {
    auto chunks = Chunks(0, images, 100000);
    chunks.erase(chunks.begin() + 1);
    expect(Upload(IdxHeader(images), chunks), grpc::StatusCode::INVALID_ARGUMENT,
           "offset 200000, expected 100000", "gap");
  }
  {
    const std::string big(2 << 20, 'x');
    expect(Upload(IdxHeader(big), Chunks(0, big, 2 << 20)),
           grpc::StatusCode::INVALID_ARGUMENT, "1 MiB", "oversized chunk");
  }
  {
    const std::string noise(5000, '\x42');
    expect(Upload(IdxHeader(noise), Chunks(0, noise)), grpc::StatusCode::INVALID_ARGUMENT,
           "images: not an IDX image file", "not IDX");
  }
  {
    auto chunks = Chunks(0, images);
    for (auto& c : Chunks(1, train_labels)) chunks.push_back(c);
    expect(Upload(IdxHeader(images, train_labels), chunks),
           grpc::StatusCode::INVALID_ARGUMENT, "labels: 60000 labels", "labels mismatch");
  }
  {
    v1::UploadHeader header = IdxHeader(images, labels);
    header.mutable_files(0)->set_size_bytes(50000000);
    expect(Upload(header, {}), grpc::StatusCode::INVALID_ARGUMENT, "--max_upload_bytes",
           "too big");
  }
  {
    v1::UploadHeader header = IdxHeader(images);
    header.mutable_files(0)->set_sha256("ABC");
    expect(Upload(header, {}), grpc::StatusCode::INVALID_ARGUMENT,
           "header.files[0].sha256", "bad sha");
  }
  for (const double fraction : {-0.1, 0.6, std::nan("")}) {
    // NaN fails every comparison, so a range check must be written to
    // refuse it too.
    v1::UploadHeader header = IdxHeader(images);
    header.set_max_corrupt_fraction(fraction);
    expect(Upload(header, {}), grpc::StatusCode::INVALID_ARGUMENT,
           "header.max_corrupt_fraction", "max_corrupt_fraction");
  }
  {
    v1::UploadHeader header = IdxHeader(images);
    header.set_format(v1::DATASET_FORMAT_CSV_MANIFEST);
    header.mutable_files(0)->set_name("list.csv");
    expect(Upload(header, {}), grpc::StatusCode::UNIMPLEMENTED, "CSV_MANIFEST",
           "manifest");
  }
  {
    v1::UploadHeader header = IdxHeader(images);
    header.set_format(v1::DATASET_FORMAT_IMAGE_FOLDER);
    header.mutable_files(0)->set_name("../cats.tar");
    expect(Upload(header, {}), grpc::StatusCode::INVALID_ARGUMENT, "no '/'",
           "archive name");
  }
  {
    // A client that goes away half way.
    auto stub = v1::DatasetService::NewStub(channel_);
    grpc::ClientContext context;
    v1::Dataset dataset;
    auto writer = stub->UploadDataset(&context, &dataset);
    v1::UploadDatasetRequest request;
    *request.mutable_header() = IdxHeader(images);
    writer->Write(request);
    *request.mutable_chunk() = Chunks(0, images).front();
    writer->Write(request);
    context.TryCancel();
    writer->Finish();
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    ExpectNoTrace();
  }
  // Still serving, and a good upload still works.
  auto good = datasets_->UploadIdx("ok", absl::StrCat(kDir, "t10k-images-idx3-ubyte.gz"),
                                   "", {});
  ASSERT_THAT(good, IsOk());
  EXPECT_EQ(good->num_classes(), 0);
  EXPECT_EQ(datasets_->List()->size(), 1u);
}

TEST_F(DatasetServiceTest, ArchivesOfImagesAreImportedAndDangerousOnesRefused) {
  const std::string dir = work_dir_ + "/archives";
  std::filesystem::create_directories(dir);
  auto made = RunProcess({"/usr/bin/python3",
                          std::string(std::getenv("SIMCLR_SOURCE_DIR")) +
                              "/tests/e2e/make_archives.py",
                          dir},
                         absl::Seconds(120));
  ASSERT_THAT(made, IsOk());
  ASSERT_EQ(made->exit_code, 0) << made->stderr_text;

  auto pets = datasets_->UploadArchive("pets", dir + "/good.tar.gz", true, 0);
  ASSERT_THAT(pets, IsOk());
  EXPECT_EQ(pets->format(), v1::DATASET_FORMAT_IMAGE_FOLDER);
  EXPECT_EQ(pets->num_examples(), 11);  // the README is skipped
  EXPECT_EQ(pets->height(), 12);        // the 24x20 image was resized
  EXPECT_EQ(pets->width(), 12);
  EXPECT_EQ(pets->channels(), 1);
  ASSERT_EQ(pets->class_counts_size(), 2);
  EXPECT_EQ(pets->class_counts(0).name(), "cats");
  EXPECT_EQ(pets->class_counts(0).count(), 5);
  EXPECT_EQ(pets->class_counts(1).name(), "dogs");
  EXPECT_EQ(pets->class_counts(1).count(), 6);
  EXPECT_EQ(pets->stored_size_bytes(), 16 + 11 * 144 + 8 + 11);

  auto rgb = datasets_->UploadArchive("rgb", dir + "/rgb.zip", false, 0);
  ASSERT_THAT(rgb, IsOk());
  EXPECT_EQ(rgb->num_examples(), 4);
  EXPECT_EQ(rgb->channels(), 3);
  EXPECT_EQ(rgb->num_classes(), 0);

  struct Refused {
    const char* file;
    const char* reason;
  };
  for (const Refused& r : std::vector<Refused>{
           {"corrupt.tar", "\"a/broken.png\": not a decodable image"},
           {"traversal.tar", "\"../evil.png\": path traversal"},
           {"absolute.tar", "\"/etc/evil.png\": absolute"},
           {"symlink.tar", "\"a/link.png\": symlinks are refused"},
           {"device.tar", "\"a/dev.png\": devices"},
           {"bomb.zip", "--max_upload_bytes"},
           {"pixels.tar", "\"a/huge.png\": 3000x3000 exceeds --max_image_pixels"}}) {
    EXPECT_THAT(datasets_->UploadArchive(r.file, dir + "/" + r.file, true, 0),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(r.reason)))
        << r.file;
    ExpectNoTrace();
  }
  // Within the allowed share, an undecodable image is dropped and counted.
  auto tolerant = datasets_->UploadArchive("tolerant", dir + "/corrupt.tar", true, 0.3);
  ASSERT_THAT(tolerant, IsOk());
  EXPECT_EQ(tolerant->num_examples(), 3);
  EXPECT_EQ(tolerant->corrupt_images_skipped(), 1);
  EXPECT_EQ(datasets_->List()->size(), 3u);
}

}  // namespace
}  // namespace simclr
