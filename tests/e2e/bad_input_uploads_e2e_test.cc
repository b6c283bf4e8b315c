// The bad-input catalogue, uploads: headers, chunks, IDX files and archives
// (tests/e2e/bad_input_catalogue.h). Every case must get its code and
// leave the server serving and empty.
#include <cmath>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "core/common/sha256.h"
#include "tests/e2e/bad_input_catalogue.h"
#include "tests/testing/subprocess.h"

namespace simclr::testing {
namespace {

using Code = grpc::StatusCode;
using Request = v1::UploadDatasetRequest;

std::string IdxImages(uint32_t n, uint32_t h, uint32_t w, size_t pixels) {
  return BigEndian(0x803) + BigEndian(n) + BigEndian(h) + BigEndian(w) + std::string(pixels, 'x');
}

std::string IdxLabels(uint32_t n, const std::string& labels) {
  return BigEndian(0x801) + BigEndian(n) + labels;
}

void AddFile(v1::UploadHeader& header, const std::string& name, const std::string& bytes) {
  v1::UploadFile* file = header.add_files();
  file->set_name(name);
  file->set_size_bytes(static_cast<int64_t>(bytes.size()));
  file->set_sha256(core::Sha256OfBytes(bytes));
}

v1::UploadHeader IdxHeader(const std::string& images, const std::string& labels = "") {
  v1::UploadHeader header;
  header.set_format(v1::DATASET_FORMAT_IDX);
  AddFile(header, "images", images);
  if (!labels.empty()) AddFile(header, "labels", labels);
  return header;
}

Request HeaderMessage(const v1::UploadHeader& header) {
  Request request;
  *request.mutable_header() = header;
  return request;
}

Request Chunk(int file, int64_t offset, const std::string& data) {
  Request request;
  request.mutable_chunk()->set_file_index(file);
  request.mutable_chunk()->set_offset(offset);
  request.mutable_chunk()->set_data(data);
  return request;
}

// The header, then each file in one chunk.
std::vector<Request> Whole(const v1::UploadHeader& header, const std::vector<std::string>& files) {
  std::vector<Request> messages = {HeaderMessage(header)};
  for (size_t i = 0; i < files.size(); ++i) {
    messages.push_back(Chunk(static_cast<int>(i), 0, files[i]));
  }
  return messages;
}

std::string Read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), {});
}

class BadUploads : public BadInputCatalogue {
 public:
  void SetUp() override {
    StartServer({"--max_upload_bytes=40000000", "--max_image_pixels=1000000"});
    archives_ = work_dir_ + "/archives";
    std::filesystem::create_directories(archives_);
    ASSERT_TRUE(RunScript({"/usr/bin/python3", SourceDir() + "/tests/e2e/make_hostile_archives.py",
                           archives_}));
  }

  // A header edited by `edit` from a valid IDX one.
  BadInput Header(const std::string& name, std::function<void(v1::UploadHeader&)> edit,
                  Code code, const std::string& text) {
    return {"upload header", name,
            [this, edit] {
              const std::string images = IdxImages(2, 2, 2, 8);
              v1::UploadHeader header = IdxHeader(images);
              edit(header);
              return Upload(Whole(header, {images}));
            },
            code, text};
  }

  BadInput Messages(const std::string& area, const std::string& name,
                    std::function<std::vector<Request>()> messages, Code code,
                    const std::string& text) {
    return {area, name, [this, messages] { return Upload(messages()); }, code, text};
  }

  BadInput Idx(const std::string& name, const std::string& images, const std::string& labels,
               const std::string& text, Code code = Code::INVALID_ARGUMENT) {
    return Messages("idx content", name, [=] {
      std::vector<std::string> files = {images};
      if (!labels.empty()) files.push_back(labels);
      return Whole(IdxHeader(images, labels), files);
    }, code, text);
  }

  BadInput Archive(const std::string& file, const std::string& text,
                   v1::DatasetFormat format = v1::DATASET_FORMAT_IMAGE_FOLDER) {
    return Messages("archives", file, [=] {
      const std::string bytes = Read(archives_ + "/" + file);
      v1::UploadHeader header;
      header.set_format(format);
      AddFile(header, file, bytes);
      return Whole(header, {bytes});
    }, Code::INVALID_ARGUMENT, text);
  }

  std::string archives_;
};

std::vector<BadInput> HeaderCases(BadUploads& t) {
  using H = v1::UploadHeader;
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  return {
      t.Header("display_name 129 bytes", [](H& h) { h.set_display_name(std::string(129, 'n')); },
               Code::INVALID_ARGUMENT, "header.display_name: 129 bytes"),
      t.Header("format unset", [](H& h) { h.set_format(v1::DATASET_FORMAT_UNSPECIFIED); },
               Code::INVALID_ARGUMENT, "header.format: required"),
      t.Header("format 99", [](H& h) { h.set_format(static_cast<v1::DatasetFormat>(99)); },
               Code::INVALID_ARGUMENT, "header.format: 99 is not a known value"),
      t.Header("format CSV", [](H& h) { h.set_format(v1::DATASET_FORMAT_CSV_MANIFEST); },
               Code::UNIMPLEMENTED, "CSV_MANIFEST"),
      t.Header("no files", [](H& h) { h.clear_files(); }, Code::INVALID_ARGUMENT,
               "header.files: IDX takes 1 or 2 files"),
      t.Header("three files", [](H& h) { *h.add_files() = h.files(0); *h.add_files() = h.files(0); },
               Code::INVALID_ARGUMENT, "header.files"),
      t.Header("IDX file misnamed", [](H& h) { h.mutable_files(0)->set_name("pixels"); },
               Code::INVALID_ARGUMENT, "header.files[0].name"),
      t.Header("size 0", [](H& h) { h.mutable_files(0)->set_size_bytes(0); },
               Code::INVALID_ARGUMENT, "header.files[0].size_bytes"),
      t.Header("size -1", [](H& h) { h.mutable_files(0)->set_size_bytes(-1); },
               Code::INVALID_ARGUMENT, "header.files[0].size_bytes"),
      t.Header("size INT64_MAX", [](H& h) { h.mutable_files(0)->set_size_bytes(INT64_MAX); },
               Code::INVALID_ARGUMENT, "--max_upload_bytes"),
      t.Header("two sizes summing past INT64_MAX",
               [](H& h) {
                 *h.add_files() = h.files(0);
                 h.mutable_files(1)->set_name("labels");
                 h.mutable_files(0)->set_size_bytes(INT64_MAX / 2 + 2);
                 h.mutable_files(1)->set_size_bytes(INT64_MAX / 2 + 2);
               },
               Code::INVALID_ARGUMENT, "size_bytes"),
      t.Header("two sizes each fine, sum too large",
               [](H& h) {
                 *h.add_files() = h.files(0);
                 h.mutable_files(1)->set_name("labels");
                 h.mutable_files(0)->set_size_bytes(30000000);
                 h.mutable_files(1)->set_size_bytes(30000000);
               },
               Code::INVALID_ARGUMENT, "60000000 bytes in all exceed --max_upload_bytes"),
      t.Header("sha256 upper case",
               [](H& h) {
                 std::string sha = h.files(0).sha256();
                 for (char& c : sha) c = static_cast<char>(std::toupper(c));
                 h.mutable_files(0)->set_sha256(sha);
               },
               Code::INVALID_ARGUMENT, "header.files[0].sha256"),
      t.Header("sha256 short", [](H& h) { h.mutable_files(0)->set_sha256("abc"); },
               Code::INVALID_ARGUMENT, "header.files[0].sha256"),
      t.Header("max_corrupt_fraction NaN", [=](H& h) { h.set_max_corrupt_fraction(nan); },
               Code::INVALID_ARGUMENT, "header.max_corrupt_fraction"),
      t.Header("max_corrupt_fraction inf", [=](H& h) { h.set_max_corrupt_fraction(inf); },
               Code::INVALID_ARGUMENT, "header.max_corrupt_fraction"),
      t.Header("max_corrupt_fraction -0.1", [](H& h) { h.set_max_corrupt_fraction(-0.1); },
               Code::INVALID_ARGUMENT, "header.max_corrupt_fraction"),
      t.Header("33 labels",
               [](H& h) {
                 for (int i = 0; i < 33; ++i) (*h.mutable_labels())["k" + std::to_string(i)] = "v";
               },
               Code::INVALID_ARGUMENT, "header.labels: 33 entries"),
      t.Header("label key upper case", [](H& h) { (*h.mutable_labels())["Team"] = "v"; },
               Code::INVALID_ARGUMENT, "header.labels: key \"Team\""),
      t.Header("label value 257 bytes",
               [](H& h) { (*h.mutable_labels())["team"] = std::string(257, 'v'); },
               Code::INVALID_ARGUMENT, "header.labels[team]: 257 bytes"),
      t.Header("257 class names",
               [](H& h) {
                 for (int i = 0; i < 257; ++i) h.add_class_names("c");
               },
               Code::INVALID_ARGUMENT, "header.class_names: 257 values"),
      t.Header("class name 129 bytes", [](H& h) { h.add_class_names(std::string(129, 'c')); },
               Code::INVALID_ARGUMENT, "header.class_names[0]: 129 bytes"),
      t.Header("class names for an archive",
               [](H& h) {
                 h.set_format(v1::DATASET_FORMAT_IMAGE_FOLDER);
                 h.mutable_files(0)->set_name("a.tar");
                 h.add_class_names("cats");
               },
               Code::INVALID_ARGUMENT, "header.class_names: IDX only"),
      t.Header("archive name with '/'",
               [](H& h) {
                 h.set_format(v1::DATASET_FORMAT_IMAGE_FOLDER);
                 h.mutable_files(0)->set_name("../a.tar");
               },
               Code::INVALID_ARGUMENT, "header.files[0].name"),
      t.Header("archive name \"..\"",
               [](H& h) {
                 h.set_format(v1::DATASET_FORMAT_UNLABELED_FOLDER);
                 h.mutable_files(0)->set_name("..");
               },
               Code::INVALID_ARGUMENT, "header.files[0].name"),
      t.Header("archive name 256 bytes",
               [](H& h) {
                 h.set_format(v1::DATASET_FORMAT_UNLABELED_FOLDER);
                 h.mutable_files(0)->set_name(std::string(256, 'a'));
               },
               Code::INVALID_ARGUMENT, "header.files[0].name: 256 bytes"),
      // The client library serializes it; simclrd cannot parse the message,
      // so the stream has no header.
      t.Header("display_name not UTF-8", [](H& h) { h.set_display_name("caf\xE9"); },
               Code::INVALID_ARGUMENT, "header"),
  };
}

std::vector<BadInput> ChunkCases(BadUploads& t) {
  const std::string images = IdxImages(2, 2, 2, 8);
  const v1::UploadHeader header = IdxHeader(images);
  const auto with = [=](std::vector<Request> chunks) {
    chunks.insert(chunks.begin(), HeaderMessage(header));
    return chunks;
  };
  const std::string area = "upload chunks";
  return {
      t.Messages(area, "no messages", [] { return std::vector<Request>{}; },
                 Code::INVALID_ARGUMENT, "must be its header"),
      t.Messages(area, "chunk first", [=] { return std::vector<Request>{Chunk(0, 0, images)}; },
                 Code::INVALID_ARGUMENT, "must be its header"),
      t.Messages(area, "header twice", [=] { return with({HeaderMessage(header)}); },
                 Code::INVALID_ARGUMENT, "only the first message"),
      t.Messages(area, "file_index -1", [=] { return with({Chunk(-1, 0, images)}); },
                 Code::INVALID_ARGUMENT, "chunk.file_index: -1"),
      t.Messages(area, "file_index 7", [=] { return with({Chunk(7, 0, images)}); },
                 Code::INVALID_ARGUMENT, "chunk.file_index: 7"),
      t.Messages(area, "offset ahead", [=] { return with({Chunk(0, 4, images)}); },
                 Code::INVALID_ARGUMENT, "offset 4, expected 0"),
      t.Messages(area, "offset negative", [=] { return with({Chunk(0, -8, images)}); },
                 Code::INVALID_ARGUMENT, "offset -8"),
      t.Messages(area, "empty chunk", [=] { return with({Chunk(0, 0, "")}); },
                 Code::INVALID_ARGUMENT, "chunks must be 1 byte to 1 MiB"),
      t.Messages(area, "chunk over 1 MiB",
                 [=] {
                   const std::string big = IdxImages(1, 1000, 1049, 1049000);
                   return std::vector<Request>{HeaderMessage(IdxHeader(big)), Chunk(0, 0, big)};
                 },
                 Code::INVALID_ARGUMENT, "chunks must be 1 byte to 1 MiB"),
      t.Messages(area, "past the declared size",
                 [=] { return with({Chunk(0, 0, images), Chunk(0, 24, "x")}); },
                 Code::INVALID_ARGUMENT, "goes past the declared"),
      t.Messages(area, "incomplete", [=] { return with({Chunk(0, 0, images.substr(0, 10))}); },
                 Code::INVALID_ARGUMENT, "upload incomplete"),
      t.Messages(area, "checksum mismatch",
                 [=] {
                   std::string other = images;
                   other[20] = 'y';
                   return with({Chunk(0, 0, other)});
                 },
                 Code::DATA_LOSS, "SHA-256"),
  };
}

std::vector<BadInput> IdxCases(BadUploads& t) {
  const std::string good = IdxImages(3, 2, 2, 12);
  return {
      t.Idx("bad magic", BigEndian(0x802) + good.substr(4), "", "not an IDX image file"),
      t.Idx("short header", good.substr(0, 10), "", "not an IDX file"),
      t.Idx("zero images", IdxImages(0, 2, 2, 0) + "x", "", "zero dimension"),
      t.Idx("count larger than the file", IdxImages(5, 2, 2, 12), "", "the header says 5 images"),
      t.Idx("sides 2^32-1", IdxImages(1, 0xFFFFFFFFu, 0xFFFFFFFFu, 8), "", "exceed --max_image_pixels"),
      t.Idx("sides past 2^31", IdxImages(1, 0x92929292u, 0x92929292u, 8), "", "exceed --max_image_pixels"),
      t.Idx("pixel limit", IdxImages(1, 1001, 1000, 8), "", "exceed --max_image_pixels"),
      t.Idx("labels bad magic", good, BigEndian(0x803) + BigEndian(3) + "abc", "not an IDX label file"),
      t.Idx("labels fewer", good, IdxLabels(2, std::string("\x00\x01", 2)), "labels: 2 labels"),
      t.Idx("labels header lies", good, IdxLabels(9, std::string("\x00\x01\x02", 3)), "header: 9"),
      t.Idx("gzip garbage", std::string("\x1f\x8b\x08\x00garbage-after-a-gzip-magic", 30), "",
            "images"),
      t.Messages("idx content", "class_names fewer than labels",
                 [=] {
                   const std::string labels = IdxLabels(3, std::string("\x00\x01\x02", 3));
                   v1::UploadHeader header = IdxHeader(good, labels);
                   header.add_class_names("only-one");
                   return Whole(header, {good, labels});
                 },
                 Code::INVALID_ARGUMENT, "header.class_names: 1 names for 3 classes"),
  };
}

std::vector<BadInput> ArchiveCases(BadUploads& t) {
  return {
      t.Archive("hardlink.tar", "hard links are refused"),
      t.Archive("lying_size.zip", "\"a/zeros.png\": not a decodable image"),
      t.Archive("bmp_as_png.tar", "\"a/big.png\": not a decodable image"),
      t.Archive("huge_header.tar", "\"a/huge.png\": 100000x100000 exceeds --max_image_pixels"),
      t.Archive("latin1_class.tar", "caf\\xE9/0.png\": a class folder name must be UTF-8"),
      t.Archive("long_class.tar", "a class folder name must be UTF-8 of at most 128 bytes"),
      t.Archive("many_classes.tar", "more than 256 class folders"),
      t.Archive("no_images.tar", "no .png, .jpg or .jpeg images"),
      t.Archive("not_an_archive.tar", "archive"),
      t.Archive("not_an_archive.tar", "archive", v1::DATASET_FORMAT_UNLABELED_FOLDER),
  };
}

TEST_F(BadUploads, EveryBadUploadIsRefusedWithItsCodeAndLeavesNothing) {
  std::vector<BadInput> cases;
  for (auto part : {HeaderCases(*this), ChunkCases(*this), IdxCases(*this), ArchiveCases(*this)}) {
    cases.insert(cases.end(), part.begin(), part.end());
  }
  RunCatalogue(cases);
  EXPECT_GE(cases.size(), 50u);
}

}  // namespace
}  // namespace simclr::testing
