// The one download stream (checkpoint files and job artifacts): chunks of
// a file from an offset, the whole file's size and SHA-256 on the first,
// read through one descriptor so that a file removed mid-download (by
// retention) stays readable to the end.
#ifndef SIMCLR_SERVER_SERVICES_FILE_DOWNLOAD_H_
#define SIMCLR_SERVER_SERVICES_FILE_DOWNLOAD_H_

#include <cstdint>
#include <string>

#include "grpcpp/server_context.h"
#include "grpcpp/support/sync_stream.h"
#include "server/checkpoints/checkpoint_catalog.h"
#include "simclr/v1/checkpoint.pb.h"

namespace simclr::server {

// INVALID_ARGUMENT naming chunk_size unless it is in [0, 4 MiB].
grpc::Status CheckChunkSize(int32_t chunk_size);

// Streams `file` from `offset` (OUT_OF_RANGE past its end) in chunks of
// `chunk_size` bytes (0: 1 MiB); `name` names it in errors.
grpc::Status StreamFile(grpc::ServerContext* context,
                        grpc::ServerWriter<v1::DownloadCheckpointResponse>* writer,
                        const CheckpointFileRef& file, const std::string& name, int64_t offset,
                        int32_t chunk_size);

}  // namespace simclr::server

#endif  // SIMCLR_SERVER_SERVICES_FILE_DOWNLOAD_H_
