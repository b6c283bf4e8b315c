#include "server/services/file_download.h"

#include <fcntl.h>
#include <unistd.h>

#include "absl/strings/str_cat.h"

namespace simclr::server {
namespace {

constexpr int kDefaultChunk = 1 << 20;
constexpr int kMaxChunk = 4 << 20;

// Closes a file descriptor when it goes out of scope.
struct FileCloser {
  int fd;
  ~FileCloser() {
    if (fd >= 0) close(fd);
  }
};

}  // namespace

grpc::Status CheckChunkSize(int32_t chunk_size) {
  if (chunk_size >= 0 && chunk_size <= kMaxChunk) return grpc::Status::OK;
  return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                      absl::StrCat("chunk_size: ", chunk_size, " is outside [0, ", kMaxChunk,
                                   "]"));
}

grpc::Status StreamFile(grpc::ServerContext* context,
                        grpc::ServerWriter<v1::DownloadCheckpointResponse>* writer,
                        const CheckpointFileRef& file, const std::string& name, int64_t offset,
                        int32_t chunk_size) {
  if (offset < 0 || offset > file.size_bytes) {
    return grpc::Status(grpc::StatusCode::OUT_OF_RANGE,
                        absl::StrCat("offset: ", offset, " is outside [0, ", file.size_bytes,
                                     "] for ", name));
  }
  const FileCloser fd{open(file.path.c_str(), O_RDONLY | O_CLOEXEC)};
  if (fd.fd < 0) {
    return grpc::Status(grpc::StatusCode::NOT_FOUND, absl::StrCat(name, " is gone"));
  }
  std::string buffer(static_cast<size_t>(chunk_size == 0 ? kDefaultChunk : chunk_size), '\0');
  bool first = true;
  while (first || offset < file.size_bytes) {
    if (context->IsCancelled()) {
      return grpc::Status(grpc::StatusCode::CANCELLED, "download cancelled");
    }
    const ssize_t got =
        offset < file.size_bytes ? pread(fd.fd, buffer.data(), buffer.size(), offset) : 0;
    if (got < 0 || (got == 0 && offset < file.size_bytes)) {
      return grpc::Status(grpc::StatusCode::DATA_LOSS,
                          absl::StrCat("cannot read ", name, " at ", offset));
    }
    v1::DownloadCheckpointResponse response;
    response.set_offset(offset);
    response.set_data(buffer.data(), static_cast<size_t>(got));
    if (first) {
      response.set_size_bytes(file.size_bytes);
      response.set_sha256(file.sha256);
      first = false;
    }
    if (!writer->Write(response)) {
      return grpc::Status(grpc::StatusCode::CANCELLED, "client went away");
    }
    offset += got;
  }
  return grpc::Status::OK;
}

}  // namespace simclr::server
