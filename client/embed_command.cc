#include "client/embed_command.h"

#include <glob.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "client/cli_common.h"
#include "client/embedding_client.h"
#include "core/common/npy_writer.h"

namespace simclr::client {
namespace {

namespace fs = std::filesystem;

bool IsImagePath(const fs::path& path) {
  const std::string ext = absl::AsciiStrToLower(path.extension().string());
  return ext == ".png" || ext == ".jpg" || ext == ".jpeg";
}

absl::Status AddPath(const fs::path& path, std::vector<std::string>* files) {
  std::error_code error;
  if (fs::is_directory(path, error)) {
    std::vector<std::string> found;
    for (const auto& entry : fs::recursive_directory_iterator(path, error)) {
      if (entry.is_regular_file() && IsImagePath(entry.path())) {
        found.push_back(entry.path().string());
      }
    }
    std::sort(found.begin(), found.end());
    files->insert(files->end(), found.begin(), found.end());
    return absl::OkStatus();
  }
  if (!fs::is_regular_file(path, error)) {
    return absl::InvalidArgumentError(
        absl::StrCat(path.string(), ": no such file or folder"));
  }
  files->push_back(path.string());
  return absl::OkStatus();
}

// Files, folders and (unexpanded, e.g. quoted) glob patterns, in order.
absl::StatusOr<std::vector<std::string>> ExpandInputs(
    const std::vector<std::string>& inputs) {
  std::vector<std::string> files;
  for (const auto& input : inputs) {
    if (input.find_first_of("*?[") != std::string::npos && !fs::exists(input)) {
      glob_t matches{};
      const int code = glob(input.c_str(), 0, nullptr, &matches);
      if (code != 0) {
        globfree(&matches);
        return absl::InvalidArgumentError(
            absl::StrCat(input, ": matches nothing"));
      }
      for (size_t i = 0; i < matches.gl_pathc; ++i) {
        if (auto status = AddPath(matches.gl_pathv[i], &files); !status.ok()) {
          globfree(&matches);
          return status;
        }
      }
      globfree(&matches);
      continue;
    }
    if (auto status = AddPath(input, &files); !status.ok()) return status;
  }
  if (files.empty()) {
    return absl::InvalidArgumentError(
        "no .png, .jpg or .jpeg images in the inputs");
  }
  return files;
}

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream bytes;
  bytes << in.rdbuf();
  if (!in)
    return absl::InvalidArgumentError(absl::StrCat(path, ": cannot read"));
  return bytes.str();
}

absl::Status WriteCsv(std::ostream& out, const std::vector<std::string>& files,
                      const std::vector<float>& values, int dim) {
  out << "path";
  for (int d = 0; d < dim; ++d) out << ",f" << d;
  out << "\n";
  for (size_t i = 0; i < files.size(); ++i) {
    out << files[i];
    for (int d = 0; d < dim; ++d)
      out << "," << absl::StrFormat("%.9g", values[i * dim + d]);
    out << "\n";
  }
  return out ? absl::OkStatus() : absl::InternalError("cannot write the CSV");
}

}  // namespace

CLI::App* AddEmbedCommand(CLI::App& app, EmbedCommandArgs* args) {
  CLI::App* embed =
      app.add_subcommand("embed",
                         "Embed image files (PNG/JPEG; files, folders, globs) "
                         "with a trained encoder");
  embed
      ->add_option(
          "-m,--model", args->model,
          "A checkpoint id (ckpt-…) or a job id (its newest checkpoint)")
      ->required();
  embed->add_option("images", args->inputs, "Image files, folders or glob patterns");
  embed->add_option("--dataset", args->dataset_id,
                    "Instead of images: every image of this uploaded dataset, as an embed "
                    "job; -o gets the features, NAME.labels.npy and NAME.indices.npy beside");
  embed->add_option(
      "-o,--out", args->out,
      "vectors.npy (float32 N×D) or vectors.csv; default: CSV on stdout");
  embed->add_flag("--l2_normalize", args->l2_normalize,
                  "Scale each vector to unit length");
  embed->add_option("--batch", args->batch, "Images per request")
      ->check(CLI::Range(1, 1024))
      ->capture_default_str();
  return embed;
}

namespace {

// What the answers bring back, with a progress bar on a terminal.
class EmbedCollector {
 public:
  explicit EmbedCollector(int64_t total)
      : total_(total), tty_(isatty(STDERR_FILENO) != 0), start_(absl::Now()) {}
  // Ends the bar's line, before any other output.
  void EndBar() const {
    if (tty_) std::cerr << "\n";
  }
  void operator()(const v1::EmbedResponse& response) {
    dim_ = response.feature_dim();
    checkpoint_id_ = response.checkpoint_id();
    for (const auto& embedding : response.embeddings()) {
      values_.insert(values_.end(), embedding.values().begin(), embedding.values().end());
    }
    done_ += response.embeddings_size();
    const absl::Time now = absl::Now();
    if (!tty_ || (now - drawn_ <= absl::Milliseconds(100) && done_ != total_)) return;
    drawn_ = now;
    const double seconds = absl::ToDoubleSeconds(now - start_);
    const int width = 30;
    const int filled = static_cast<int>(width * done_ / std::max<int64_t>(total_, 1));
    std::cerr << absl::StrFormat("\r\033[K[%s%s] %d/%d images  %.0f img/s",
                                 std::string(filled, '#'), std::string(width - filled, '.'),
                                 done_, total_,
                                 seconds > 0 ? static_cast<double>(done_) / seconds : 0.0);
  }
  const std::vector<float>& values() const { return values_; }
  int dim() const { return dim_; }
  const std::string& checkpoint_id() const { return checkpoint_id_; }
  int64_t done() const { return done_; }
  double seconds() const { return absl::ToDoubleSeconds(absl::Now() - start_); }

 private:
  const int64_t total_;
  const bool tty_;
  const absl::Time start_;
  absl::Time drawn_ = absl::InfinitePast();
  std::vector<float> values_;
  int dim_ = 0;
  std::string checkpoint_id_;
  int64_t done_ = 0;
};

// The error, and the file it is about: answers come in order, so the
// failed request is the first unanswered one, and its images[k] is file
// done + k.
int ReportFailure(const absl::Status& status, const std::vector<std::string>& files,
                  int64_t done) {
  std::cerr << "simclrctl embed: " << status;
  int64_t k = 0;
  const absl::string_view message = status.message();
  if (absl::StartsWith(message, "images[") &&
      absl::SimpleAtoi(message.substr(7, message.find(']') - 7), &k) &&
      done + k < static_cast<int64_t>(files.size())) {
    std::cerr << " (" << files[done + k] << ")";
  }
  std::cerr << "\n";
  return kExitError;
}

int WriteVectors(const EmbedCommandArgs& args, const std::vector<std::string>& files,
                 const EmbedCollector& collected, bool json) {
  const auto total = static_cast<int64_t>(files.size());
  const double seconds = collected.seconds();
  absl::Status written;
  if (args.out.empty()) {
    written = WriteCsv(std::cout, files, collected.values(), collected.dim());
  } else if (absl::EndsWith(args.out, ".npy")) {
    written = core::WriteNpyFloat32(args.out, collected.values().data(), total,
                                    collected.dim());
  } else {
    std::ofstream out(args.out);
    written = WriteCsv(out, files, collected.values(), collected.dim());
  }
  if (!written.ok()) {
    std::cerr << "simclrctl embed: " << args.out << ": " << written << "\n";
    return kExitError;
  }
  if (json) {
    // On stdout unless the vectors themselves went there.
    (args.out.empty() ? std::cerr : std::cout) << absl::StrFormat(
        "{\"checkpoint_id\":\"%s\",\"images\":%d,\"feature_dim\":%d,\"seconds\":%.3f}\n",
        collected.checkpoint_id(), total, collected.dim(), seconds);
  } else {
    std::cerr << absl::StrFormat("%d images embedded by %s (%d dims) in %.2f s%s\n", total,
                                 collected.checkpoint_id(), collected.dim(), seconds,
                                 args.out.empty() ? "" : absl::StrCat(" → ", args.out));
  }
  return kExitOk;
}

}  // namespace

int RunEmbedCommand(const ChannelOptions& channel, const EmbedCommandArgs& args,
                    double timeout_seconds, bool json) {
  if (!args.out.empty() && !absl::EndsWith(args.out, ".npy") &&
      !absl::EndsWith(args.out, ".csv")) {
    std::cerr << "simclrctl embed: --out " << args.out << ": must end in .npy or .csv\n";
    return kExitUsage;
  }
  if (args.inputs.empty()) {
    std::cerr << "simclrctl embed: give images, or --dataset\n";
    return kExitUsage;
  }
  auto files = ExpandInputs(args.inputs);
  if (!files.ok()) {
    std::cerr << "simclrctl embed: " << files.status().message() << "\n";
    return kExitUsage;
  }
  const int64_t total = static_cast<int64_t>(files->size());
  const v1::ModelRef model = ParseModelRef(args.model);
  EmbeddingClient client(CreateChannel(channel), absl::Seconds(timeout_seconds));
  size_t next_file = 0;
  auto next = [&](v1::EmbedRequest* request) -> absl::StatusOr<bool> {
    if (next_file >= files->size()) return false;
    *request->mutable_model() = model;
    request->set_l2_normalize(args.l2_normalize);
    for (int i = 0; i < args.batch && next_file < files->size(); ++i, ++next_file) {
      auto bytes = ReadFile((*files)[next_file]);
      if (!bytes.ok()) return bytes.status();
      request->add_images()->set_encoded(*std::move(bytes));
    }
    return true;
  };
  const int64_t requests = (total + args.batch - 1) / args.batch;
  const absl::Time deadline =
      absl::Now() + absl::Seconds(timeout_seconds) * std::max<int64_t>(1, (requests + 63) / 64);
  EmbedCollector collected(total);
  const absl::Status status = client.EmbedStream(
      next, [&](const v1::EmbedResponse& r) { collected(r); }, deadline);
  collected.EndBar();
  if (!status.ok()) return ReportFailure(status, *files, collected.done());
  return WriteVectors(args, *files, collected, json);
}

}  // namespace simclr::client
