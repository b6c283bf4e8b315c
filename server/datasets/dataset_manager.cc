#include "server/datasets/dataset_manager.h"

#include <cerrno>
#include <filesystem>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "core/common/durable_publish.h"
#include "core/common/fault_point.h"
#include "core/common/io_errors.h"
#include "core/common/layout.h"
#include "core/common/lower_hex.h"
#include "core/common/status_macros.h"
#include "core/common/utf8.h"
#include "core/spec/checks.h"
#include "google/protobuf/util/time_util.h"
#include "server/common/not_found.h"
#include "server/common/storage_quota.h"
#include "server/datasets/archive_import.h"
#include "server/datasets/idx_import.h"
#include "server/datasets/upload_header.h"

namespace simclr::server {
namespace {

namespace fs = std::filesystem;
constexpr int64_t kMaxChunk = 1 << 20;

absl::Status Invalid(const std::string& message) {
  return absl::InvalidArgumentError(message);
}

// Classes and their counts, by label.
void Describe(const std::vector<std::string>& names, const std::vector<int64_t>& counts,
              v1::Dataset* dataset) {
  dataset->set_num_classes(static_cast<int32_t>(counts.size()));
  for (size_t label = 0; label < counts.size(); ++label) {
    v1::ClassCount* count = dataset->add_class_counts();
    count->set_label(static_cast<int32_t>(label));
    count->set_name(names[label]);
    count->set_count(counts[label]);
  }
}

}  // namespace

absl::StatusOr<std::unique_ptr<DatasetManager>> DatasetManager::Create(
    const std::string& data_dir, DatasetStore* store, const DatasetLimits& limits) {
  std::unique_ptr<DatasetManager> manager(new DatasetManager(data_dir, store, limits));
  std::error_code error;
  const fs::path root = core::layout::DatasetsFolder(data_dir);
  const fs::path incoming = core::layout::IncomingFolder(data_dir);
  fs::remove_all(incoming, error);
  fs::create_directories(incoming, error);
  if (error) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot create ", incoming.string(), ": ", error.message()));
  }
  for (const auto& entry : fs::directory_iterator(root, error)) {
    const std::string name = entry.path().filename().string();
    if (!core::layout::IsDatasetId(name)) continue;
    auto record = store->Get(name);
    if (record.ok() && !record->has_value()) fs::remove_all(entry.path(), error);
  }
  return manager;
}

std::string DatasetManager::DatasetDir(const std::string& id) const {
  return core::layout::DatasetFolder(data_dir_, id);
}

absl::StatusOr<int64_t> DatasetManager::StoredBytesOf(const std::string& owner) {
  SIMCLR_ASSIGN_OR_RETURN(auto all, store_->List());
  int64_t total = 0;
  for (const auto& dataset : all) {
    if (OwnerOf(dataset.owner()) == owner) total += dataset.stored_size_bytes();
  }
  return total;
}

absl::Status DatasetManager::CheckQuota(const Principal& owner, int64_t more) {
  SIMCLR_ASSIGN_OR_RETURN(const int64_t own, StoredBytesOf(owner.name));
  return CheckStorageQuota(owner.name, own, limits_.other_stored_bytes, more,
                           limits_.max_stored_bytes_per_principal);
}

absl::StatusOr<std::unique_ptr<DatasetManager::Upload>> DatasetManager::BeginUpload(
    const v1::UploadHeader& header, const Principal& owner) {
  SIMCLR_RETURN_IF_ERROR(CheckUploadHeader(header, limits_.max_upload_bytes));
  int64_t declared = 0;
  for (const auto& file : header.files()) declared += file.size_bytes();
  SIMCLR_RETURN_IF_ERROR(CheckQuota(owner, declared));
  auto upload = std::unique_ptr<Upload>(new Upload());
  upload->manager_ = this;
  upload->owner_ = owner;
  upload->header_ = header;
  upload->id_ = core::layout::NewDatasetId();
  upload->dir_ = core::layout::IncomingDatasetFolder(data_dir_, upload->id_);
  std::error_code error;
  fs::create_directories(upload->dir_, error);
  if (error) return absl::InternalError(absl::StrCat("cannot create ", upload->dir_));
  for (const auto& declared : header.files()) {
    Upload::File file;
    file.declared = declared;
    // Fixed names on disk: the declared name is only shown, never a path.
    file.path = absl::StrCat(upload->dir_, "/upload-", upload->files_.size());
    file.out = std::fopen(file.path.c_str(), "wb");
    file.hash = std::make_unique<core::Sha256Hasher>();
    if (file.out == nullptr) return absl::InternalError(absl::StrCat("cannot write ", file.path));
    upload->files_.push_back(std::move(file));
  }
  return upload;
}

DatasetManager::Upload::~Upload() {
  for (auto& file : files_) {
    if (file.out != nullptr) std::fclose(file.out);
  }
  if (!finished_) {
    std::error_code error;
    fs::remove_all(dir_, error);
  }
}

absl::Status DatasetManager::Upload::AddChunk(const v1::UploadChunk& chunk) {
  if (chunk.file_index() < 0 || chunk.file_index() >= static_cast<int>(files_.size())) {
    return Invalid(absl::StrCat("chunk.file_index: ", chunk.file_index(),
                                " is outside [0, ", files_.size(), ")"));
  }
  File& file = files_[static_cast<size_t>(chunk.file_index())];
  const std::string& name = file.declared.name();
  const auto size = static_cast<int64_t>(chunk.data().size());
  if (size < 1 || size > kMaxChunk) {
    return Invalid(absl::StrCat("chunk of ", name, " at offset ", chunk.offset(), ": ", size,
                                " bytes, chunks must be 1 byte to 1 MiB"));
  }
  if (chunk.offset() != file.received) {
    return Invalid(absl::StrCat("chunk of ", name, ": offset ", chunk.offset(),
                                ", expected ", file.received));
  }
  if (file.received + size > file.declared.size_bytes()) {
    return Invalid(absl::StrCat("chunk of ", name, " at offset ", chunk.offset(),
                                " goes past the declared ", file.declared.size_bytes(),
                                " bytes"));
  }
  errno = 0;
  if (std::fwrite(chunk.data().data(), 1, chunk.data().size(), file.out) !=
          chunk.data().size() ||
      std::fflush(file.out) != 0) {
    return core::WriteError(absl::StrCat("cannot store ", core::SafeText(name)), errno);
  }
  file.hash->Update(chunk.data());
  file.received += size;
  manager_->uploaded_bytes_ += size;
  return absl::OkStatus();
}

absl::Status DatasetManager::Upload::CheckReceived() {
  for (auto& file : files_) {
    const std::string& name = file.declared.name();
    if (file.received != file.declared.size_bytes()) {
      return Invalid(absl::StrCat("upload incomplete: ", name, " has ", file.received,
                                  " of its declared ", file.declared.size_bytes(),
                                  " bytes"));
    }
    errno = 0;
    if (std::fclose(file.out) != 0) {
      file.out = nullptr;
      return core::WriteError(absl::StrCat("cannot store ", core::SafeText(name)), errno);
    }
    file.out = nullptr;
    const std::string sha = file.hash->Finish();
    if (sha != file.declared.sha256()) {
      return absl::DataLossError(absl::StrCat(name, ": SHA-256 of the received bytes is ",
                                              sha, ", the header declared ",
                                              file.declared.sha256()));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<v1::Dataset> DatasetManager::Upload::Import() {
  v1::Dataset dataset;
  if (header_.format() == v1::DATASET_FORMAT_IDX) {
    SIMCLR_ASSIGN_OR_RETURN(auto imported, ImportIdx(files_[0].path, files_.size() > 1 ? files_[1].path : "", dir_, manager_->limits_.max_image_pixels));
    if (!header_.class_names().empty() &&
        header_.class_names_size() != static_cast<int>(imported.class_counts.size())) {
      return Invalid(absl::StrCat("header.class_names: ", header_.class_names_size(),
                                  " names for ", imported.class_counts.size(),
                                  " classes in the labels"));
    }
    std::vector<std::string> names;
    for (size_t label = 0; label < imported.class_counts.size(); ++label) {
      names.push_back(header_.class_names().empty()
                          ? std::to_string(label)
                          : header_.class_names(static_cast<int>(label)));
    }
    Describe(names, imported.class_counts, &dataset);
    dataset.set_num_examples(imported.images);
    dataset.set_height(imported.height);
    dataset.set_width(imported.width);
    dataset.set_channels(1);
    dataset.set_stored_size_bytes(imported.stored_bytes);
  } else {
    ArchiveLimits limits;
    limits.max_total_bytes = manager_->limits_.max_upload_bytes;
    limits.max_image_pixels = manager_->limits_.max_image_pixels;
    limits.max_corrupt_fraction = header_.max_corrupt_fraction();
    SIMCLR_ASSIGN_OR_RETURN(auto imported, ImportArchive(files_[0].path, header_.format() == v1::DATASET_FORMAT_IMAGE_FOLDER, dir_, limits));
    Describe(imported.class_names, imported.class_counts, &dataset);
    dataset.set_num_examples(imported.images);
    dataset.set_height(imported.height);
    dataset.set_width(imported.width);
    dataset.set_channels(imported.channels);
    dataset.set_stored_size_bytes(imported.stored_bytes);
    dataset.set_corrupt_images_skipped(imported.corrupt);
  }
  return dataset;
}

absl::StatusOr<v1::Dataset> DatasetManager::Upload::Finish() {
  SIMCLR_RETURN_IF_ERROR(CheckReceived());
  SIMCLR_ASSIGN_OR_RETURN(v1::Dataset dataset, Import());
  for (const auto& file : files_) std::filesystem::remove(file.path);
  dataset.set_id(id_);
  dataset.set_owner(owner_.name);
  dataset.set_display_name(header_.display_name());
  dataset.set_format(header_.format());
  int64_t uploaded = 0;
  for (const auto& file : header_.files()) uploaded += file.size_bytes();
  dataset.set_upload_size_bytes(uploaded);
  *dataset.mutable_create_time() =
      google::protobuf::util::TimeUtil::NanosecondsToTimestamp(absl::GetCurrentTimeNanos());
  dataset.mutable_labels()->insert(header_.labels().begin(), header_.labels().end());
  // Visible in two steps, files then record; Create() removes a folder
  // whose record a crash prevented. The quota is checked again on what is
  // stored, under a lock, so two uploads finishing at once cannot both
  // squeeze past it.
  absl::MutexLock lock(&manager_->publish_mu_);
  SIMCLR_RETURN_IF_ERROR(manager_->CheckQuota(owner_, dataset.stored_size_bytes()));
  std::error_code error;
  SIMCLR_RETURN_IF_ERROR(core::PublishFolder(dir_, manager_->DatasetDir(id_), "dataset"));
  finished_ = true;
  core::FaultPoint("dataset:published");
  if (auto status = manager_->store_->Put(dataset); !status.ok()) {
    std::filesystem::remove_all(manager_->DatasetDir(id_), error);
    return status;
  }
  return dataset;
}

absl::StatusOr<v1::Dataset> DatasetManager::Get(const std::string& id, const Principal& who) {
  auto record = store_->Get(id);
  // An unreadable record's owner is unknown: only an admin learns of it.
  if (!record.ok() && absl::IsDataLoss(record.status()) && !who.admin) {
    return DatasetNotFound(id);
  }
  if (!record.ok()) return record.status();
  if (!record->has_value() || !MayAccess(who, (*record)->owner())) return DatasetNotFound(id);
  return **record;
}

absl::StatusOr<std::vector<v1::Dataset>> DatasetManager::List(const Principal& who) {
  SIMCLR_ASSIGN_OR_RETURN(auto all, store_->List());
  std::vector<v1::Dataset> visible;
  for (auto& dataset : all) {
    if (MayAccess(who, dataset.owner())) visible.push_back(std::move(dataset));
  }
  return visible;
}

absl::Status DatasetManager::Delete(const std::string& id, const Principal& who, bool in_use) {
  // A record that no longer parses (DATA_LOSS) can still be deleted by an
  // admin: it is the only way to be rid of it.
  if (auto dataset = Get(id, who); !dataset.ok() && !absl::IsDataLoss(dataset.status())) {
    return dataset.status();
  }
  if (in_use) {
    return absl::FailedPreconditionError(absl::StrCat(
        "dataset ", id, " is used by a queued, running or paused job; cancel it first"));
  }
  // The record first: once it is gone nothing can start on the files.
  SIMCLR_RETURN_IF_ERROR(store_->Delete(id));
  std::error_code error;
  std::filesystem::remove_all(DatasetDir(id), error);
  return absl::OkStatus();
}

absl::StatusOr<v1::LocalDataset> DatasetManager::LocalSource(const std::string& id,
                                                             const Principal& who) {
  SIMCLR_ASSIGN_OR_RETURN(auto dataset, Get(id, who));
  v1::LocalDataset local;
  local.set_format(v1::DATASET_FORMAT_IDX);
  const std::string dir = fs::absolute(DatasetDir(id)).string();
  local.set_path(dir + "/images.idx");
  if (dataset.num_classes() > 0) local.set_labels_path(dir + "/labels.idx");
  for (const auto& count : dataset.class_counts()) local.add_class_names(count.name());
  return local;
}

}  // namespace simclr::server
