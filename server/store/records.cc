#include "server/store/records.h"

#include <atomic>
#include <limits>
#include <memory>

#include "core/common/proto_strings.h"
#include "glog/logging.h"

namespace simclr::server {
namespace {

std::atomic<int64_t> unreadable[4];  // by StoreTable

}  // namespace

const char* TableName(StoreTable table) {
  switch (table) {
    case StoreTable::kDatasets:
      return "datasets";
    case StoreTable::kJobs:
      return "jobs";
    case StoreTable::kJobEvents:
      return "job_events";
    case StoreTable::kModels:
      return "models";
  }
  return "unknown";
}

std::string EncodeRecord(const google::protobuf::Message& record) {
  // Lengths are the validators' job; here only UTF-8 is enforced.
  constexpr size_t kAnyLength = std::numeric_limits<size_t>::max();
  if (core::StringsAreClean(record, kAnyLength)) return record.SerializeAsString();
  std::unique_ptr<google::protobuf::Message> copy(record.New());
  copy->CopyFrom(record);
  const int fixed = core::SanitizeStrings(*copy, kAnyLength);
  LOG(WARNING) << "store: " << fixed << " string(s) of a "
               << record.GetDescriptor()->full_name()
               << " were not valid UTF-8 and were escaped";
  return copy->SerializeAsString();
}

bool DecodeRecord(absl::string_view bytes, StoreTable table, absl::string_view what,
                  google::protobuf::Message* record) {
  if (record->ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) return true;
  ++unreadable[static_cast<int>(table)];
  LOG(WARNING) << "store: skipping " << TableName(table) << " row " << what
               << " (" << bytes.size() << " bytes): it does not parse as "
               << record->GetDescriptor()->full_name();
  record->Clear();
  return false;
}

int64_t UnreadableRecords(StoreTable table) {
  return unreadable[static_cast<int>(table)].load();
}

}  // namespace simclr::server
