// The validator held to the protos: for every scalar, enum, string, bytes,
// repeated and map field reachable from JobSpec whose .proto comment
// documents a bound, a spec with one value outside it is submitted to the
// real simclrd (validate_only, so nothing runs) and must be refused with
// INVALID_ARGUMENT naming that field; so must an unknown value of every
// enum. A field with a documented bound and no check fails here. The
// comments come from a descriptor set built with source info
// (proto/CMakeLists.txt), read in the grammar data.proto's header sets out.
#include <cmath>
#include <fstream>
#include <functional>
#include <limits>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "client/channel.h"
#include "client/job_client.h"
#include "core/common/field_error.h"
#include "core/common/job_spec_json.h"
#include "core/spec/job_kinds.h"
#include "gmock/gmock.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/descriptor.pb.h"
#include "gtest/gtest.h"
#include "tests/e2e/simclrd_process.h"
#include "tests/testing/proto_bounds.h"
#include "tests/testing/status_matchers.h"

namespace simclr {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;
using ::simclr::testing::Bounds;
using ::simclr::testing::IsOk;

constexpr char kImages[] =
    "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz";
constexpr char kLabels[] =
    "/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz";

std::string Data() {
  return absl::StrCat(R"({"train": {"local": {"format": "DATASET_FORMAT_IDX", "path": ")",
                      kImages, R"(", "labels_path": ")", kLabels,
                      R"("}}, "test": {"local": {"format": "DATASET_FORMAT_IDX", "path": ")",
                      kImages, R"(", "labels_path": ")", kLabels, R"("}}})");
}

constexpr char kRandomInit[] =
    R"({"random_init": {"arch": "ARCHITECTURE_SMALL_CNN"}})";
constexpr char kInput[] = R"({"size": 28, "channels": 1})";

// One valid spec per kind; every message a probe reaches through a oneof or
// a repeated field is present, so the probe's value is the only fault.
std::vector<std::string> Baselines() {
  return {
      absl::StrCat(R"({"pretrain": {"data": )", Data(), R"(,
        "encoder": {"builtin": {"arch": "ARCHITECTURE_SMALL_CNN"}},
        "input": )", kInput, R"(,
        "unfreeze_rounds": [{"unfrozen_layers": -1, "epochs": 2}],
        "schedule": {"warmup_cosine": {"warmup_epochs": 1}}}})"),
      absl::StrCat(R"({"linear_eval": {"data": )", Data(), R"(,
        "subjects": [)", kRandomInit, R"(, {"raw_pixels": {}}],
        "input": )", kInput, R"(}})"),
      absl::StrCat(R"({"finetune": {"data": )", Data(), R"(,
        "subjects": [)", kRandomInit, R"(], "input": )", kInput, R"(,
        "unfreeze_rounds": [{"unfrozen_layers": -1, "epochs": 2}],
        "schedule": {"warmup_cosine": {"warmup_epochs": 1}}}})"),
      absl::StrCat(R"({"tsne": {"data": )", Data(), R"(,
        "subject": )", kRandomInit, R"(, "input": )", kInput, R"(}})"),
      absl::StrCat(R"({"embed": {"data": )", Data(), R"(,
        "subject": )", kRandomInit, R"(, "input": )", kInput, R"(}})"),
      absl::StrCat(R"({"report": {"data": )", Data(), R"(,
        "pretrain": {"data": )", Data(), R"(,
          "encoder": {"builtin": {"arch": "ARCHITECTURE_SMALL_CNN"}},
          "input": )", kInput, R"(,
          "unfreeze_rounds": [{"unfrozen_layers": -1, "epochs": 2}],
          "schedule": {"warmup_cosine": {"warmup_epochs": 1}}},
        "before": )", kRandomInit, R"(, "input": )", kInput, R"(,
        "finetune": {"unfreeze_rounds": [{"unfrozen_layers": -1, "epochs": 2}],
          "schedule": {"warmup_cosine": {"warmup_epochs": 1}}}}})"),
  };
}

// The comments of every field, by full name, from the descriptor set.
class Comments {
 public:
  explicit Comments(const std::string& path) {
    google::protobuf::FileDescriptorSet set;
    std::ifstream in(path, std::ios::binary);
    EXPECT_TRUE(set.ParseFromIstream(&in)) << path;
    for (const auto& file : set.file()) EXPECT_NE(pool_.BuildFile(file), nullptr);
  }
  std::string Of(const FieldDescriptor* field) const {
    const FieldDescriptor* documented = pool_.FindFieldByName(field->full_name());
    google::protobuf::SourceLocation location;
    if (documented == nullptr || !documented->GetSourceLocation(&location)) return "";
    std::string text = location.leading_comments + " " + location.trailing_comments;
    std::replace(text.begin(), text.end(), '\n', ' ');
    return text;
  }

 private:
  google::protobuf::DescriptorPool pool_;
};

// A bad value at one field of one baseline, and the name the error must
// carry.
struct Probe {
  int baseline = 0;
  std::vector<const FieldDescriptor*> path;
  std::string field;  // "pretrain.optimizer.learning_rate"
  std::string what;   // "1e+06", "NaN", "33 values"
  std::function<void(Message*, const FieldDescriptor*)> set;
};

Message* Descend(Message* message, const FieldDescriptor* field) {
  const Reflection* r = message->GetReflection();
  if (!field->is_repeated()) return r->MutableMessage(message, field);
  if (r->FieldSize(*message, field) == 0) r->AddMessage(message, field);
  return r->MutableRepeatedMessage(message, field, 0);
}

void SetNumber(Message* m, const FieldDescriptor* f, double v) {
  const Reflection* r = m->GetReflection();
  switch (f->cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32: r->SetInt32(m, f, static_cast<int32_t>(v)); break;
    case FieldDescriptor::CPPTYPE_INT64: r->SetInt64(m, f, static_cast<int64_t>(v)); break;
    case FieldDescriptor::CPPTYPE_UINT32: r->SetUInt32(m, f, static_cast<uint32_t>(v)); break;
    case FieldDescriptor::CPPTYPE_UINT64: r->SetUInt64(m, f, static_cast<uint64_t>(v)); break;
    case FieldDescriptor::CPPTYPE_FLOAT: r->SetFloat(m, f, static_cast<float>(v)); break;
    case FieldDescriptor::CPPTYPE_DOUBLE: r->SetDouble(m, f, v); break;
    default: ADD_FAILURE() << f->full_name() << " is not numeric";
  }
}

void SetNumbers(Message* m, const FieldDescriptor* f, const std::vector<double>& values) {
  const Reflection* r = m->GetReflection();
  r->ClearField(m, f);
  for (const double v : values) {
    switch (f->cpp_type()) {
      case FieldDescriptor::CPPTYPE_INT32: r->AddInt32(m, f, static_cast<int32_t>(v)); break;
      case FieldDescriptor::CPPTYPE_INT64: r->AddInt64(m, f, static_cast<int64_t>(v)); break;
      case FieldDescriptor::CPPTYPE_UINT64: r->AddUInt64(m, f, static_cast<uint64_t>(v)); break;
      case FieldDescriptor::CPPTYPE_FLOAT: r->AddFloat(m, f, static_cast<float>(v)); break;
      case FieldDescriptor::CPPTYPE_DOUBLE: r->AddDouble(m, f, v); break;
      default: ADD_FAILURE() << f->full_name() << " is not a repeated number";
    }
  }
}

bool IsFloating(const FieldDescriptor* f) {
  return f->cpp_type() == FieldDescriptor::CPPTYPE_FLOAT ||
         f->cpp_type() == FieldDescriptor::CPPTYPE_DOUBLE;
}

// Values just outside a range: the open end itself, or one past a closed
// end; NaN for floating-point fields.
std::vector<double> Outside(const testing::NumericRange& range, bool floating) {
  std::vector<double> values;
  if (range.lo.value) values.push_back(range.lo.open ? *range.lo.value : *range.lo.value - 1);
  if (range.hi.value) values.push_back(range.hi.open ? *range.hi.value : *range.hi.value + 1);
  if (floating && !values.empty()) values.push_back(std::nan(""));
  return values;
}

// A value inside a range, for count probes.
double Inside(const std::optional<testing::NumericRange>& range) {
  if (!range) return 1;
  if (range->lo.value && !range->lo.open) return *range->lo.value;
  if (range->hi.value && !range->hi.open) return *range->hi.value;
  if (range->lo.value) return *range->lo.value + 1;
  return 1;
}

class ProbeBuilder {
 public:
  explicit ProbeBuilder(const Comments& comments) : comments_(comments) {}

  std::vector<Probe> Build() {
    const Descriptor* spec = v1::JobSpec::descriptor();
    for (int i = 0; i < spec->field_count(); ++i) {
      const FieldDescriptor* f = spec->field(i);
      const int baseline = f->containing_oneof() == nullptr ? 0 : f->index_in_oneof();
      Walk(baseline, {}, "", f);
    }
    return std::move(probes_);
  }

 private:
  void Walk(int baseline, std::vector<const FieldDescriptor*> path,
            const std::string& prefix, const FieldDescriptor* f) {
    path.push_back(f);
    const std::string name = prefix + f->name();
    // What a report fills in for its steps is refused whole when given.
    static const std::set<std::string> kSetByTheReport = {
        "report.finetune.data", "report.finetune.subjects", "report.finetune.input",
        "report.tsne.data", "report.tsne.subject", "report.tsne.input"};
    if (kSetByTheReport.count(name) > 0) {
      Add(baseline, path, name, "set", [](Message* m, const FieldDescriptor* f) {
        if (f->is_repeated()) {
          m->GetReflection()->AddMessage(m, f);
        } else {
          m->GetReflection()->MutableMessage(m, f);
        }
      });
      return;
    }
    if (f->is_map()) {
      MapProbes(baseline, path, name, f);
    } else if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
      if (f->is_repeated()) MessageCountProbes(baseline, path, name, f);
      const Descriptor* d = f->message_type();
      const std::string next = name + (f->is_repeated() ? "[0]." : ".");
      for (int i = 0; i < d->field_count(); ++i) Walk(baseline, path, next, d->field(i));
    } else {
      ScalarProbes(baseline, path, name, f);
    }
  }

  void Add(int baseline, const std::vector<const FieldDescriptor*>& path,
           const std::string& field, const std::string& what,
           std::function<void(Message*, const FieldDescriptor*)> set) {
    probes_.push_back({baseline, path, field, what, std::move(set)});
  }

  void ScalarProbes(int baseline, const std::vector<const FieldDescriptor*>& path,
                    const std::string& name, const FieldDescriptor* f) {
    const Bounds b = testing::ParseBounds(comments_.Of(f));
    if (f->cpp_type() == FieldDescriptor::CPPTYPE_ENUM) {
      Add(baseline, path, name, "unknown enum value 99", [](Message* m, const FieldDescriptor* f) {
        m->GetReflection()->SetEnumValue(m, f, 99);
      });
      return;
    }
    if (f->cpp_type() == FieldDescriptor::CPPTYPE_STRING) {
      StringProbes(baseline, path, name, f, b);
      return;
    }
    if (f->cpp_type() == FieldDescriptor::CPPTYPE_BOOL) return;
    std::vector<double> bad;
    if (f->is_repeated()) {
      if (b.each) bad = Outside(*b.each, IsFloating(f));
      for (const double v : bad) {
        Add(baseline, path, name, absl::StrCat("one value ", v),
            [v](Message* m, const FieldDescriptor* f) { SetNumbers(m, f, {v}); });
      }
      const double ok = Inside(b.each);
      if (b.max_values) {
        const int n = *b.max_values + 1;
        Add(baseline, path, name, absl::StrCat(n, " values"),
            [n, ok](Message* m, const FieldDescriptor* f) {
              SetNumbers(m, f, std::vector<double>(n, ok));
            });
      }
      return;
    }
    if (b.range) bad = Outside(*b.range, IsFloating(f));
    if (b.at_least) bad = Outside({*b.at_least, {}}, IsFloating(f));
    if (!b.one_of.empty()) {
      bad.push_back(*std::max_element(b.one_of.begin(), b.one_of.end()) + 1);
    }
    for (const double v : bad) {
      Add(baseline, path, name, absl::StrCat(v),
          [v](Message* m, const FieldDescriptor* f) { SetNumber(m, f, v); });
    }
  }

  void StringProbes(int baseline, const std::vector<const FieldDescriptor*>& path,
                    const std::string& name, const FieldDescriptor* f, const Bounds& b) {
    const bool bytes = f->type() == FieldDescriptor::TYPE_BYTES;
    std::optional<size_t> too_long;
    if (b.max_chars) too_long = *b.max_chars + 1;
    if (b.each_max_chars) too_long = *b.each_max_chars + 1;
    if (bytes && b.max_mib) too_long = (size_t{1} << 20) * *b.max_mib + 1;
    if (too_long) {
      const size_t n = *too_long;
      Add(baseline, path, name, absl::StrCat(n, bytes ? " bytes" : " chars"),
          [n](Message* m, const FieldDescriptor* f) {
            const std::string text(n, 'a');
            if (f->is_repeated()) {
              m->GetReflection()->ClearField(m, f);
              m->GetReflection()->AddString(m, f, text);
            } else {
              m->GetReflection()->SetString(m, f, text);
            }
          });
    }
    if (f->is_repeated() && b.max_values) {
      const int n = *b.max_values + 1;
      Add(baseline, path, name, absl::StrCat(n, " values"),
          [n](Message* m, const FieldDescriptor* f) {
            m->GetReflection()->ClearField(m, f);
            for (int i = 0; i < n; ++i) m->GetReflection()->AddString(m, f, "a");
          });
    }
  }

  void MessageCountProbes(int baseline, const std::vector<const FieldDescriptor*>& path,
                          const std::string& name, const FieldDescriptor* f) {
    const Bounds b = testing::ParseBounds(comments_.Of(f));
    std::vector<const FieldDescriptor*> holder(path.begin(), path.end() - 1);
    auto resize = [](int n) {
      return [n](Message* m, const FieldDescriptor* f) {
        const Reflection* r = m->GetReflection();
        if (r->FieldSize(*m, f) == 0) r->AddMessage(m, f);
        while (r->FieldSize(*m, f) > n) r->RemoveLast(m, f);
        while (r->FieldSize(*m, f) < n) {
          r->AddMessage(m, f)->CopyFrom(r->GetRepeatedMessage(*m, f, 0));
        }
      };
    };
    if (b.max_values) {
      Add(baseline, path, name, absl::StrCat(*b.max_values + 1, " values"),
          resize(*b.max_values + 1));
    }
    if (b.min_values && *b.min_values > 0) {
      Add(baseline, path, name, absl::StrCat(*b.min_values - 1, " values"),
          resize(*b.min_values - 1));
    }
  }

  void MapProbes(int baseline, const std::vector<const FieldDescriptor*>& path,
                 const std::string& name, const FieldDescriptor* f) {
    const Bounds b = testing::ParseBounds(comments_.Of(f));
    auto fill = [](int entries, size_t value_chars) {
      return [entries, value_chars](Message* m, const FieldDescriptor* f) {
        for (int i = 0; i < entries; ++i) {
          Message* entry = m->GetReflection()->AddMessage(m, f);
          const Descriptor* d = entry->GetDescriptor();
          entry->GetReflection()->SetString(entry, d->field(0), absl::StrCat("k", i));
          entry->GetReflection()->SetString(entry, d->field(1), std::string(value_chars, 'v'));
        }
      };
    };
    if (b.max_entries) {
      Add(baseline, path, name, absl::StrCat(*b.max_entries + 1, " entries"),
          fill(*b.max_entries + 1, 1));
    }
    if (b.max_chars) {
      Add(baseline, path, name, absl::StrCat("a value of ", *b.max_chars + 1, " chars"),
          fill(1, *b.max_chars + 1));
    }
  }

  const Comments& comments_;
  std::vector<Probe> probes_;
};

v1::JobSpec Apply(const v1::JobSpec& baseline, const Probe& probe) {
  v1::JobSpec spec = baseline;
  Message* message = &spec;
  for (size_t i = 0; i + 1 < probe.path.size(); ++i) {
    message = Descend(message, probe.path[i]);
  }
  probe.set(message, probe.path.back());
  return spec;
}

class JobSpecBoundsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    work_dir_ = testing::TestWorkDir();
    auto server = testing::SimclrdProcess::Start(work_dir_);
    ASSERT_THAT(server, IsOk());
    server_.emplace(std::move(server).value());
    jobs_.emplace(client::CreateChannel({server_->address()}), absl::Seconds(30));
  }
  void TearDown() override {
    if (!server_) return;
    jobs_.reset();
    testing::ExpectCleanStop(*server_);
    std::filesystem::remove_all(work_dir_);
  }

  std::string work_dir_;
  std::optional<testing::SimclrdProcess> server_;
  std::optional<client::JobClient> jobs_;
};

// What the message limit lets through goes to the server; a larger probe
// (a module_bytes past 64 MiB) is checked against the same validator here.
absl::Status Check(client::JobClient& jobs, const v1::JobSpec& spec) {
  if (spec.ByteSizeLong() > (7u << 20)) {
    return core::PrefixField("spec", core::ValidateJobSpec(spec));
  }
  return jobs.Submit(spec, "", /*validate_only=*/true).status();
}

TEST_F(JobSpecBoundsTest, EveryDocumentedBoundIsEnforcedAtSubmitNamingTheField) {
  std::vector<v1::JobSpec> baselines;
  for (const std::string& json : Baselines()) {
    auto spec = core::ParseJobSpecJson(json, "baseline");
    ASSERT_THAT(spec, IsOk());
    auto job = jobs_->Submit(*spec, "", /*validate_only=*/true);
    ASSERT_THAT(job, IsOk()) << json;
    EXPECT_EQ(job->id(), "");
    baselines.push_back(*spec);
  }
  ASSERT_EQ(baselines.size(), core::JobKinds().size());

  const Comments comments(SIMCLR_DESCRIPTOR_SET);
  const std::vector<Probe> probes = ProbeBuilder(comments).Build();
  std::set<std::string> fields;
  for (const Probe& probe : probes) {
    fields.insert(probe.field);
    const absl::Status status = Check(*jobs_, Apply(baselines[probe.baseline], probe));
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument)
        << probe.field << " = " << probe.what << ": " << status;
    EXPECT_THAT(std::string(status.message()),
                ::testing::HasSubstr("spec." + probe.field))
        << probe.field << " = " << probe.what;
  }
  std::cout << probes.size() << " probes over " << fields.size() << " fields\n";
  // The walk reaches every kind and the bounds the grammar names.
  for (const char* field :
       {"priority", "labels", "pretrain.temperature", "pretrain.input.channels",
        "pretrain.augmentation.crop.scale_max", "pretrain.optimizer.kind",
        "pretrain.unfreeze_rounds", "pretrain.data.max_examples",
        "linear_eval.protocol.label_fractions", "linear_eval.subjects",
        "linear_eval.classifier.c_grid", "finetune.optimizer.eps",
        "finetune.head.dropout", "tsne.perplexity", "tsne.method",
        "tsne.subject.random_init.width_multiplier",
        "pretrain.encoder.torchscript.module_bytes",
        "linear_eval.data.train.local.class_names"}) {
    EXPECT_EQ(fields.count(field), 1u) << field << " was not probed";
  }
  EXPECT_GE(probes.size(), 300u);
  auto listed = jobs_->List();
  ASSERT_THAT(listed, IsOk());
  EXPECT_TRUE(listed->empty()) << "validate_only stored a job";
}

}  // namespace
}  // namespace simclr
