#include "client/datasets_command.h"

#include <vector>

#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "client/dataset_client.h"

namespace simclr::client {
namespace {

void PrintDataset(const v1::Dataset& d, bool json) {
  if (json) {
    std::cout << Json(d) << "\n";
    return;
  }
  std::cout << absl::StrFormat("%-16s %7d images %dx%dx%d  %d classes  %.1f MB stored  %s\n",
                               d.id(), d.num_examples(), d.height(), d.width(),
                               d.channels(), d.num_classes(),
                               static_cast<double>(d.stored_size_bytes()) / 1e6,
                               d.display_name());
}

int Upload(const CliContext& context, const DatasetsCommand& c, DatasetClient& client) {
  if (c.archive.empty() && c.images.empty()) {
    std::cerr << "simclrctl datasets upload: give --images or --archive\n";
    return kExitUsage;
  }
  std::vector<std::string> names;
  if (!c.class_names.empty()) names = absl::StrSplit(c.class_names, ',');
  absl::StatusOr<v1::Dataset> dataset;
  const absl::Time start = absl::Now();
  {
    ProgressLine progress;
    auto report = [&](int64_t done, int64_t total) { progress(done, total); };
    dataset = c.archive.empty()
                  ? client.UploadIdx(c.name, c.images, c.labels, names, report)
                  : client.UploadArchive(c.name, c.archive, !c.unlabelled,
                                         c.max_corrupt_fraction, report);
  }
  if (!dataset.ok()) return Fail("datasets upload", dataset.status());
  PrintDataset(*dataset, context.json);
  if (!context.json) {
    std::cout << absl::StrFormat("uploaded %.1f MB in %.2f s\n",
                                 static_cast<double>(dataset->upload_size_bytes()) / 1e6,
                                 absl::ToDoubleSeconds(absl::Now() - start));
  }
  return kExitOk;
}

int Get(const CliContext& context, const DatasetsCommand& c, DatasetClient& client) {
  auto d = client.Get(c.dataset_id);
  if (!d.ok()) return Fail("datasets get", d.status());
  PrintDataset(*d, context.json);
  if (context.json) return kExitOk;
  for (const auto& count : d->class_counts()) {
    std::cout << absl::StrFormat("  %3d %-20s %d\n", count.label(), count.name(),
                                 count.count());
  }
  return kExitOk;
}

}  // namespace

void AddDatasetsCommand(CLI::App& app, DatasetsCommand* c) {
  c->group = app.add_subcommand("datasets", "Upload, list and delete datasets");
  c->group->require_subcommand(1);
  c->upload = c->group->add_subcommand(
      "upload",
      "Upload IDX files (--images [--labels], gzipped or not) or a tar/zip "
      "archive of class_name/image.png folders (--archive)");
  CLI::Option* images =
      c->upload->add_option("--images", c->images, "IDX images file")
          ->check(CLI::ExistingFile);
  CLI::Option* archive =
      c->upload->add_option("--archive", c->archive, "tar or zip archive of images")
          ->check(CLI::ExistingFile)
          ->excludes(images);
  c->upload
      ->add_flag("--unlabelled", c->unlabelled,
                 "The archive's images have no classes (anywhere in it)")
      ->needs(archive);
  c->upload
      ->add_option("--max_corrupt_fraction", c->max_corrupt_fraction,
                   "Share of undecodable images to drop instead of failing")
      ->check(CLI::Range(0.0, 0.5));
  c->upload->add_option("--labels", c->labels, "IDX labels file")->check(CLI::ExistingFile);
  c->upload->add_option("--name", c->name, "Display name");
  c->upload->add_option("--class_names", c->class_names,
                        "Comma-separated names of classes 0..K-1");
  c->list = c->group->add_subcommand("list", "Datasets, newest first");
  c->get = c->group->add_subcommand("get", "One dataset, with counts per class");
  c->rm = c->group->add_subcommand("rm", "Delete a dataset no job uses");
  for (CLI::App* command : {c->get, c->rm}) {
    command->add_option("dataset_id", c->dataset_id, "Dataset id")->required();
  }
}

int RunDatasetsCommand(const CliContext& context, const DatasetsCommand& c) {
  DatasetClient client(CreateChannel(context.channel), context.timeout());
  if (c.upload->parsed()) return Upload(context, c, client);
  if (c.get->parsed()) return Get(context, c, client);
  if (c.list->parsed()) {
    auto all = client.List();
    if (!all.ok()) return Fail("datasets list", all.status());
    for (const auto& d : *all) PrintDataset(d, context.json);
    return kExitOk;
  }
  if (c.rm->parsed()) {
    if (auto status = client.Delete(c.dataset_id); !status.ok()) {
      return Fail("datasets rm", status);
    }
    std::cout << "deleted " << c.dataset_id << "\n";
    return kExitOk;
  }
  return kExitUsage;
}

}  // namespace simclr::client
