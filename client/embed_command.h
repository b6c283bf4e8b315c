// `simclrctl embed`: embeds image files through the EmbeddingService.
//
// Inputs are files, folders (every .png/.jpg/.jpeg below, sorted) and glob
// patterns; vectors keep that order. Requests of --batch images go over one
// EmbedStream, so the server's batcher merges them. Output: .npy (float32
// N×D), .csv (path, then the values), or CSV on stdout; a progress line on
// a terminal.
#ifndef SIMCLR_CLIENT_EMBED_COMMAND_H_
#define SIMCLR_CLIENT_EMBED_COMMAND_H_

#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "client/channel.h"

namespace simclr::client {

struct EmbedCommandArgs {
  std::string model;
  // Set: a whole uploaded dataset, as an embed job (client/embed_dataset.h).
  std::string dataset_id;
  std::vector<std::string> inputs;
  std::string out;
  bool l2_normalize = false;
  int batch = 16;
};

CLI::App* AddEmbedCommand(CLI::App& app, EmbedCommandArgs* args);

// Exit codes as simclrctl's: 0, 1 (server error), 2 (bad usage or input).
int RunEmbedCommand(const ChannelOptions& channel, const EmbedCommandArgs& args,
                    double timeout_seconds, bool json);

}  // namespace simclr::client

#endif  // SIMCLR_CLIENT_EMBED_COMMAND_H_
