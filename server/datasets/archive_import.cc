#include "server/datasets/archive_import.h"

#include <archive.h>
#include <archive_entry.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <optional>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "core/common/io_errors.h"
#include "core/common/status_macros.h"
#include "core/common/utf8.h"
#include "core/data/encoded_image.h"
#include "core/data/image_header.h"
#include "opencv2/imgproc.hpp"
#include "server/datasets/idx_bytes.h"

namespace simclr::server {
namespace {

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
  const std::string where = absl::StrCat("archive entry \"", core::SafeText(result.path), "\"");
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
    // Class names are stored and echoed: UTF-8, as UploadHeader.class_names.
    if (result.class_name.size() > 128 || !core::IsValidUtf8(result.class_name)) {
      return absl::InvalidArgumentError(absl::StrCat(
          where, ": a class folder name must be UTF-8 of at most 128 bytes"));
    }
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
    const int64_t size = archive_entry_size(entry);
    if (size < 0 || size > limits.max_total_bytes) {
      return absl::InvalidArgumentError(absl::StrCat(
          "archive entry \"", core::SafeText(inspected.path), "\": declares ", size,
          " bytes, outside [0, --max_upload_bytes ", limits.max_total_bytes, "]"));
    }
    total += size;  // both ≤ the limit ≤ 2^50: no overflow
    if (total > limits.max_total_bytes) {
      return absl::InvalidArgumentError(absl::StrCat(
          "archive: more than --max_upload_bytes ", limits.max_total_bytes,
          " uncompressed bytes (at entry \"", core::SafeText(inspected.path), "\")"));
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

// Reads an image entry block by block: a non-image stops at its first
// bytes, the pixel limit is checked from the header before the rest is
// read, and no entry grows past what an image of its size needs, so memory
// is one block, one encoded image and one decoded image, whatever the
// entry declares.
class EntryReader {
 public:
  explicit EntryReader(const ArchiveLimits& limits) : limits_(limits), block_(64 << 10) {}

  // The decoded image; an empty one when the entry is no image (it is
  // counted as corrupt). INVALID_ARGUMENT over the pixel limit.
  absl::StatusOr<std::optional<core::DecodedImage>> Read(archive* reader,
                                                          const std::string& path,
                                                          int channels) {
    bytes_.clear();
    core::ImageHeader header;
    core::HeaderScan scan = core::HeaderScan::kNeedMore;
    while (true) {
      const la_ssize_t got = archive_read_data(reader, block_.data(), block_.size());
      if (got < 0) return std::nullopt;  // a damaged entry
      if (got == 0) break;
      bytes_read_ += got;
      bytes_.append(block_.data(), static_cast<size_t>(got));
      if (scan == core::HeaderScan::kNeedMore) {
        scan = core::ScanImageHeader(bytes_, &header);
        if (scan == core::HeaderScan::kNotAnImage) return std::nullopt;
        if (scan == core::HeaderScan::kFound && header.pixels() > limits_.max_image_pixels) {
          return absl::InvalidArgumentError(absl::StrCat(
              "archive entry \"", core::SafeText(path), "\": ", header.width, "x",
              header.height, " exceeds --max_image_pixels ", limits_.max_image_pixels));
        }
      }
      const int64_t cap = scan == core::HeaderScan::kFound ? core::MaxEncodedBytes(header)
                                                           : kMaxHeaderBytes;
      if (static_cast<int64_t>(bytes_.size()) > cap) return std::nullopt;
    }
    if (scan != core::HeaderScan::kFound) return std::nullopt;
    auto decoded = core::DecodeImage(bytes_, limits_.max_image_pixels, channels);
    if (!decoded.ok()) return std::nullopt;
    return *std::move(decoded);
  }

  // Uncompressed bytes read so far, over all entries.
  int64_t bytes_read() const { return bytes_read_; }

 private:
  // A JPEG's frame header comes after its metadata segments.
  static constexpr int64_t kMaxHeaderBytes = int64_t{1} << 20;
  const ArchiveLimits limits_;
  std::vector<char> block_;
  std::string bytes_;
  int64_t bytes_read_ = 0;
};

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
  // Fixes the format from the first image.
  void Start(const core::DecodedImage& image, ArchiveImport& result) {
    result.channels = image.channels;
    result.height = image.height;
    result.width = image.width;
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
  void Append(core::DecodedImage& decoded, int label, const ArchiveImport& result) {
    cv::Mat image(decoded.height, decoded.width, CV_8UC(decoded.channels),
                  decoded.pixels.data());
    if (image.rows != result.height || image.cols != result.width) {
      cv::resize(image, image, cv::Size(result.width, result.height), 0, 0, cv::INTER_AREA);
    }
    const size_t bytes = image.total() * image.elemSize();
    errno = 0;
    if (std::fwrite(image.data, 1, bytes, images_.get()) != bytes ||
        (labels_ && std::fputc(label, labels_.get()) == EOF)) {
      if (!write_failed_) write_errno_ = errno;
      write_failed_ = true;
    }
  }
  absl::Status Finish(int64_t count) {
    std::fseek(images_.get(), 4, SEEK_SET);
    WriteBigEndian32(images_.get(), static_cast<uint32_t>(count));
    if (labels_) {
      std::fseek(labels_.get(), 4, SEEK_SET);
      WriteBigEndian32(labels_.get(), static_cast<uint32_t>(count));
    }
    errno = 0;
    if (write_failed_ || std::fflush(images_.get()) != 0 ||
        (labels_ && std::fflush(labels_.get()) != 0)) {
      return core::WriteError("archive: cannot write the import",
                              write_failed_ ? write_errno_ : errno);
    }
    return absl::OkStatus();
  }

 private:
  std::unique_ptr<FILE, FileClose> images_, labels_;
  bool write_failed_ = false;  // reported by Finish, with its errno
  int write_errno_ = 0;
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
  EntryReader entries(limits);
  std::string first_corrupt;
  archive_entry* entry = nullptr;
  while (archive_read_next_header(reader.get(), &entry) == ARCHIVE_OK) {
    SIMCLR_ASSIGN_OR_RETURN(auto inspected, Inspect(entry, labelled));
    if (!inspected.image) continue;
    SIMCLR_ASSIGN_OR_RETURN(auto image,
                            entries.Read(reader.get(), inspected.path, result.channels));
    // Entries that declare no size are bounded here, by what they hold.
    if (entries.bytes_read() > limits.max_total_bytes) {
      return absl::InvalidArgumentError(absl::StrCat(
          "archive: more than --max_upload_bytes ", limits.max_total_bytes,
          " uncompressed bytes (at entry \"", core::SafeText(inspected.path), "\")"));
    }
    if (!image.has_value()) {
      if (first_corrupt.empty()) first_corrupt = inspected.path;
      ++result.corrupt;
      continue;
    }
    if (result.channels == 0) output.Start(*image, result);
    const int label = labelled ? scan.class_index[inspected.class_name] : 0;
    output.Append(*image, label, result);
    if (labelled) ++result.class_counts[static_cast<size_t>(label)];
    ++result.images;
  }
  if (result.images == 0 || static_cast<double>(result.corrupt) >
                                limits.max_corrupt_fraction *
                                    static_cast<double>(scan.candidates)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "archive entry \"", core::SafeText(first_corrupt), "\": not a decodable image (", result.corrupt,
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
