#include "client/models_command.h"

#include "absl/strings/str_format.h"
#include "client/model_client.h"

namespace simclr::client {
namespace {

void PrintModel(const v1::Model& m, bool json) {
  if (json) {
    std::cout << Json(m) << "\n";
    return;
  }
  std::cout << absl::StrFormat("%-20s %-12s %8.1f MB  input %dx%dx%d  features %d  %s\n", m.id(),
                               m.owner(), static_cast<double>(m.size_bytes()) / 1e6,
                               m.input_channels(), m.input_size(), m.input_size(),
                               m.feature_dim(), m.display_name());
}

int Upload(const CliContext& context, const ModelsCommand& c, ModelClient& client) {
  absl::StatusOr<v1::Model> model;
  {
    ProgressLine progress;
    model = client.Upload(c.name, c.file, c.channels, c.size,
                          [&](int64_t done, int64_t total) { progress(done, total); });
  }
  if (!model.ok()) return Fail("models upload", model.status());
  PrintModel(*model, context.json);
  return kExitOk;
}

}  // namespace

void AddModelsCommand(CLI::App& app, ModelsCommand* c) {
  c->group = app.add_subcommand("models", "Upload, list and delete TorchScript base models");
  c->group->require_subcommand(1);
  c->upload = c->group->add_subcommand(
      "upload", "Upload a TorchScript encoder (torch.jit.save); the server validates it");
  c->upload->add_option("file", c->file, "The .pt file")->required()->check(CLI::ExistingFile);
  c->upload->add_option("--name", c->name, "Display name");
  c->upload->add_option("--channels", c->channels, "Input channels (with --size); 0: probe")
      ->check(CLI::IsMember({0, 1, 3}));
  c->upload->add_option("--size", c->size, "Input side (with --channels); 0: probe")
      ->check(CLI::Range(0, 1024));
  c->list = c->group->add_subcommand("list", "Models, newest first");
  c->get = c->group->add_subcommand("get", "One model");
  c->rm = c->group->add_subcommand("rm", "Delete a model no live job uses");
  for (CLI::App* command : {c->get, c->rm}) {
    command->add_option("model_id", c->model_id, "Model id")->required();
  }
}

int RunModelsCommand(const CliContext& context, const ModelsCommand& c) {
  ModelClient client(CreateChannel(context.channel), context.timeout());
  if (c.upload->parsed()) return Upload(context, c, client);
  if (c.list->parsed()) {
    auto all = client.List();
    if (!all.ok()) return Fail("models list", all.status());
    for (const auto& model : *all) PrintModel(model, context.json);
    return kExitOk;
  }
  if (c.get->parsed()) {
    auto model = client.Get(c.model_id);
    if (!model.ok()) return Fail("models get", model.status());
    PrintModel(*model, context.json);
    return kExitOk;
  }
  if (c.rm->parsed()) {
    if (auto status = client.Delete(c.model_id); !status.ok()) return Fail("models rm", status);
    if (!context.json) std::cout << c.model_id << " deleted\n";
    return kExitOk;
  }
  return kExitUsage;
}

}  // namespace simclr::client
