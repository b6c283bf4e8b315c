#include "server/jobs/spec_references.h"

#include "absl/strings/str_cat.h"
#include "core/spec/job_kinds.h"

namespace simclr::server {
namespace {

void AddIfSet(std::vector<PathField>& paths, std::string field, std::string* value) {
  if (!value->empty()) paths.push_back({std::move(field), value});
}

void AddSource(std::vector<PathField>& paths, const std::string& field,
               v1::DataConfig& data) {
  for (auto [name, source] : {std::pair<const char*, v1::DataSource*>{
                                  "train", data.has_train() ? data.mutable_train() : nullptr},
                              {"test", data.has_test() ? data.mutable_test() : nullptr}}) {
    if (source == nullptr || !source->has_local()) continue;
    const std::string at = absl::StrCat(field, ".", name, ".local.");
    AddIfSet(paths, at + "path", source->mutable_local()->mutable_path());
    AddIfSet(paths, at + "labels_path", source->mutable_local()->mutable_labels_path());
  }
}

void AddTorchScript(std::vector<PathField>& paths, const std::string& field,
                    v1::TorchScriptEncoder& torchscript) {
  if (torchscript.module_case() == v1::TorchScriptEncoder::kPath) {
    AddIfSet(paths, field + ".torchscript.path", torchscript.mutable_path());
  }
}

}  // namespace

std::vector<PathField> LocalPaths(v1::JobSpec& spec) {
  std::vector<PathField> paths;
  const core::JobKindInfo* kind = core::FindJobKind(spec);
  if (kind == nullptr) return paths;
  AddSource(paths, absl::StrCat(kind->name, ".data"), *kind->mutable_data(spec));
  if (spec.has_pretrain() && spec.pretrain().encoder().has_torchscript()) {
    AddTorchScript(paths, "pretrain.encoder",
                   *spec.mutable_pretrain()->mutable_encoder()->mutable_torchscript());
  }
  for (auto [subject, at] : kind->mutable_subjects(spec)) {
    if (subject->has_checkpoint_path()) {
      AddIfSet(paths, at + ".checkpoint_path", subject->mutable_checkpoint_path());
    }
    if (subject->has_torchscript()) AddTorchScript(paths, at, *subject->mutable_torchscript());
  }
  return paths;
}

std::vector<IdField> CheckpointIds(const v1::JobSpec& spec) {
  std::vector<IdField> ids;
  if (spec.has_pretrain() && spec.pretrain().encoder().has_checkpoint_id()) {
    ids.push_back({"pretrain.encoder.checkpoint_id", spec.pretrain().encoder().checkpoint_id()});
  }
  v1::JobSpec copy = spec;  // mutable_subjects needs a mutable spec
  const core::JobKindInfo* kind = core::FindJobKind(copy);
  if (kind == nullptr) return ids;
  for (auto [subject, at] : kind->mutable_subjects(copy)) {
    if (subject->has_checkpoint_id()) {
      ids.push_back({at + ".checkpoint_id", subject->checkpoint_id()});
    }
  }
  return ids;
}

std::vector<IdField> JobIds(const v1::JobSpec& spec) {
  std::vector<IdField> ids;
  v1::JobSpec copy = spec;  // mutable_subjects needs a mutable spec
  const core::JobKindInfo* kind = core::FindJobKind(copy);
  if (kind == nullptr) return ids;
  for (auto [subject, at] : kind->mutable_subjects(copy)) {
    if (subject->has_job_id()) ids.push_back({at + ".job_id", subject->job_id()});
  }
  return ids;
}

std::vector<ModelField> ModelIds(v1::JobSpec& spec) {
  std::vector<ModelField> models;
  const core::JobKindInfo* kind = core::FindJobKind(spec);
  if (kind == nullptr) return models;
  if (spec.has_pretrain() && spec.pretrain().encoder().torchscript().has_model_id()) {
    models.push_back({"pretrain.encoder.torchscript",
                      spec.mutable_pretrain()->mutable_encoder()->mutable_torchscript()});
  }
  for (auto [subject, at] : kind->mutable_subjects(spec)) {
    if (subject->has_torchscript() && subject->torchscript().has_model_id()) {
      models.push_back({at + ".torchscript", subject->mutable_torchscript()});
    }
  }
  return models;
}

}  // namespace simclr::server
