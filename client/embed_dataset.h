// `simclrctl embed --dataset ds-… --model ckpt-…|job-… -o features.npy`: a
// whole uploaded dataset through an encoder, as an embed job on the server
// (watched to its end), then its features downloaded to the -o file and its
// labels and image indices beside it (NAME.labels.npy, NAME.indices.npy),
// SHA-256 checked.
#ifndef SIMCLR_CLIENT_EMBED_DATASET_H_
#define SIMCLR_CLIENT_EMBED_DATASET_H_

#include <string>

#include "client/cli_common.h"

namespace simclr::client {

int RunEmbedDataset(const CliContext& context, const std::string& dataset_id,
                    const std::string& model, const std::string& out);

}  // namespace simclr::client

#endif  // SIMCLR_CLIENT_EMBED_DATASET_H_
