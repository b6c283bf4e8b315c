#include "core/eval/finished_runs.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "core/common/atomic_file.h"
#include "core/common/layout.h"
#include "core/common/sha256.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "google/protobuf/util/json_util.h"

namespace simclr::core {
namespace {

namespace fs = std::filesystem;

std::string Header(const std::string& fingerprint) {
  return absl::StrCat("{\"spec_sha256\":\"", fingerprint, "\"}");
}

}  // namespace

absl::StatusOr<FinishedRuns> FinishedRuns::Open(const std::string& job_dir,
                                                const std::string& fingerprint,
                                                bool resume) {
  FinishedRuns finished;
  finished.path_ = (fs::path(job_dir) / layout::kFinishedRuns).string();
  std::string kept = Header(fingerprint) + "\n";
  std::ifstream in(finished.path_, std::ios::binary);
  if (resume && in) {
    std::stringstream text;
    text << in.rdbuf();
    std::vector<std::string> lines = absl::StrSplit(text.str(), '\n');
    // The piece after the last newline is empty, or a line torn by a kill.
    lines.pop_back();
    if (!lines.empty() && lines[0] != Header(fingerprint)) {
      return absl::FailedPreconditionError(absl::StrCat(
          finished.path_,
          ": written by a job with a different spec (its line 1 is ",
          lines[0].substr(0, 100), ", this spec's is ", Header(fingerprint),
          "); resume with the spec that started the job, or use a new "
          "job_dir"));
    }
    for (size_t i = 1; i < lines.size(); ++i) {
      v1::EvalResult run;
      if (!google::protobuf::util::JsonStringToMessage(lines[i], &run).ok()) {
        return absl::DataLossError(absl::StrCat(
            finished.path_, " line ", i + 1,
            ": not an EvalResult; delete the file to rerun every run"));
      }
      finished.runs_.push_back(std::move(run));
      absl::StrAppend(&kept, lines[i], "\n");
    }
  }
  if (auto s = WriteFileAtomically(finished.path_, kept); !s.ok()) return s;
  return finished;
}

absl::Status FinishedRuns::Append(const v1::EvalResult& run) {
  std::string line;
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  if (!google::protobuf::util::MessageToJsonString(run, &line, options).ok()) {
    return absl::InternalError(absl::StrCat(path_, ": cannot print a run"));
  }
  std::ofstream out(path_, std::ios::binary | std::ios::app);
  if (!(out << line << '\n') || !out.flush()) {
    return absl::DataLossError(absl::StrCat(path_, ": cannot append"));
  }
  runs_.push_back(run);
  return absl::OkStatus();
}

absl::StatusOr<const v1::EvalResult*> FinishedRuns::Finished(size_t index,
                                                             const std::string& subject,
                                                             double fraction) const {
  if (index >= runs_.size()) return nullptr;
  const v1::EvalResult& done = runs_[index];
  if (done.subject() != subject || done.label_fraction() != fraction) {
    return absl::FailedPreconditionError(absl::StrCat(
        path_, " line ", index + 2, ": run of ", done.subject(), " at ",
        done.label_fraction(), ", but this spec's run ", index + 1, " is ", subject, " at ",
        fraction, "; delete the file to rerun every run"));
  }
  return &done;
}

std::string EvalFingerprint(const v1::JobSpec& spec) {
  v1::JobSpec kept;
  kept.set_seed(spec.seed());
  if (spec.has_finetune()) *kept.mutable_finetune() = spec.finetune();
  if (spec.has_linear_eval()) *kept.mutable_linear_eval() = spec.linear_eval();
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream stream(&bytes);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    kept.SerializeToCodedStream(&coded);
  }
  return Sha256OfBytes(bytes);
}

void AddRunToCell(const v1::EvalResult& run, v1::EvalResult& cell) {
  for (const double v : run.top1_runs()) cell.add_top1_runs(v);
  for (const double c : run.chosen_c()) cell.add_chosen_c(c);
  for (const int32_t e : run.epochs_run()) cell.add_epochs_run(e);
  for (const int64_t s : run.steps_run()) cell.add_steps_run(s);
  cell.set_train_examples(run.train_examples());
  auto* confusion = cell.mutable_confusion();
  if (confusion->counts_size() == 0) {
    *confusion = run.confusion();
    return;
  }
  for (int i = 0; i < confusion->counts_size() &&
                  i < run.confusion().counts_size();
       ++i) {
    confusion->set_counts(i, confusion->counts(i) + run.confusion().counts(i));
  }
}

}  // namespace simclr::core
