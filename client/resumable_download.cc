#include "client/resumable_download.h"

#include <filesystem>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "core/common/sha256.h"
#include "proto/grpc_status_conversion.h"

namespace simclr::client {

absl::StatusOr<std::string> DownloadResumably(const std::string& what,
                                              const std::string& destination,
                                              const OpenDownload& open,
                                              const DownloadProgress& progress) {
  const std::string part = destination + ".part";
  std::error_code error;
  const int64_t resume_at =
      std::filesystem::exists(part, error)
          ? static_cast<int64_t>(std::filesystem::file_size(part, error))
          : 0;
  std::ofstream out(part, std::ios::binary | std::ios::app);
  if (!out) {
    return absl::FailedPreconditionError(absl::StrCat("cannot write ", part));
  }
  grpc::ClientContext context;  // no deadline: files can be large
  auto reader = open(&context, resume_at);
  v1::DownloadCheckpointResponse chunk;
  int64_t size = 0, received = resume_at;
  std::string sha256;
  while (reader->Read(&chunk)) {
    if (!chunk.sha256().empty()) {
      size = chunk.size_bytes();
      sha256 = chunk.sha256();
    }
    if (chunk.offset() != received) {
      context.TryCancel();
      reader->Finish();
      return absl::DataLossError(absl::StrCat("chunk at offset ", chunk.offset(),
                                              ", expected ", received));
    }
    out.write(chunk.data().data(), static_cast<std::streamsize>(chunk.data().size()));
    received += static_cast<int64_t>(chunk.data().size());
    if (progress) progress(received, size);
  }
  out.close();
  if (const grpc::Status status = reader->Finish(); !status.ok()) {
    // A .part with bytes stays: the next call continues from it. An empty
    // one (a refused request) would only be litter beside the destination.
    if (received == 0) std::filesystem::remove(part, error);
    return FromGrpcStatus(status);
  }
  auto actual = core::Sha256OfFile(part);
  if (!actual.ok()) return actual.status();
  if (*actual != sha256 || received != size) {
    std::filesystem::remove(part, error);
    return absl::DataLossError(absl::StrCat(
        what, ": SHA-256 ", *actual, " (", received,
        " bytes) does not match the server's ", sha256, " (", size, " bytes)"));
  }
  std::filesystem::rename(part, destination, error);
  if (error) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot rename ", part, " to ", destination, ": ", error.message()));
  }
  return sha256;
}

}  // namespace simclr::client
