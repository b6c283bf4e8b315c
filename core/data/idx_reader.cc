#include "core/data/idx_reader.h"

#include <zlib.h>

#include <algorithm>
#include <cstdint>
#include <memory>

#include "absl/strings/str_cat.h"
#include "core/common/status_macros.h"

namespace simclr::core {
namespace {

constexpr int64_t kMaxSide = 4096;
constexpr int64_t kMaxImages = int64_t{1} << 31;

// A gzip or plain file read sequentially; zlib passes plain files through.
class IdxFile {
 public:
  static absl::StatusOr<IdxFile> Open(const std::string& path) {
    gzFile file = gzopen(path.c_str(), "rb");
    if (file == nullptr) {
      return absl::NotFoundError(absl::StrCat(path, ": cannot open"));
    }
    gzbuffer(file, 1 << 20);
    return IdxFile(path, file);
  }

  // Reads exactly `size` bytes, or fails naming the offset.
  absl::Status Read(void* data, size_t size, const char* what) {
    size_t done = 0;
    while (done < size) {
      const unsigned chunk =
          static_cast<unsigned>(std::min<size_t>(size - done, 1u << 30));
      const int n = gzread(file_.get(), static_cast<char*>(data) + done, chunk);
      if (n < 0) {
        int code = 0;
        return absl::InvalidArgumentError(
            absl::StrCat(path_, ": corrupt gzip stream at byte offset ",
                         offset_ + done, ": ", gzerror(file_.get(), &code)));
      }
      if (n == 0) {
        return absl::InvalidArgumentError(
            absl::StrCat(path_, ": truncated at byte offset ", offset_ + done,
                         " while reading ", what, " (", size,
                         " bytes expected from offset ", offset_, ")"));
      }
      done += static_cast<size_t>(n);
    }
    offset_ += size;
    return absl::OkStatus();
  }

  absl::StatusOr<uint32_t> ReadBigEndian32(const char* what) {
    unsigned char bytes[4];
    SIMCLR_RETURN_IF_ERROR(Read(bytes, 4, what));
    return (uint32_t{bytes[0]} << 24) | (uint32_t{bytes[1]} << 16) |
           (uint32_t{bytes[2]} << 8) | uint32_t{bytes[3]};
  }

  absl::Status ExpectEnd() {
    char extra;
    if (gzread(file_.get(), &extra, 1) != 0) {
      return absl::InvalidArgumentError(
          absl::StrCat(path_, ": unexpected data after byte offset ", offset_,
                       " (the header's dimensions do not cover the file)"));
    }
    return absl::OkStatus();
  }

  const std::string& path() const { return path_; }
  uint64_t offset() const { return offset_; }

 private:
  struct Closer {
    void operator()(gzFile file) const { gzclose(file); }
  };
  IdxFile(std::string path, gzFile file)
      : path_(std::move(path)), file_(file) {}

  std::string path_;
  std::unique_ptr<gzFile_s, Closer> file_;
  uint64_t offset_ = 0;
};

absl::Status CheckMagic(const IdxFile& file, uint32_t magic,
                        std::initializer_list<uint32_t> expected,
                        const char* kind) {
  for (const uint32_t e : expected) {
    if (magic == e) return absl::OkStatus();
  }
  // The bytes themselves are never quoted: an error may reach a client
  // that named a file it cannot read.
  return absl::InvalidArgumentError(absl::StrCat(
      file.path(), ": bad magic number at byte offset 0; not an IDX ", kind,
      " file of unsigned bytes"));
}

absl::Status ReadImages(const std::string& path, ImageDataset* dataset) {
  SIMCLR_ASSIGN_OR_RETURN(IdxFile file, IdxFile::Open(path));
  SIMCLR_ASSIGN_OR_RETURN(const uint32_t magic, file.ReadBigEndian32("magic"));
  SIMCLR_RETURN_IF_ERROR(
      CheckMagic(file, magic, {0x00000803, 0x00000804}, "image"));
  const int dims = static_cast<int>(magic & 0xff);
  int64_t shape[4] = {0, 0, 0, 1};
  for (int d = 0; d < dims; ++d) {
    SIMCLR_ASSIGN_OR_RETURN(const uint32_t size,
                            file.ReadBigEndian32("dimension"));
    shape[d] = size;
  }
  if (shape[0] < 1 || shape[0] > kMaxImages) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": image count ", shape[0],
                     " at byte offset 4 is out of [1, ", kMaxImages, "]"));
  }
  for (int d = 1; d <= 2; ++d) {
    if (shape[d] < 1 || shape[d] > kMaxSide) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": image side ", shape[d], " at byte offset ",
                       4 + 4 * d, " is out of [1, ", kMaxSide, "]"));
    }
  }
  if (shape[3] != 1 && shape[3] != 3) {
    return absl::InvalidArgumentError(absl::StrCat(
        path, ": ", shape[3], " channels at byte offset 16; expected 1 or 3"));
  }
  dataset->height = static_cast<int>(shape[1]);
  dataset->width = static_cast<int>(shape[2]);
  dataset->channels = static_cast<int>(shape[3]);
  dataset->pixels.resize(static_cast<size_t>(shape[0]) *
                         dataset->image_bytes());
  SIMCLR_RETURN_IF_ERROR(
      file.Read(dataset->pixels.data(), dataset->pixels.size(), "pixels"));
  return file.ExpectEnd();
}

absl::Status ReadLabels(const std::string& path, const IdxReadOptions& options,
                        ImageDataset* dataset) {
  SIMCLR_ASSIGN_OR_RETURN(IdxFile file, IdxFile::Open(path));
  SIMCLR_ASSIGN_OR_RETURN(const uint32_t magic, file.ReadBigEndian32("magic"));
  SIMCLR_RETURN_IF_ERROR(CheckMagic(file, magic, {0x00000801}, "label"));
  SIMCLR_ASSIGN_OR_RETURN(const uint32_t count, file.ReadBigEndian32("count"));
  if (static_cast<int64_t>(count) != dataset->size()) {
    return absl::InvalidArgumentError(absl::StrCat(
        path, ": ", count, " labels at byte offset 4, but the image file has ",
        dataset->size(), " images"));
  }
  std::vector<uint8_t> raw(count);
  SIMCLR_RETURN_IF_ERROR(file.Read(raw.data(), raw.size(), "labels"));
  SIMCLR_RETURN_IF_ERROR(file.ExpectEnd());

  const int declared = static_cast<int>(options.class_names.size());
  int max_label = 0;
  for (size_t i = 0; i < raw.size(); ++i) {
    if (declared > 0 && raw[i] >= declared) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": label ", raw[i], " at byte offset ", 8 + i,
                       " is out of range for ", declared, " classes"));
    }
    max_label = std::max<int>(max_label, raw[i]);
  }
  dataset->labels.assign(raw.begin(), raw.end());
  if (declared > 0) {
    dataset->class_names = options.class_names;
  } else {
    for (int k = 0; k <= max_label; ++k) {
      dataset->class_names.push_back(std::to_string(k));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<ImageDataset> ReadIdxDataset(const std::string& images_path,
                                            const std::string& labels_path,
                                            const IdxReadOptions& options) {
  ImageDataset dataset;
  SIMCLR_RETURN_IF_ERROR(ReadImages(images_path, &dataset));
  if (!labels_path.empty()) {
    SIMCLR_RETURN_IF_ERROR(ReadLabels(labels_path, options, &dataset));
  }
  return dataset;
}

}  // namespace simclr::core
