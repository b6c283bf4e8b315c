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

}  // namespace simclr::core
