// The client side of the one download stream (checkpoint files, job
// artifacts): bytes go to destination + ".part" first, an existing .part
// is continued from its size, and the whole file's SHA-256 (from the first
// chunk) is checked before the rename into place.
#ifndef SIMCLR_CLIENT_RESUMABLE_DOWNLOAD_H_
#define SIMCLR_CLIENT_RESUMABLE_DOWNLOAD_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "grpcpp/client_context.h"
#include "grpcpp/support/sync_stream.h"
#include "simclr/v1/checkpoint.pb.h"

namespace simclr::client {

using DownloadStream = grpc::ClientReaderInterface<v1::DownloadCheckpointResponse>;
// Starts the RPC at `offset` on `context`.
using OpenDownload =
    std::function<std::unique_ptr<DownloadStream>(grpc::ClientContext* context, int64_t offset)>;
// (bytes so far, total bytes), after every chunk.
using DownloadProgress = std::function<void(int64_t, int64_t)>;

// `what` names the file in errors. DATA_LOSS (and the .part removed) on a
// checksum or size mismatch; a refused request leaves no .part. Returns
// the SHA-256.
absl::StatusOr<std::string> DownloadResumably(const std::string& what,
                                              const std::string& destination,
                                              const OpenDownload& open,
                                              const DownloadProgress& progress);

}  // namespace simclr::client

#endif  // SIMCLR_CLIENT_RESUMABLE_DOWNLOAD_H_
