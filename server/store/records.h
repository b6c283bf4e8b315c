// How the stores turn messages into rows and back.
//
// Writing: every string is made valid UTF-8 first (core/common/
// proto_strings.h), so a stored record always parses again. Reading: a row
// that still does not parse (a database written by another version, a
// damaged disk) is skipped with a log line and counted in
// simclr_store_unreadable_records_total{table}, so one bad row never fails a
// List for everyone.
#ifndef SIMCLR_SERVER_STORE_RECORDS_H_
#define SIMCLR_SERVER_STORE_RECORDS_H_

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "google/protobuf/message.h"

namespace simclr::server {

enum class StoreTable { kDatasets, kJobs, kJobEvents, kModels };
const char* TableName(StoreTable table);

std::string EncodeRecord(const google::protobuf::Message& record);

// False (logged and counted) when `bytes` does not parse; `what` names the
// row in the log.
bool DecodeRecord(absl::string_view bytes, StoreTable table,
                  absl::string_view what, google::protobuf::Message* record);

// Rows skipped since the process started.
int64_t UnreadableRecords(StoreTable table);

}  // namespace simclr::server

#endif  // SIMCLR_SERVER_STORE_RECORDS_H_
