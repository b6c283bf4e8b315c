// Every message of the simclr.v1 API survives protobuf's JSON mapping, the
// form job files and the CLI use: each field set to a non-default value,
// each oneof member in turn, printed to JSON, parsed back, compared.
#include <set>
#include <string>

#include "google/protobuf/descriptor.h"
#include "google/protobuf/dynamic_message.h"
#include "google/protobuf/message.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "simclr/v1/checkpoint.pb.h"
#include "simclr/v1/dataset.pb.h"
#include "simclr/v1/embedding.pb.h"
#include "simclr/v1/job.pb.h"
#include "simclr/v1/job_spec.pb.h"

namespace simclr {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

// Sets every field of `message` (recursing up to `depth`) to a value that
// differs from its default. In each oneof, member number `variant` modulo
// the oneof's size is set. Values are exact in float and in JSON.
void Fill(Message* message, int variant, int depth) {
  const Descriptor* descriptor = message->GetDescriptor();
  const Reflection* reflection = message->GetReflection();
  // Timestamp and Duration have a JSON form of their own with a valid
  // range (e.g. "2023-11-14T22:13:20.500Z", "90.500s").
  if (descriptor->full_name() == "google.protobuf.Timestamp" ||
      descriptor->full_name() == "google.protobuf.Duration") {
    reflection->SetInt64(message, descriptor->FindFieldByName("seconds"),
                         1700000000 + variant);
    reflection->SetInt32(message, descriptor->FindFieldByName("nanos"),
                         500000000);
    return;
  }
  for (int i = 0; i < descriptor->field_count(); ++i) {
    const FieldDescriptor* field = descriptor->field(i);
    const auto* oneof = field->real_containing_oneof();
    if (oneof != nullptr &&
        oneof->field(variant % oneof->field_count()) != field) {
      continue;
    }
    const int n = field->number();
    if (field->is_map()) {
      Message* entry = reflection->AddMessage(message, field);
      Fill(entry, variant, depth);
      continue;
    }
    switch (field->cpp_type()) {
      case FieldDescriptor::CPPTYPE_MESSAGE:
        if (depth > 0) {
          Message* child = field->is_repeated()
                               ? reflection->AddMessage(message, field)
                               : reflection->MutableMessage(message, field);
          Fill(child, variant, depth - 1);
        }
        break;
      case FieldDescriptor::CPPTYPE_ENUM: {
        const auto* value =
            field->enum_type()->value(field->enum_type()->value_count() - 1);
        field->is_repeated() ? reflection->AddEnum(message, field, value)
                             : reflection->SetEnum(message, field, value);
        break;
      }
#define SIMCLR_FILL_CASE(CPPTYPE, Type, value)                           \
  case FieldDescriptor::CPPTYPE:                                         \
    field->is_repeated() ? reflection->Add##Type(message, field, value)  \
                         : reflection->Set##Type(message, field, value); \
    break;
        SIMCLR_FILL_CASE(CPPTYPE_INT32, Int32, -n)
        SIMCLR_FILL_CASE(CPPTYPE_INT64, Int64, (int64_t{1} << 40) + n)
        SIMCLR_FILL_CASE(CPPTYPE_UINT32, UInt32, 7u + n)
        SIMCLR_FILL_CASE(CPPTYPE_UINT64, UInt64, (uint64_t{1} << 50) + n)
        SIMCLR_FILL_CASE(CPPTYPE_FLOAT, Float, n + 0.25f)
        SIMCLR_FILL_CASE(CPPTYPE_DOUBLE, Double, n + 0.125)
        SIMCLR_FILL_CASE(CPPTYPE_BOOL, Bool, true)
        SIMCLR_FILL_CASE(CPPTYPE_STRING, String,
                         field->type() == FieldDescriptor::TYPE_BYTES
                             ? std::string("\x00\xff\x10", 3)
                             : "value-" + std::to_string(n))
#undef SIMCLR_FILL_CASE
    }
  }
}

int MaxOneofSize(const Descriptor* descriptor) {
  int size = 1;
  for (int i = 0; i < descriptor->real_oneof_decl_count(); ++i) {
    size = std::max(size, descriptor->oneof_decl(i)->field_count());
  }
  return size;
}

std::vector<const Descriptor*> ApiMessages() {
  // Touch one message per file so each file's descriptors are linked in.
  const std::set<std::string> files = {
      v1::JobSpec::descriptor()->file()->name(),
      v1::Job::descriptor()->file()->name(),
      v1::Dataset::descriptor()->file()->name(),
      v1::Checkpoint::descriptor()->file()->name(),
      v1::EmbedRequest::descriptor()->file()->name()};
  std::set<const google::protobuf::FileDescriptor*> seen;
  std::vector<const Descriptor*> messages;
  std::vector<const google::protobuf::FileDescriptor*> pending;
  for (const auto& name : files) {
    pending.push_back(
        google::protobuf::DescriptorPool::generated_pool()->FindFileByName(
            name));
  }
  while (!pending.empty()) {
    const auto* file = pending.back();
    pending.pop_back();
    if (file == nullptr || !seen.insert(file).second) continue;
    if (file->package() != "simclr.v1") continue;
    for (int i = 0; i < file->dependency_count(); ++i) {
      pending.push_back(file->dependency(i));
    }
    for (int i = 0; i < file->message_type_count(); ++i) {
      messages.push_back(file->message_type(i));
    }
  }
  return messages;
}

TEST(JsonRoundTripTest, CoversEveryApiFile) {
  std::set<std::string> files;
  for (const auto* descriptor : ApiMessages()) {
    files.insert(descriptor->file()->name());
  }
  EXPECT_EQ(files.size(), 9u) << "a simclr/v1 file is not linked or not "
                                 "reachable from the services";
}

TEST(JsonRoundTripTest, EveryMessageAndOneofMemberSurvivesJson) {
  google::protobuf::DynamicMessageFactory factory;
  int checked = 0;
  for (const Descriptor* descriptor : ApiMessages()) {
    for (int variant = 0; variant < MaxOneofSize(descriptor); ++variant) {
      std::unique_ptr<Message> original(
          factory.GetPrototype(descriptor)->New());
      Fill(original.get(), variant, /*depth=*/4);

      std::string json;
      ASSERT_TRUE(
          google::protobuf::util::MessageToJsonString(*original, &json).ok())
          << descriptor->full_name();
      std::unique_ptr<Message> parsed(factory.GetPrototype(descriptor)->New());
      ASSERT_TRUE(
          google::protobuf::util::JsonStringToMessage(json, parsed.get()).ok())
          << descriptor->full_name() << ": " << json;

      std::string difference;
      google::protobuf::util::MessageDifferencer differencer;
      differencer.ReportDifferencesToString(&difference);
      EXPECT_TRUE(differencer.Compare(*original, *parsed))
          << descriptor->full_name() << " variant " << variant << ": "
          << difference << "\nJSON: " << json;
      ++checked;
    }
  }
  EXPECT_GT(checked, 60);
}

TEST(JsonRoundTripTest, PresenceOfOptionalFieldsSurvives) {
  // `optional` scalars distinguish "unset = default" from an explicit 0.
  v1::PretrainConfig config;
  config.mutable_augmentation()->mutable_flip()->set_probability(0.0f);
  std::string json;
  ASSERT_TRUE(google::protobuf::util::MessageToJsonString(config, &json).ok());
  v1::PretrainConfig parsed;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(json, &parsed).ok());
  EXPECT_TRUE(parsed.augmentation().flip().has_probability()) << json;
  EXPECT_FALSE(parsed.augmentation().flip().has_enabled()) << json;
  EXPECT_FALSE(parsed.has_temperature());
}

}  // namespace
}  // namespace simclr
