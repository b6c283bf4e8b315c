// The DatasetService from C++: upload IDX datasets in ≤ 1 MiB chunks with
// their SHA-256 declared up front, list, get and delete.
#ifndef SIMCLR_CLIENT_DATASET_CLIENT_H_
#define SIMCLR_CLIENT_DATASET_CLIENT_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "grpcpp/channel.h"
#include "simclr/v1/dataset.grpc.pb.h"

namespace simclr::client {

class DatasetClient {
 public:
  DatasetClient(std::shared_ptr<grpc::Channel> channel, absl::Duration timeout);

  // (bytes sent, total bytes), after every chunk.
  using Progress = std::function<void(int64_t, int64_t)>;
  // An IDX images file and optional labels file, gzipped or not.
  absl::StatusOr<v1::Dataset> UploadIdx(const std::string& display_name,
                                        const std::string& images_path,
                                        const std::string& labels_path,
                                        const std::vector<std::string>& class_names,
                                        const Progress& progress = nullptr);
  // A tar or zip archive: class_name/image.png folders (labelled), or
  // images anywhere (unlabelled). Up to max_corrupt_fraction of the images
  // may be undecodable and are dropped.
  absl::StatusOr<v1::Dataset> UploadArchive(const std::string& display_name,
                                            const std::string& archive_path, bool labelled,
                                            double max_corrupt_fraction,
                                            const Progress& progress = nullptr);
  absl::StatusOr<std::vector<v1::Dataset>> List();
  absl::StatusOr<v1::Dataset> Get(const std::string& dataset_id);
  absl::Status Delete(const std::string& dataset_id);

 private:
  // Declares each (name, path) file's size and SHA-256 in `header`, then
  // streams the files in 1 MiB chunks.
  absl::StatusOr<v1::Dataset> Upload(
      v1::UploadHeader header,
      const std::vector<std::pair<std::string, std::string>>& files,
      const Progress& progress);

  std::unique_ptr<v1::DatasetService::Stub> stub_;
  absl::Duration timeout_;
};

}  // namespace simclr::client

#endif  // SIMCLR_CLIENT_DATASET_CLIENT_H_
