#include "core/train/checkpoint.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <vector>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "core/common/atomic_file.h"
#include "core/common/durable_publish.h"
#include "core/common/layout.h"
#include "core/common/sha256.h"
#include "core/common/status_macros.h"
#include "core/runtime/torch_files.h"
#include "core/runtime/torch_status.h"
#include "google/protobuf/util/json_util.h"
#include "torch/torch.h"

namespace simclr::core {
namespace {

namespace fs = std::filesystem;
namespace layout = core::layout;

fs::path CheckpointsDir(const std::string& job_dir) {
  return layout::CheckpointsFolder(job_dir);
}

// Complete checkpoints (numeric folder names), oldest first.
std::vector<int64_t> CheckpointSteps(const std::string& job_dir) {
  std::vector<int64_t> steps;
  std::error_code error;
  for (const auto& entry :
       fs::directory_iterator(CheckpointsDir(job_dir), error)) {
    int64_t step = 0;
    if (entry.is_directory() && !entry.is_symlink() &&
        absl::SimpleAtoi(entry.path().filename().string(), &step)) {
      steps.push_back(step);
    }
  }
  std::sort(steps.begin(), steps.end());
  return steps;
}

void WriteScalars(torch::serialize::OutputArchive& archive,
                  const TrainingProgress& p) {
  archive.write("step", c10::IValue(p.step));
  archive.write("epoch", c10::IValue(p.epoch));
  archive.write("next_batch", c10::IValue(p.next_batch));
  archive.write("lr", c10::IValue(p.lr));
  archive.write("plateau_lr", c10::IValue(p.plateau.lr));
  archive.write("plateau_best", c10::IValue(p.plateau.best));
  archive.write("plateau_bad", c10::IValue(int64_t{p.plateau.bad_epochs}));
  archive.write("stop_best", c10::IValue(p.stopping.best));
  archive.write("stop_best_epoch", c10::IValue(int64_t{p.stopping.best_epoch}));
  archive.write("stop_bad", c10::IValue(int64_t{p.stopping.bad_epochs}));
  archive.write("loss_scale", c10::IValue(p.loss_scaler.scale));
  archive.write("loss_scale_good", c10::IValue(p.loss_scaler.good_steps));
  archive.write("loss_scale_skipped",
                c10::IValue(p.loss_scaler.skipped_steps));
  archive.write("elapsed_seconds", c10::IValue(p.elapsed_seconds));
}

void ReadScalars(torch::serialize::InputArchive& archive, TrainingProgress* p) {
  c10::IValue v;
  archive.read("step", v);
  p->step = v.toInt();
  archive.read("epoch", v);
  p->epoch = v.toInt();
  archive.read("next_batch", v);
  p->next_batch = v.toInt();
  archive.read("lr", v);
  p->lr = v.toDouble();
  archive.read("plateau_lr", v);
  p->plateau.lr = v.toDouble();
  archive.read("plateau_best", v);
  p->plateau.best = v.toDouble();
  archive.read("plateau_bad", v);
  p->plateau.bad_epochs = static_cast<int>(v.toInt());
  archive.read("stop_best", v);
  p->stopping.best = v.toDouble();
  archive.read("stop_best_epoch", v);
  p->stopping.best_epoch = static_cast<int>(v.toInt());
  archive.read("stop_bad", v);
  p->stopping.bad_epochs = static_cast<int>(v.toInt());
  // Absent in checkpoints written before mixed precision existed.
  if (archive.try_read("loss_scale", v)) p->loss_scaler.scale = v.toDouble();
  if (archive.try_read("loss_scale_good", v))
    p->loss_scaler.good_steps = v.toInt();
  if (archive.try_read("loss_scale_skipped", v))
    p->loss_scaler.skipped_steps = v.toInt();
  // Absent before time budgets existed.
  if (archive.try_read("elapsed_seconds", v)) p->elapsed_seconds = v.toDouble();
}

absl::Status AddFile(const fs::path& folder, const std::string& name,
                     v1::Checkpoint* meta) {
  const fs::path path = folder / name;
  SIMCLR_ASSIGN_OR_RETURN(std::string sha256, Sha256OfFile(path.string()));
  auto* file = meta->add_files();
  file->set_name(name);
  file->set_size_bytes(static_cast<int64_t>(fs::file_size(path)));
  file->set_sha256(std::move(sha256));
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::string> WriteCheckpoint(const std::string& job_dir,
                                            Encoder& encoder,
                                            ProjectionHead& head,
                                            torch::optim::Optimizer& optimizer,
                                            const TrainingProgress& progress,
                                            v1::Checkpoint meta) {
  const fs::path final_dir =
      CheckpointsDir(job_dir) / std::to_string(progress.step);
  const fs::path temp_dir =
      CheckpointsDir(job_dir) / absl::StrCat(".tmp-", progress.step);
  std::error_code error;
  fs::remove_all(temp_dir, error);
  fs::create_directories(temp_dir, error);
  if (error) {
    return absl::FailedPreconditionError(
        absl::StrCat(temp_dir.string(), ": cannot create: ", error.message()));
  }
  // A checkpoint that could not be written whole (a full disk) leaves
  // nothing: the half-written folder goes.
  absl::Cleanup remove_temp = [&temp_dir] {
    std::error_code ignored;
    fs::remove_all(temp_dir, ignored);
  };
  // encoder.pt in eval mode, so torch.jit.load gives inference behaviour,
  // and on the CPU, so it loads on a machine without the training's GPU.
  const bool was_training = encoder.module.is_training();
  encoder.module.eval();
  absl::Status saved = SaveModule(ModuleOnCpu(encoder.module),
                                  (temp_dir / layout::kEncoderFile).string());
  encoder.module.train(was_training);
  SIMCLR_RETURN_IF_ERROR(saved);
  torch::serialize::OutputArchive state;
  SIMCLR_RETURN_IF_ERROR(CallTorch("write checkpoint", [&] {
    torch::serialize::OutputArchive head_archive;
    head->save(head_archive);
    state.write("head", head_archive);
    torch::serialize::OutputArchive optimizer_archive;
    optimizer.save(optimizer_archive);
    state.write("optimizer", optimizer_archive);
    WriteScalars(state, progress);
  }));
  SIMCLR_RETURN_IF_ERROR(SaveArchive(state, (temp_dir / layout::kStateFile).string()));
  meta.set_step(progress.step);
  meta.set_epoch(static_cast<int32_t>(progress.epoch));
  meta.clear_files();
  SIMCLR_RETURN_IF_ERROR(AddFile(temp_dir, layout::kEncoderFile, &meta));
  SIMCLR_RETURN_IF_ERROR(AddFile(temp_dir, layout::kStateFile, &meta));
  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  options.preserve_proto_field_names = true;
  if (!google::protobuf::util::MessageToJsonString(meta, &json, options).ok()) {
    return absl::InternalError("meta.json: cannot print");
  }
  SIMCLR_RETURN_IF_ERROR(WriteWholeFile((temp_dir / layout::kMetaFile).string(), json));
  fs::remove_all(final_dir, error);
  SIMCLR_RETURN_IF_ERROR(PublishFolder(temp_dir.string(), final_dir.string(), "checkpoint"));
  std::move(remove_temp).Cancel();
  return final_dir.string();
}

namespace {

// Points checkpoints/<name> at checkpoint `step` atomically: a new link,
// renamed over the old one.
absl::Status PointLink(const std::string& job_dir, const std::string& name,
                       int64_t step) {
  std::error_code error;
  const fs::path link = CheckpointsDir(job_dir) / name;
  const fs::path temp = CheckpointsDir(job_dir) / absl::StrCat(".", name, "-link");
  fs::remove(temp, error);
  fs::create_directory_symlink(std::to_string(step), temp, error);
  if (error) {
    return absl::DataLossError(
        absl::StrCat(link.string(), ": cannot link: ", error.message()));
  }
  return PublishFile(temp.string(), link.string(), "checkpoint-link");
}

}  // namespace

absl::Status ApplyRetention(const std::string& job_dir, int keep_latest,
                            std::optional<int64_t> best_step) {
  const std::vector<int64_t> steps = CheckpointSteps(job_dir);
  std::error_code error;
  for (size_t i = 0; i + keep_latest < steps.size(); ++i) {
    if (best_step && steps[i] == *best_step) continue;
    fs::remove_all(CheckpointsDir(job_dir) / std::to_string(steps[i]), error);
  }
  if (best_step) return PointLink(job_dir, layout::kBestLink, *best_step);
  return absl::OkStatus();
}

absl::Status MarkFinalCheckpoint(const std::string& job_dir, int64_t step) {
  if (!fs::is_directory(CheckpointsDir(job_dir) / std::to_string(step))) {
    return absl::NotFoundError(
        absl::StrCat(job_dir, ": no checkpoint at step ", step));
  }
  return PointLink(job_dir, layout::kFinalLink, step);
}

absl::StatusOr<std::string> LatestCheckpoint(const std::string& job_dir) {
  const std::vector<int64_t> steps = CheckpointSteps(job_dir);
  if (steps.empty()) {
    return absl::NotFoundError(
        absl::StrCat(CheckpointsDir(job_dir).string(), ": no checkpoint"));
  }
  return (CheckpointsDir(job_dir) / std::to_string(steps.back())).string();
}

absl::Status LoadEncoderModule(const std::string& folder, Encoder* encoder) {
  const std::string path = (fs::path(folder) / layout::kEncoderFile).string();
  SIMCLR_ASSIGN_OR_RETURN(torch::jit::Module module, CallTorch(path, [&] {
                            return torch::jit::load(path, torch::Device(torch::kCPU));
                          }));
  encoder->module = module;
  encoder->layers.clear();
  encoder->layer_names.clear();
  // A wrapped user encoder's layers are those of its base.
  torch::jit::Module parent = module;
  if (module.hasattr("base") && module.named_children().size() == 1) {
    parent = module.attr("base").toModule();
  }
  for (const auto& child : parent.named_children()) {
    encoder->layers.push_back(child.value);
    encoder->layer_names.push_back(child.name);
  }
  encoder->module.train();
  return absl::OkStatus();
}

absl::Status LoadTrainingState(const std::string& folder, ProjectionHead& head,
                               torch::optim::Optimizer& optimizer,
                               TrainingProgress* progress, c10::Device device) {
  const std::string path = (fs::path(folder) / layout::kStateFile).string();
  return CallTorch(path, [&] {
    torch::serialize::InputArchive state;
    state.load_from(path, device);
    torch::serialize::InputArchive head_archive;
    state.read("head", head_archive);
    head->load(head_archive);
    torch::serialize::InputArchive optimizer_archive;
    state.read("optimizer", optimizer_archive);
    optimizer.load(optimizer_archive);
    ReadScalars(state, progress);
  });
}

}  // namespace simclr::core
