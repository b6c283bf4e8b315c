#include "server/datasets/upload_header.h"

#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "core/common/field_error.h"
#include "core/common/lower_hex.h"
#include "core/common/status_macros.h"
#include "core/common/utf8.h"
#include "core/spec/checks.h"

namespace simclr::server {
namespace {

using core::FieldError;

bool IsArchive(v1::DatasetFormat format) {
  return format == v1::DATASET_FORMAT_IMAGE_FOLDER ||
         format == v1::DATASET_FORMAT_UNLABELED_FOLDER;
}

absl::Status CheckFormatAndCounts(const v1::UploadHeader& header) {
  SIMCLR_RETURN_IF_ERROR(core::CheckEnum("header.format", header.format(),
                                         v1::DatasetFormat_IsValid, false));
  const bool idx = header.format() == v1::DATASET_FORMAT_IDX;
  if (!idx && !IsArchive(header.format())) {
    return absl::UnimplementedError(absl::StrCat(
        "header.format: ", v1::DatasetFormat_Name(header.format()),
        " uploads are not supported; IDX, IMAGE_FOLDER and UNLABELED_FOLDER are"));
  }
  if (idx && (header.files_size() < 1 || header.files_size() > 2)) {
    return FieldError("header.files", absl::StrCat("IDX takes 1 or 2 files (images, labels), got ",
                                                   header.files_size()));
  }
  if (!idx && header.files_size() != 1) {
    return FieldError("header.files",
                      absl::StrCat(v1::DatasetFormat_Name(header.format()),
                                   " takes 1 file (a tar or zip archive), got ",
                                   header.files_size()));
  }
  if (!idx && header.class_names_size() > 0) {
    return FieldError("header.class_names", "IDX only: archives name classes by folder");
  }
  SIMCLR_RETURN_IF_ERROR(
      core::CheckCount("header.class_names", header.class_names_size(), 0, kMaxClassNames));
  for (int i = 0; i < header.class_names_size(); ++i) {
    SIMCLR_RETURN_IF_ERROR(
        core::CheckLength(core::Item("header.class_names", i), header.class_names(i), 128));
  }
  return absl::OkStatus();
}

absl::Status CheckFile(const v1::UploadFile& file, int index, bool idx,
                       int64_t max_upload_bytes) {
  const std::string field = core::Item("header.files", index);
  const std::string name_field = core::Sub(field, "name");
  if (idx) {
    const std::string expected = index == 0 ? "images" : "labels";
    if (file.name() != expected) {
      return FieldError(name_field, absl::StrCat("\"", core::SafeText(file.name(), 64),
                                                 "\", IDX expects \"", expected, "\" here"));
    }
  } else {
    SIMCLR_RETURN_IF_ERROR(core::CheckLength(name_field, file.name(), 255));
    if (file.name().empty() || absl::StrContains(file.name(), '/') ||
        absl::StrContains(file.name(), '\0') || file.name() == "." || file.name() == "..") {
      return FieldError(name_field, "must be a file name of 1 to 255 bytes, no '/'");
    }
  }
  // Each size is checked before any sum, so the sum cannot overflow.
  if (file.size_bytes() < 1 || file.size_bytes() > max_upload_bytes) {
    return FieldError(core::Sub(field, "size_bytes"),
                      absl::StrCat(file.size_bytes(), " is outside [1, ", max_upload_bytes,
                                   "] (--max_upload_bytes)"));
  }
  if (file.sha256().size() != 64 || !core::IsLowerHex(file.sha256())) {
    return FieldError(core::Sub(field, "sha256"), "not 64 lower-case hex digits");
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status CheckUploadHeader(const v1::UploadHeader& header, int64_t max_upload_bytes) {
  SIMCLR_RETURN_IF_ERROR(core::CheckLength("header.display_name", header.display_name(), 128));
  SIMCLR_RETURN_IF_ERROR(CheckFormatAndCounts(header));
  // NaN-safe, as every range check of a client's number must be.
  SIMCLR_RETURN_IF_ERROR(core::CheckInterval("header.max_corrupt_fraction",
                                             header.max_corrupt_fraction(), {0, 0.5}));
  SIMCLR_RETURN_IF_ERROR(core::CheckLabels("header.labels", header.labels()));
  int64_t total = 0;
  const bool idx = header.format() == v1::DATASET_FORMAT_IDX;
  for (int i = 0; i < header.files_size(); ++i) {
    SIMCLR_RETURN_IF_ERROR(CheckFile(header.files(i), i, idx, max_upload_bytes));
    total += header.files(i).size_bytes();  // ≤ 2 × max_upload_bytes < 2^63
  }
  if (total > max_upload_bytes) {
    return FieldError("header.files", absl::StrCat(total, " bytes in all exceed --max_upload_bytes ",
                                                   max_upload_bytes));
  }
  return absl::OkStatus();
}

}  // namespace simclr::server
