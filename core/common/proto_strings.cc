#include "core/common/proto_strings.h"

#include <string>
#include <vector>

#include "core/common/utf8.h"

namespace simclr::core {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

bool NeedsFix(const std::string& text, size_t max_bytes) {
  return text.size() > max_bytes || !IsValidUtf8(text);
}

int FixStrings(Message& message, const FieldDescriptor* field, size_t max_bytes) {
  const Reflection* reflection = message.GetReflection();
  int fixed = 0;
  if (!field->is_repeated()) {
    const std::string text = reflection->GetString(message, field);
    if (NeedsFix(text, max_bytes)) {
      reflection->SetString(&message, field, SafeText(text, max_bytes));
      ++fixed;
    }
    return fixed;
  }
  for (int i = 0; i < reflection->FieldSize(message, field); ++i) {
    const std::string text = reflection->GetRepeatedString(message, field, i);
    if (NeedsFix(text, max_bytes)) {
      reflection->SetRepeatedString(&message, field, i, SafeText(text, max_bytes));
      ++fixed;
    }
  }
  return fixed;
}

}  // namespace

int SanitizeStrings(Message& message, size_t max_bytes) {
  const Reflection* reflection = message.GetReflection();
  std::vector<const FieldDescriptor*> fields;
  reflection->ListFields(message, &fields);
  int fixed = 0;
  for (const FieldDescriptor* field : fields) {
    if (field->type() == FieldDescriptor::TYPE_STRING) {
      fixed += FixStrings(message, field, max_bytes);
    } else if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
      if (!field->is_repeated()) {
        fixed += SanitizeStrings(*reflection->MutableMessage(&message, field), max_bytes);
        continue;
      }
      for (int i = 0; i < reflection->FieldSize(message, field); ++i) {
        fixed += SanitizeStrings(*reflection->MutableRepeatedMessage(&message, field, i),
                                 max_bytes);
      }
    }
  }
  return fixed;
}

bool StringsAreClean(const Message& message, size_t max_bytes) {
  const Reflection* reflection = message.GetReflection();
  std::vector<const FieldDescriptor*> fields;
  reflection->ListFields(message, &fields);
  for (const FieldDescriptor* field : fields) {
    const bool repeated = field->is_repeated();
    const int count = repeated ? reflection->FieldSize(message, field) : 1;
    for (int i = 0; i < count; ++i) {
      if (field->type() == FieldDescriptor::TYPE_STRING) {
        std::string scratch;
        const std::string& text =
            repeated ? reflection->GetRepeatedStringReference(message, field, i, &scratch)
                     : reflection->GetStringReference(message, field, &scratch);
        if (NeedsFix(text, max_bytes)) return false;
      } else if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
        const Message& child = repeated ? reflection->GetRepeatedMessage(message, field, i)
                                        : reflection->GetMessage(message, field);
        if (!StringsAreClean(child, max_bytes)) return false;
      }
    }
  }
  return true;
}

}  // namespace simclr::core
