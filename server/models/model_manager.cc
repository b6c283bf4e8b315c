#include "server/models/model_manager.h"

#include <cerrno>
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "core/common/durable_publish.h"
#include "core/common/fault_point.h"
#include "core/common/field_error.h"
#include "core/common/io_errors.h"
#include "core/common/layout.h"
#include "core/common/lower_hex.h"
#include "core/common/status_macros.h"
#include "core/spec/checks.h"
#include "google/protobuf/util/time_util.h"
#include "server/common/not_found.h"
#include "server/common/storage_quota.h"

namespace simclr::server {
namespace {

namespace fs = std::filesystem;
constexpr int64_t kMaxChunk = 1 << 20;

absl::Status CheckHeader(const v1::ModelUploadHeader& header, int64_t max_bytes) {
  SIMCLR_RETURN_IF_ERROR(core::CheckLength("header.display_name", header.display_name(), 128));
  SIMCLR_RETURN_IF_ERROR(core::CheckInt("header.size_bytes", header.size_bytes(), 1, max_bytes));
  if (header.sha256().size() != 64 || !core::IsLowerHex(header.sha256())) {
    return core::FieldError("header.sha256", "not 64 lower-case hex digits");
  }
  const int channels = header.input_channels(), size = header.input_size();
  if (channels != 0 && channels != 1 && channels != 3) {
    return core::FieldError("header.input_channels", absl::StrCat(channels, " is not 0, 1 or 3"));
  }
  if (size != 0) SIMCLR_RETURN_IF_ERROR(core::CheckInt("header.input_size", size, 8, 1024));
  if ((channels == 0) != (size == 0)) {
    return core::FieldError("header.input_size",
                            "set input_channels and input_size together, or neither");
  }
  return core::CheckLabels("header.labels", header.labels());
}

}  // namespace

absl::StatusOr<std::unique_ptr<ModelManager>> ModelManager::Create(const std::string& data_dir,
                                                                   const std::string& database,
                                                                   ModelLimits limits,
                                                                   ModelProber prober) {
  SIMCLR_ASSIGN_OR_RETURN(auto table, RecordTable::Open(database, StoreTable::kModels, "model"));
  std::unique_ptr<ModelManager> manager(
      new ModelManager(data_dir, std::move(table), std::move(limits), std::move(prober)));
  std::error_code error;
  const fs::path incoming = fs::path(core::layout::ModelsFolder(data_dir)) / ".incoming";
  fs::remove_all(incoming, error);
  fs::create_directories(incoming, error);
  if (error) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot create ", incoming.string(), ": ", error.message()));
  }
  for (const auto& entry : fs::directory_iterator(core::layout::ModelsFolder(data_dir), error)) {
    const std::string name = entry.path().filename().string();
    if (!core::layout::IsModelId(name)) continue;
    v1::Model record;
    auto found = manager->table_->Get(name, &record);
    if (found.ok() && !*found) fs::remove_all(entry.path(), error);
  }
  return manager;
}

absl::StatusOr<int64_t> ModelManager::StoredBytesOf(const std::string& owner) {
  SIMCLR_ASSIGN_OR_RETURN(auto all, table_->List<v1::Model>());
  int64_t total = 0;
  for (const auto& model : all) {
    if (OwnerOf(model.owner()) == owner) total += model.size_bytes();
  }
  return total;
}

absl::Status ModelManager::CheckQuota(const Principal& owner, int64_t more) {
  SIMCLR_ASSIGN_OR_RETURN(const int64_t own, StoredBytesOf(owner.name));
  return CheckStorageQuota(owner.name, own, limits_.other_stored_bytes, more,
                           limits_.max_stored_bytes_per_principal);
}

absl::StatusOr<std::unique_ptr<ModelManager::Upload>> ModelManager::BeginUpload(
    const v1::ModelUploadHeader& header, const Principal& owner) {
  SIMCLR_RETURN_IF_ERROR(CheckHeader(header, limits_.max_model_bytes));
  SIMCLR_RETURN_IF_ERROR(CheckQuota(owner, header.size_bytes()));
  auto upload = std::unique_ptr<Upload>(new Upload());
  upload->manager_ = this;
  upload->owner_ = owner;
  upload->header_ = header;
  upload->id_ = core::layout::NewModelId();
  upload->dir_ = core::layout::IncomingModelFolder(data_dir_, upload->id_);
  upload->path_ = absl::StrCat(upload->dir_, "/", core::layout::kModelFile);
  std::error_code error;
  fs::create_directories(upload->dir_, error);
  upload->out_ = error ? nullptr : std::fopen(upload->path_.c_str(), "wb");
  if (upload->out_ == nullptr) {
    return absl::InternalError(absl::StrCat("cannot write ", upload->path_));
  }
  return upload;
}

ModelManager::Upload::~Upload() {
  if (out_ != nullptr) std::fclose(out_);
  if (!finished_) {
    std::error_code error;
    fs::remove_all(dir_, error);
  }
}

absl::Status ModelManager::Upload::AddChunk(const v1::ModelChunk& chunk) {
  const auto size = static_cast<int64_t>(chunk.data().size());
  if (size < 1 || size > kMaxChunk) {
    return absl::InvalidArgumentError(absl::StrCat("chunk at offset ", chunk.offset(), ": ",
                                                   size, " bytes, chunks must be 1 byte to 1 MiB"));
  }
  if (chunk.offset() != received_) {
    return absl::InvalidArgumentError(
        absl::StrCat("chunk.offset: ", chunk.offset(), ", expected ", received_));
  }
  if (received_ + size > header_.size_bytes()) {
    return absl::InvalidArgumentError(absl::StrCat("chunk at offset ", chunk.offset(),
                                                   " goes past the declared ",
                                                   header_.size_bytes(), " bytes"));
  }
  errno = 0;
  if (std::fwrite(chunk.data().data(), 1, chunk.data().size(), out_) != chunk.data().size()) {
    return core::WriteError("cannot store the model", errno);
  }
  hash_.Update(chunk.data());
  received_ += size;
  return absl::OkStatus();
}

absl::StatusOr<v1::Model> ModelManager::Upload::Finish() {
  if (received_ != header_.size_bytes()) {
    return absl::InvalidArgumentError(absl::StrCat("upload incomplete: ", received_,
                                                   " of the declared ", header_.size_bytes(),
                                                   " bytes"));
  }
  errno = 0;
  const bool closed = std::fclose(out_) == 0;
  out_ = nullptr;
  if (!closed) return core::WriteError("cannot store the model", errno);
  const std::string sha = hash_.Finish();
  if (sha != header_.sha256()) {
    return absl::DataLossError(absl::StrCat("SHA-256 of the received bytes is ", sha,
                                            ", the header declared ", header_.sha256()));
  }
  SIMCLR_ASSIGN_OR_RETURN(const ProbedModel probed,
                          manager_->prober_(path_, header_.input_channels(),
                                            header_.input_size()));
  v1::Model model;
  model.set_id(id_);
  model.set_display_name(header_.display_name());
  model.set_owner(owner_.name);
  model.set_size_bytes(received_);
  model.set_sha256(sha);
  *model.mutable_create_time() =
      google::protobuf::util::TimeUtil::NanosecondsToTimestamp(absl::GetCurrentTimeNanos());
  model.set_input_channels(probed.channels);
  model.set_input_size(probed.size);
  model.set_feature_dim(probed.feature_dim);
  model.set_layers(probed.layers);
  model.mutable_labels()->insert(header_.labels().begin(), header_.labels().end());
  absl::MutexLock lock(&manager_->publish_mu_);
  SIMCLR_RETURN_IF_ERROR(manager_->CheckQuota(owner_, received_));
  const std::string destination = core::layout::ModelFolder(manager_->data_dir_, id_);
  std::error_code error;
  SIMCLR_RETURN_IF_ERROR(core::PublishFolder(dir_, destination, "model"));
  finished_ = true;
  core::FaultPoint("model:published");
  if (auto status = manager_->table_->Put(id_, model); !status.ok()) {
    fs::remove_all(destination, error);
    return status;
  }
  return model;
}

absl::StatusOr<v1::Model> ModelManager::Get(const std::string& id, const Principal& who) {
  v1::Model model;
  auto found = table_->Get(id, &model);
  if (!found.ok() && absl::IsDataLoss(found.status()) && !who.admin) return ModelNotFound(id);
  if (!found.ok()) return found.status();
  if (!*found || !MayAccess(who, model.owner())) return ModelNotFound(id);
  return model;
}

absl::StatusOr<std::vector<v1::Model>> ModelManager::List(const Principal& who) {
  SIMCLR_ASSIGN_OR_RETURN(auto all, table_->List<v1::Model>());
  std::vector<v1::Model> visible;
  for (auto& model : all) {
    if (MayAccess(who, model.owner())) visible.push_back(std::move(model));
  }
  return visible;
}

absl::Status ModelManager::Delete(const std::string& id, const Principal& who, bool in_use) {
  if (auto model = Get(id, who); !model.ok() && !absl::IsDataLoss(model.status())) {
    return model.status();
  }
  if (in_use) {
    return absl::FailedPreconditionError(
        absl::StrCat("model ", id, " is used by a queued, running or paused job"));
  }
  SIMCLR_RETURN_IF_ERROR(table_->Delete(id));
  std::error_code error;
  fs::remove_all(core::layout::ModelFolder(data_dir_, id), error);
  return absl::OkStatus();
}

absl::StatusOr<std::string> ModelManager::LocalPath(const std::string& id, const Principal& who) {
  SIMCLR_ASSIGN_OR_RETURN(const v1::Model model, Get(id, who));
  return fs::absolute(absl::StrCat(core::layout::ModelFolder(data_dir_, id), "/",
                                   core::layout::kModelFile))
      .string();
}

}  // namespace simclr::server
