#include "server/datasets/idx_import.h"

#include <zlib.h>

#include <cerrno>
#include <cstdio>
#include <memory>

#include "absl/strings/str_cat.h"
#include "core/common/io_errors.h"
#include "core/common/status_macros.h"
#include "server/datasets/idx_bytes.h"

namespace simclr::server {
namespace {

constexpr size_t kBuffer = 1 << 20;

struct GzClose {
  void operator()(gzFile_s* f) const { gzclose(f); }
};
// Copies `in` (gzip or plain: zlib reads both) to `out`, handing the
// header (the first `header_bytes`) and every later block to callbacks.
template <typename OnHeader, typename OnBody>
absl::Status Copy(const std::string& name, const std::string& in,
                  const std::string& out, size_t header_bytes, OnHeader on_header,
                  OnBody on_body) {
  std::unique_ptr<gzFile_s, GzClose> source(gzopen(in.c_str(), "rb"));
  std::unique_ptr<FILE, FileClose> sink(std::fopen(out.c_str(), "wb"));
  if (!source || !sink) {
    return absl::InternalError(absl::StrCat(name, ": cannot open for import"));
  }
  gzbuffer(source.get(), 1 << 17);
  std::vector<unsigned char> buffer(kBuffer);
  size_t filled = 0;
  while (filled < header_bytes) {
    const int got = gzread(source.get(), buffer.data() + filled,
                           static_cast<unsigned>(header_bytes - filled));
    if (got <= 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          name, ": not an IDX file (", filled, " bytes, the header needs ",
          header_bytes, ")"));
    }
    filled += static_cast<size_t>(got);
  }
  SIMCLR_RETURN_IF_ERROR(on_header(buffer.data()));
  std::fwrite(buffer.data(), 1, header_bytes, sink.get());
  while (true) {
    const int got = gzread(source.get(), buffer.data(), kBuffer);
    if (got < 0) {
      int code = 0;
      return absl::InvalidArgumentError(
          absl::StrCat(name, ": corrupt gzip data (", gzerror(source.get(), &code), ")"));
    }
    if (got == 0) break;
    on_body(buffer.data(), static_cast<size_t>(got));
    errno = 0;
    if (std::fwrite(buffer.data(), 1, static_cast<size_t>(got), sink.get()) !=
        static_cast<size_t>(got)) {
      return core::WriteError(absl::StrCat(name, ": cannot write the import"), errno);
    }
  }
  errno = 0;
  if (std::fflush(sink.get()) != 0) {
    return core::WriteError(absl::StrCat(name, ": cannot write the import"), errno);
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<IdxImport> ImportIdx(const std::string& images_in,
                                    const std::string& labels_in,
                                    const std::string& dest_dir,
                                    int64_t max_image_pixels) {
  IdxImport result;
  int64_t pixels = 0;
  if (auto status = Copy(
          "images", images_in, dest_dir + "/images.idx", 16,
          [&](const unsigned char* h) -> absl::Status {
            if (ReadBigEndian32(h) != 0x00000803) {
              return absl::InvalidArgumentError(
                  "images: not an IDX image file (magic must be 0x00000803: "
                  "unsigned bytes, 3 dimensions)");
            }
            result.images = ReadBigEndian32(h + 4);
            // Unsigned 32-bit sides: each is checked before the product,
            // which then cannot overflow (found by fuzz_idx_import).
            const int64_t height = ReadBigEndian32(h + 8), width = ReadBigEndian32(h + 12);
            if (result.images == 0 || height == 0 || width == 0) {
              return absl::InvalidArgumentError("images: the IDX header has a zero dimension");
            }
            if (height > max_image_pixels || width > max_image_pixels ||
                height * width > max_image_pixels) {
              return absl::InvalidArgumentError(absl::StrCat(
                  "images: ", height, "x", width, " images exceed --max_image_pixels ",
                  max_image_pixels));
            }
            result.height = static_cast<int32_t>(height);
            result.width = static_cast<int32_t>(width);
            return absl::OkStatus();
          },
          [&](const unsigned char*, size_t n) { pixels += static_cast<int64_t>(n); });
      !status.ok()) {
    return status;
  }
  // < 2^32 images of ≤ 2^30 pixels: < 2^62.
  const int64_t expected = result.images * (int64_t{result.height} * result.width);
  if (pixels != expected) {
    return absl::InvalidArgumentError(absl::StrCat(
        "images: the header says ", result.images, " images of ", result.height, "x",
        result.width, " (", expected, " bytes) but the file has ", pixels));
  }
  result.stored_bytes = 16 + pixels;
  if (labels_in.empty()) return result;

  result.labelled = true;
  int64_t declared = 0, count = 0;
  if (auto status = Copy(
          "labels", labels_in, dest_dir + "/labels.idx", 8,
          [&](const unsigned char* h) -> absl::Status {
            if (ReadBigEndian32(h) != 0x00000801) {
              return absl::InvalidArgumentError(
                  "labels: not an IDX label file (magic must be 0x00000801)");
            }
            declared = ReadBigEndian32(h + 4);
            return absl::OkStatus();
          },
          [&](const unsigned char* data, size_t n) {
            for (size_t i = 0; i < n; ++i) {
              if (data[i] >= result.class_counts.size()) {
                result.class_counts.resize(data[i] + 1, 0);
              }
              ++result.class_counts[data[i]];
            }
            count += static_cast<int64_t>(n);
          });
      !status.ok()) {
    return status;
  }
  if (declared != result.images || count != result.images) {
    return absl::InvalidArgumentError(absl::StrCat(
        "labels: ", count, " labels (header: ", declared, ") for ", result.images,
        " images"));
  }
  result.stored_bytes += 8 + count;
  return result;
}

}  // namespace simclr::server
