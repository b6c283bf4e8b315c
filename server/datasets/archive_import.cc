#include "server/datasets/archive_import.h"

#include <archive.h>
#include <archive_entry.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "core/common/status_macros.h"
#include "core/data/encoded_image.h"
#include "opencv2/imgcodecs.hpp"
#include "opencv2/imgproc.hpp"
#include "server/datasets/idx_bytes.h"

namespace simclr::server {
namespace {

constexpr int64_t kMaxEntryBytes = int64_t{256} << 20;

struct ArchiveFree {
  void operator()(archive* a) const { archive_read_free(a); }
};
using Reader = std::unique_ptr<archive, ArchiveFree>;

absl::StatusOr<Reader> Open(const std::string& path) {
  Reader reader(archive_read_new());
  archive_read_support_format_tar(reader.get());
  archive_read_support_format_zip(reader.get());
  archive_read_support_filter_all(reader.get());
  if (archive_read_open_filename(reader.get(), path.c_str(), 1 << 16) != ARCHIVE_OK) {
    return absl::InvalidArgumentError(absl::StrCat(
        "archive: not a tar or zip archive (", archive_error_string(reader.get()), ")"));
  }
  return reader;
}

bool IsImageName(const std::string& name) {
  const std::string lower = absl::AsciiStrToLower(name);
  return absl::EndsWith(lower, ".png") || absl::EndsWith(lower, ".jpg") ||
         absl::EndsWith(lower, ".jpeg");
}

// One archive entry, checked: an image to import (class set when
// labelled), or something to skip (folders, other files). Refuses
// anything that could escape the dataset or is not a plain file.
struct Entry {
  bool image = false;
  std::string path, class_name;
};

absl::StatusOr<Entry> Inspect(archive_entry* entry, bool labelled) {
  Entry result;
  const char* raw = archive_entry_pathname(entry);
  result.path = raw == nullptr ? "" : raw;
  const std::string where = absl::StrCat("archive entry \"", result.path, "\"");
  if (result.path.empty() || result.path[0] == '/') {
    return absl::InvalidArgumentError(absl::StrCat(where, ": absolute or empty path"));
  }
  std::vector<std::string> parts =
      absl::StrSplit(result.path, '/', absl::SkipEmpty());
  for (const auto& part : parts) {
    if (part == "..") {
      return absl::InvalidArgumentError(absl::StrCat(where, ": path traversal (\"..\")"));
    }
  }
  if (archive_entry_hardlink(entry) != nullptr) {
    return absl::InvalidArgumentError(absl::StrCat(where, ": hard links are refused"));
  }
  switch (archive_entry_filetype(entry)) {
    case AE_IFDIR:
      return result;
    case AE_IFREG:
      break;
    case AE_IFLNK:
      return absl::InvalidArgumentError(absl::StrCat(where, ": symlinks are refused"));
    default:
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": devices, FIFOs and sockets are refused"));
  }
  parts.erase(std::remove(parts.begin(), parts.end(), "."), parts.end());
  if (parts.empty() || parts.back()[0] == '.' || !IsImageName(parts.back())) {
    return result;  // not an image (README, .DS_Store, …): skipped
  }
  result.image = true;
  if (labelled) {
    if (parts.size() < 2) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": an image outside a class folder (class_name/image.png)"));
    }
    result.class_name = parts[parts.size() - 2];
  }
  return result;
}

// Pass 1: names, types and sizes; the classes, numbered in name order.
struct Scan {
  int64_t candidates = 0;
  std::map<std::string, int> class_index;
};

absl::StatusOr<Scan> ScanArchive(const std::string& archive_path, bool labelled,
                                 const ArchiveLimits& limits) {
  Scan scan;
  SIMCLR_ASSIGN_OR_RETURN(auto reader, Open(archive_path));
  int64_t total = 0;
  archive_entry* entry = nullptr;
  int code;
  while ((code = archive_read_next_header(reader.get(), &entry)) == ARCHIVE_OK) {
    SIMCLR_ASSIGN_OR_RETURN(auto inspected, Inspect(entry, labelled));
    total += archive_entry_size(entry);
    if (total > limits.max_total_bytes) {
      return absl::InvalidArgumentError(absl::StrCat(
          "archive: more than --max_upload_bytes ", limits.max_total_bytes,
          " uncompressed bytes (at entry \"", inspected.path, "\")"));
    }
    if (inspected.image) {
      ++scan.candidates;
      if (labelled) scan.class_index.emplace(inspected.class_name, 0);
    }
    archive_read_data_skip(reader.get());
  }
  if (code != ARCHIVE_EOF) {
    return absl::InvalidArgumentError(
        absl::StrCat("archive: corrupt (", archive_error_string(reader.get()), ")"));
  }
  if (scan.candidates == 0) {
    return absl::InvalidArgumentError("archive: no .png, .jpg or .jpeg images in it");
  }
  int next = 0;
  for (auto& [name, index] : scan.class_index) index = next++;
  if (scan.class_index.size() > 256) {
    return absl::InvalidArgumentError("archive: more than 256 class folders");
  }
  return scan;
}

// The entry's bytes decoded (empty when they are no image), at `channels`
// (0: as stored); INVALID_ARGUMENT when it exceeds the pixel limit.
absl::StatusOr<cv::Mat> DecodeEntry(archive* reader, archive_entry* entry,
                                    const std::string& path, int channels,
                                    const ArchiveLimits& limits, std::string& bytes) {
  const int64_t size = archive_entry_size(entry);
  if (size > kMaxEntryBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("archive entry \"", path, "\": larger than 256 MiB"));
  }
  bytes.resize(static_cast<size_t>(std::max<int64_t>(size, 0)));
  const la_ssize_t got = archive_read_data(reader, bytes.data(), bytes.size());
  if (core::DeclaredPixels(bytes) > limits.max_image_pixels) {
    return absl::InvalidArgumentError(
        absl::StrCat("archive entry \"", path, "\": ", core::DeclaredPixels(bytes),
                     " pixels exceed --max_image_pixels ", limits.max_image_pixels));
  }
  cv::Mat image;
  if (got == static_cast<la_ssize_t>(bytes.size()) && !bytes.empty()) {
    const cv::Mat raw(1, static_cast<int>(bytes.size()), CV_8U, bytes.data());
    const int mode = channels == 0   ? cv::IMREAD_UNCHANGED
                     : channels == 1 ? cv::IMREAD_GRAYSCALE
                                     : cv::IMREAD_COLOR;
    try {
      image = cv::imdecode(raw, mode);
    } catch (const cv::Exception&) {
      image.release();  // malformed
    }
  }
  if (!image.empty() &&
      static_cast<int64_t>(image.rows) * image.cols > limits.max_image_pixels) {
    return absl::InvalidArgumentError(
        absl::StrCat("archive entry \"", path, "\": ", image.cols, "x", image.rows,
                     " exceeds --max_image_pixels ", limits.max_image_pixels));
  }
  if (!image.empty() && image.depth() != CV_8U) image.release();
  return image;
}

// The IDX files of the import: headers once the first image fixes the
// format, one record per image, the counts at the end.
class IdxOutput {
 public:
  absl::Status Open(const std::string& dest_dir, bool labelled) {
    images_.reset(std::fopen((dest_dir + "/images.idx").c_str(), "wb"));
    if (labelled) labels_.reset(std::fopen((dest_dir + "/labels.idx").c_str(), "wb"));
    if (!images_ || (labelled && !labels_)) {
      return absl::InternalError("archive: cannot write the import");
    }
    return absl::OkStatus();
  }
  // Fixes the format from the first image (4 channels become 3).
  void Start(cv::Mat& image, ArchiveImport& result) {
    if (image.channels() == 4) cv::cvtColor(image, image, cv::COLOR_BGRA2BGR);
    result.channels = image.channels() == 1 ? 1 : 3;
    result.height = image.rows;
    result.width = image.cols;
    const int dims = result.channels == 1 ? 3 : 4;
    WriteBigEndian32(images_.get(), 0x800u | static_cast<uint32_t>(dims));
    WriteBigEndian32(images_.get(), 0);  // the count, filled in at the end
    WriteBigEndian32(images_.get(), static_cast<uint32_t>(result.height));
    WriteBigEndian32(images_.get(), static_cast<uint32_t>(result.width));
    if (dims == 4) WriteBigEndian32(images_.get(), 3);
    if (labels_) {
      WriteBigEndian32(labels_.get(), 0x801);
      WriteBigEndian32(labels_.get(), 0);
    }
  }
  void Append(cv::Mat& image, int label, const ArchiveImport& result) {
    if (image.rows != result.height || image.cols != result.width) {
      cv::resize(image, image, cv::Size(result.width, result.height), 0, 0, cv::INTER_AREA);
    }
    if (result.channels == 3) cv::cvtColor(image, image, cv::COLOR_BGR2RGB);
    const cv::Mat dense = image.isContinuous() ? image : image.clone();
    std::fwrite(dense.data, 1, dense.total() * dense.elemSize(), images_.get());
    if (labels_) std::fputc(label, labels_.get());
  }
  absl::Status Finish(int64_t count) {
    std::fseek(images_.get(), 4, SEEK_SET);
    WriteBigEndian32(images_.get(), static_cast<uint32_t>(count));
    if (labels_) {
      std::fseek(labels_.get(), 4, SEEK_SET);
      WriteBigEndian32(labels_.get(), static_cast<uint32_t>(count));
    }
    if (std::fflush(images_.get()) != 0 || (labels_ && std::fflush(labels_.get()) != 0)) {
      return absl::InternalError("archive: cannot write the import (disk full?)");
    }
    return absl::OkStatus();
  }

 private:
  std::unique_ptr<FILE, FileClose> images_, labels_;
};

}  // namespace

absl::StatusOr<ArchiveImport> ImportArchive(const std::string& archive_path,
                                            bool labelled, const std::string& dest_dir,
                                            const ArchiveLimits& limits) {
  SIMCLR_ASSIGN_OR_RETURN(Scan scan, ScanArchive(archive_path, labelled, limits));
  ArchiveImport result;
  for (const auto& [name, index] : scan.class_index) result.class_names.push_back(name);
  result.class_counts.assign(result.class_names.size(), 0);
  // Pass 2: decode each image once, at the first image's size and channels.
  IdxOutput output;
  SIMCLR_RETURN_IF_ERROR(output.Open(dest_dir, labelled));
  SIMCLR_ASSIGN_OR_RETURN(auto reader, Open(archive_path));
  std::string first_corrupt, bytes;
  archive_entry* entry = nullptr;
  while (archive_read_next_header(reader.get(), &entry) == ARCHIVE_OK) {
    SIMCLR_ASSIGN_OR_RETURN(auto inspected, Inspect(entry, labelled));
    if (!inspected.image) continue;
    SIMCLR_ASSIGN_OR_RETURN(cv::Mat image, DecodeEntry(reader.get(), entry, inspected.path,
                                                       result.channels, limits, bytes));
    if (image.empty()) {
      if (first_corrupt.empty()) first_corrupt = inspected.path;
      ++result.corrupt;
      continue;
    }
    if (result.channels == 0) output.Start(image, result);
    const int label = labelled ? scan.class_index[inspected.class_name] : 0;
    output.Append(image, label, result);
    if (labelled) ++result.class_counts[static_cast<size_t>(label)];
    ++result.images;
  }
  if (result.images == 0 || static_cast<double>(result.corrupt) >
                                limits.max_corrupt_fraction *
                                    static_cast<double>(scan.candidates)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "archive entry \"", first_corrupt, "\": not a decodable image (", result.corrupt,
        " of ", scan.candidates, " undecodable; max_corrupt_fraction ",
        limits.max_corrupt_fraction, ")"));
  }
  SIMCLR_RETURN_IF_ERROR(output.Finish(result.images));
  const int64_t pixels = result.images * result.height * result.width * result.channels;
  result.stored_bytes =
      (result.channels == 1 ? 16 : 20) + pixels + (labelled ? 8 + result.images : 0);
  // Empty classes (every image corrupt) keep their place in the numbering.
  return result;
}

}  // namespace simclr::server
