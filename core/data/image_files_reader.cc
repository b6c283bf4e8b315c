#include "core/data/image_files_reader.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <system_error>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "core/common/status_macros.h"
#include "opencv2/imgcodecs.hpp"
#include "opencv2/imgproc.hpp"

namespace simclr::core {
namespace {

namespace fs = std::filesystem;

struct LabelledPath {
  std::string path;
  int32_t label = -1;  // -1: unlabelled
};

bool IsImageFile(const fs::path& path) {
  const std::string ext = absl::AsciiStrToLower(path.extension().string());
  return ext == ".png" || ext == ".jpg" || ext == ".jpeg";
}

absl::Status CheckOptions(const ImageFilesOptions& options) {
  if (options.channels != 0 && options.channels != 1 && options.channels != 3) {
    return absl::InvalidArgumentError(
        absl::StrCat("channels ", options.channels, ": must be 0, 1 or 3"));
  }
  if (!(options.max_corrupt_fraction >= 0 &&
        options.max_corrupt_fraction <= 0.5)) {
    return absl::InvalidArgumentError(absl::StrCat("max_corrupt_fraction ",
                                                   options.max_corrupt_fraction,
                                                   ": must be in [0, 0.5]"));
  }
  return absl::OkStatus();
}

// Decodes one file to 1 or 3 channels (RGB order); an empty Mat on failure.
cv::Mat Decode(const std::string& path, const ImageFilesOptions& options) {
  // OpenCV itself refuses images over OPENCV_IO_MAX_IMAGE_PIXELS (2^30);
  // the stricter per-dataset limit is applied after decoding.
  std::ifstream in(path, std::ios::binary);
  std::vector<uchar> bytes((std::istreambuf_iterator<char>(in)),
                           std::istreambuf_iterator<char>());
  if (bytes.empty()) return {};
  cv::Mat image;
  try {
    image = cv::imdecode(bytes, cv::IMREAD_UNCHANGED);
  } catch (const cv::Exception&) {
    return {};
  }
  if (image.empty() || image.depth() != CV_8U ||
      static_cast<int64_t>(image.total()) > options.max_image_pixels) {
    return {};
  }
  switch (image.channels()) {
    case 1:
      return image;
    case 3:
      cv::cvtColor(image, image, cv::COLOR_BGR2RGB);
      return image;
    case 4:
      cv::cvtColor(image, image, cv::COLOR_BGRA2RGB);
      return image;
    default:
      return {};
  }
}

cv::Mat ToChannels(const cv::Mat& image, int channels) {
  if (image.channels() == channels) return image;
  cv::Mat converted;
  cv::cvtColor(image, converted,
               channels == 1 ? cv::COLOR_RGB2GRAY : cv::COLOR_GRAY2RGB);
  return converted;
}

absl::StatusOr<ImageDataset> DecodeAll(const std::vector<LabelledPath>& files,
                                       std::vector<std::string> class_names,
                                       const std::string& source,
                                       const ImageFilesOptions& options) {
  if (files.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(source, ": no .png, .jpg or .jpeg images found"));
  }
  ImageDataset dataset;
  dataset.class_names = std::move(class_names);
  std::vector<std::string> corrupt;
  for (const auto& file : files) {
    cv::Mat image = Decode(file.path, options);
    if (image.empty()) {
      corrupt.push_back(file.path);
      continue;
    }
    if (dataset.channels == 0) {
      dataset.height = image.rows;
      dataset.width = image.cols;
      dataset.channels =
          options.channels != 0 ? options.channels : image.channels();
    }
    image = ToChannels(image, dataset.channels);
    if (image.rows != dataset.height || image.cols != dataset.width) {
      cv::resize(image, image, cv::Size(dataset.width, dataset.height), 0, 0,
                 cv::INTER_AREA);
    }
    if (!image.isContinuous()) image = image.clone();
    dataset.pixels.insert(dataset.pixels.end(), image.data,
                          image.data + dataset.image_bytes());
    if (file.label >= 0) dataset.labels.push_back(file.label);
  }
  const size_t corrupt_count = corrupt.size();
  const double share =
      static_cast<double>(corrupt_count) / static_cast<double>(files.size());
  if (corrupt_count > 0 && share > options.max_corrupt_fraction) {
    constexpr size_t kShown = 5;
    corrupt.resize(std::min(corrupt.size(), kShown));
    return absl::InvalidArgumentError(absl::StrCat(
        source, ": ", corrupt_count, " of ", files.size(),
        " images do not decode (", share * 100, "%, over max_corrupt_fraction ",
        options.max_corrupt_fraction, "): ", absl::StrJoin(corrupt, ", "),
        corrupt_count > kShown ? ", ..." : ""));
  }
  dataset.corrupt_skipped = static_cast<int64_t>(corrupt_count);
  return dataset;
}

absl::Status CheckDirectory(const std::string& root) {
  std::error_code error;
  if (!fs::is_directory(root, error)) {
    return absl::NotFoundError(absl::StrCat(root, ": not a directory"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<ImageDataset> ReadImageFolder(const std::string& root,
                                             const ImageFilesOptions& options) {
  SIMCLR_RETURN_IF_ERROR(CheckOptions(options));
  SIMCLR_RETURN_IF_ERROR(CheckDirectory(root));
  std::vector<std::string> class_names;
  for (const auto& entry : fs::directory_iterator(root)) {
    if (entry.is_directory()) class_names.push_back(entry.path().filename());
  }
  std::sort(class_names.begin(), class_names.end());
  if (class_names.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(root, ": no class folders (expected root/<class>/*.png)"));
  }
  std::vector<LabelledPath> files;
  for (size_t label = 0; label < class_names.size(); ++label) {
    std::vector<std::string> paths;
    for (const auto& entry :
         fs::directory_iterator(fs::path(root) / class_names[label])) {
      if (entry.is_regular_file() && IsImageFile(entry.path())) {
        paths.push_back(entry.path().string());
      }
    }
    std::sort(paths.begin(), paths.end());
    for (auto& path : paths) {
      files.push_back({std::move(path), static_cast<int32_t>(label)});
    }
  }
  return DecodeAll(files, std::move(class_names), root, options);
}

absl::StatusOr<ImageDataset> ReadUnlabeledFolder(
    const std::string& root, const ImageFilesOptions& options) {
  SIMCLR_RETURN_IF_ERROR(CheckOptions(options));
  SIMCLR_RETURN_IF_ERROR(CheckDirectory(root));
  std::vector<LabelledPath> files;
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    if (entry.is_regular_file() && IsImageFile(entry.path())) {
      files.push_back({entry.path().string(), -1});
    }
  }
  std::sort(files.begin(), files.end(),
            [](const auto& a, const auto& b) { return a.path < b.path; });
  return DecodeAll(files, {}, root, options);
}

absl::StatusOr<ImageDataset> ReadCsvManifest(const std::string& csv_path,
                                             const ImageFilesOptions& options) {
  SIMCLR_RETURN_IF_ERROR(CheckOptions(options));
  std::ifstream in(csv_path);
  if (!in) return absl::NotFoundError(absl::StrCat(csv_path, ": cannot open"));
  const fs::path base = fs::path(csv_path).parent_path();

  std::string line;
  if (!std::getline(in, line) ||
      absl::StripAsciiWhitespace(line) != "path,label") {
    return absl::InvalidArgumentError(
        absl::StrCat(csv_path, ":1: expected the header \"path,label\""));
  }
  // Labels are either all integers or all class names (sorted into ids).
  std::vector<std::pair<std::string, std::string>> rows;
  for (int line_number = 2; std::getline(in, line); ++line_number) {
    const absl::string_view row = absl::StripAsciiWhitespace(line);
    if (row.empty()) continue;
    // The label has no comma; the path may.
    const size_t comma = row.rfind(',');
    if (comma == absl::string_view::npos || comma == 0 ||
        comma + 1 == row.size()) {
      return absl::InvalidArgumentError(
          absl::StrCat(csv_path, ":", line_number, ": expected \"path,label\""));
    }
    rows.emplace_back(std::string(row.substr(0, comma)),
                      std::string(row.substr(comma + 1)));
    const fs::path path(rows.back().first);
    if (path.is_absolute() ||
        rows.back().first.find("..") != std::string::npos) {
      return absl::InvalidArgumentError(absl::StrCat(
          csv_path, ":", line_number,
          ": the path must be relative and stay inside the manifest's folder"));
    }
  }
  bool numeric = true;
  int max_label = -1;
  for (const auto& [path, label] : rows) {
    int value = 0;
    if (!absl::SimpleAtoi(label, &value) || value < 0 || value > 100000) {
      numeric = false;
      break;
    }
    max_label = std::max(max_label, value);
  }
  std::map<std::string, int32_t> ids;
  std::vector<std::string> class_names;
  if (numeric) {
    for (int k = 0; k <= max_label; ++k)
      class_names.push_back(std::to_string(k));
  } else {
    for (const auto& row : rows) ids.emplace(row.second, 0);
    for (auto& [name, id] : ids) {
      id = static_cast<int32_t>(class_names.size());
      class_names.push_back(name);
    }
  }
  std::vector<LabelledPath> files;
  for (const auto& [path, label] : rows) {
    int32_t id = 0;
    if (numeric) {
      absl::SimpleAtoi(label, &id);
    } else {
      id = ids.at(label);
    }
    files.push_back({(base / path).string(), id});
  }
  return DecodeAll(files, std::move(class_names), csv_path, options);
}

}  // namespace simclr::core
