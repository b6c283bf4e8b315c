#include "core/eval/eval_preparation.h"

#include "absl/strings/str_cat.h"
#include "core/common/status_macros.h"
#include "core/runtime/memory_format.h"
#include "core/runtime/torch_status.h"
#include "torch/torch.h"

namespace simclr::core {

absl::StatusOr<std::vector<LoadedSubject>> LoadSubjects(const EvalSubjects& subjects,
                                                        const InputShape& shape,
                                                        uint64_t seed, const JobRun& run,
                                                        const std::string& field,
                                                        bool to_device) {
  std::vector<LoadedSubject> loaded;
  for (int i = 0; i < subjects.size(); ++i) {
    SIMCLR_ASSIGN_OR_RETURN(LoadedSubject subject,
                            LoadSubject(subjects[i], shape, seed, run.spec_dir,
                                        absl::StrCat(field, "[", i, "]")));
    if (to_device && subject.encoder) {
      SIMCLR_RETURN_IF_ERROR(CallTorch("move to device", [&] {
        subject.encoder->module.to(run.device);
        ToMemoryFormat(subject.encoder->module, ConvMemoryFormat(run.device));
      }));
    }
    loaded.push_back(std::move(subject));
  }
  return loaded;
}

absl::StatusOr<PreparedEvaluation> PrepareEvaluation(
    const v1::DataConfig& data, double val_fraction, const v1::InputSpec& input,
    const EvalSubjects& subjects, uint64_t seed, const JobRun& run,
    const std::string& kind, bool subjects_to_device) {
  PreparedEvaluation prepared;
  SIMCLR_ASSIGN_OR_RETURN(prepared.data, LoadEvalData(data, val_fraction, run.spec_dir,
                                                      absl::StrCat(kind, ".data")));
  SIMCLR_ASSIGN_OR_RETURN(
      prepared.shape,
      ResolveEvalInput(input, subjects, prepared.data.train.height,
                       prepared.data.train.channels, run.spec_dir, kind));
  SIMCLR_ASSIGN_OR_RETURN(prepared.subjects,
                          LoadSubjects(subjects, prepared.shape, seed, run,
                                       absl::StrCat(kind, ".subjects"), subjects_to_device));
  prepared.truth.assign(prepared.data.test.labels.begin(), prepared.data.test.labels.end());
  return prepared;
}

v1::EvalReport NewEvalReport(const std::string& classifier,
                             const std::vector<LoadedSubject>& subjects,
                             const EvalProtocolSettings& protocol, const EvalData& data,
                             uint64_t seed) {
  v1::EvalReport report;
  report.set_classifier(classifier);
  for (const auto& s : subjects) report.add_subjects(s.name);
  for (const double f : protocol.label_fractions) report.add_label_fractions(f);
  report.set_repeats(protocol.repeats);
  report.set_train_examples(static_cast<int64_t>(data.pool.size()));
  report.set_test_examples(data.test.size());
  report.set_seed(seed);
  for (const double fraction : protocol.label_fractions) {
    for (const auto& s : subjects) {
      auto* cell = report.add_results();
      cell->set_classifier(classifier);
      cell->set_subject(s.name);
      cell->set_label_fraction(fraction);
    }
  }
  return report;
}

}  // namespace simclr::core
