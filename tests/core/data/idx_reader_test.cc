#include "core/data/idx_reader.h"

#include <zlib.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace simclr::core {
namespace {

using ::simclr::testing::IsOk;
using ::simclr::testing::StatusIs;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr char kFashionMnist[] = "/usr/share/datasets/fashion-mnist/";

std::string BigEndian(uint32_t value) {
  return {static_cast<char>(value >> 24), static_cast<char>(value >> 16),
          static_cast<char>(value >> 8), static_cast<char>(value)};
}

std::string ImagesFile(uint32_t n, uint32_t h, uint32_t w) {
  std::string bytes =
      BigEndian(0x00000803) + BigEndian(n) + BigEndian(h) + BigEndian(w);
  for (uint32_t i = 0; i < n * h * w; ++i)
    bytes.push_back(static_cast<char>(i));
  return bytes;
}

std::string LabelsFile(const std::vector<uint8_t>& labels) {
  std::string bytes = BigEndian(0x00000801) + BigEndian(labels.size());
  bytes.append(labels.begin(), labels.end());
  return bytes;
}

void WritePlain(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

void WriteGzip(const std::string& path, const std::string& bytes) {
  gzFile file = gzopen(path.c_str(), "wb");
  ASSERT_NE(file, nullptr);
  ASSERT_EQ(gzwrite(file, bytes.data(), bytes.size()),
            static_cast<int>(bytes.size()));
  gzclose(file);
}

class IdxReaderTest : public ::testing::Test {
 protected:
  std::string Path(const std::string& name) { return dir_.path() + "/" + name; }
  testing::TempDir dir_;
};

TEST_F(IdxReaderTest, ReadsPlainAndGzippedFilesAlike) {
  WritePlain(Path("images"), ImagesFile(3, 2, 4));
  WritePlain(Path("labels"), LabelsFile({2, 0, 1}));
  WriteGzip(Path("images.gz"), ImagesFile(3, 2, 4));
  WriteGzip(Path("labels.gz"), LabelsFile({2, 0, 1}));
  for (const auto& suffix : {"", ".gz"}) {
    auto dataset = ReadIdxDataset(Path(std::string("images") + suffix),
                                  Path(std::string("labels") + suffix));
    ASSERT_THAT(dataset, IsOk());
    EXPECT_EQ(dataset->size(), 3);
    EXPECT_EQ(dataset->height, 2);
    EXPECT_EQ(dataset->width, 4);
    EXPECT_EQ(dataset->channels, 1);
    EXPECT_EQ(dataset->image(2)[0], 16);  // third image starts at byte 16
    EXPECT_THAT(dataset->labels, ElementsAre(2, 0, 1));
    EXPECT_THAT(dataset->class_names, ElementsAre("0", "1", "2"));
  }
}

TEST_F(IdxReaderTest, ImagesWithoutLabelsAreUnlabelled) {
  WritePlain(Path("images"), ImagesFile(2, 3, 3));
  auto dataset = ReadIdxDataset(Path("images"), "");
  ASSERT_THAT(dataset, IsOk());
  EXPECT_FALSE(dataset->labelled());
  EXPECT_EQ(dataset->num_classes(), 0);
}

TEST_F(IdxReaderTest, DeclaredClassNamesBoundTheLabels) {
  WritePlain(Path("images"), ImagesFile(3, 2, 2));
  WritePlain(Path("labels"), LabelsFile({0, 1, 3}));
  IdxReadOptions options;
  options.class_names = {"a", "b", "c"};
  EXPECT_THAT(ReadIdxDataset(Path("images"), Path("labels"), options),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr(Path("labels")), HasSubstr("label 3"),
                             HasSubstr("byte offset 10"))));
  options.class_names.push_back("d");
  auto dataset = ReadIdxDataset(Path("images"), Path("labels"), options);
  ASSERT_THAT(dataset, IsOk());
  EXPECT_THAT(dataset->class_names, ElementsAre("a", "b", "c", "d"));
}

TEST_F(IdxReaderTest, MalformedFilesNameTheFileAndOffset) {
  const std::string good = ImagesFile(4, 3, 3);
  struct Case {
    const char* name;
    std::string bytes;
    const char* message;
  };
  const Case cases[] = {
      {"empty", "", "truncated at byte offset 0"},
      {"bad_magic", BigEndian(0x00000903) + good.substr(4),
       "bad magic number"},
      {"labels_magic", BigEndian(0x00000801) + good.substr(4), "bad magic"},
      {"zero_images", ImagesFile(0, 3, 3), "image count 0"},
      {"zero_side",
       BigEndian(0x00000803) + BigEndian(1) + BigEndian(0) + BigEndian(3),
       "image side 0 at byte offset 8"},
      {"huge_side",
       BigEndian(0x00000803) + BigEndian(1) + BigEndian(5000) + BigEndian(3),
       "image side 5000"},
      {"truncated_header", good.substr(0, 10), "truncated at byte offset 10"},
      {"truncated_pixels", good.substr(0, good.size() - 5),
       "truncated at byte offset 47"},
      {"trailing_bytes", good + "xx", "unexpected data after byte offset 52"},
      {"two_channels",
       BigEndian(0x00000804) + BigEndian(1) + BigEndian(2) + BigEndian(2) +
           BigEndian(2) + std::string(8, 'x'),
       "2 channels"},
  };
  for (const auto& c : cases) {
    WritePlain(Path(c.name), c.bytes);
    EXPECT_THAT(ReadIdxDataset(Path(c.name), ""),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         AllOf(HasSubstr(Path(c.name)), HasSubstr(c.message))))
        << c.name;
  }
}

TEST_F(IdxReaderTest, CorruptGzipStreamIsAnError) {
  WriteGzip(Path("images.gz"), ImagesFile(50, 10, 10));
  std::string bytes;
  {
    std::ifstream in(Path("images.gz"), std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  for (size_t i = 20; i < bytes.size() - 8; ++i) bytes[i] ^= 0x5a;
  WritePlain(Path("images.gz"), bytes);
  EXPECT_THAT(ReadIdxDataset(Path("images.gz"), ""),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr(Path("images.gz"))));
}

TEST_F(IdxReaderTest, LabelCountMustMatchImageCount) {
  WritePlain(Path("images"), ImagesFile(3, 2, 2));
  WritePlain(Path("labels"), LabelsFile({0, 1}));
  EXPECT_THAT(ReadIdxDataset(Path("images"), Path("labels")),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("2 labels at byte offset 4, but the image "
                                 "file has 3 images")));
}

TEST_F(IdxReaderTest, MissingFileIsNotFound) {
  EXPECT_THAT(ReadIdxDataset(Path("nope"), ""),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr(Path("nope"))));
}

TEST(IdxReaderFashionMnistTest, ReadsTheRealTestSet) {
  auto dataset =
      ReadIdxDataset(std::string(kFashionMnist) + "t10k-images-idx3-ubyte.gz",
                     std::string(kFashionMnist) + "t10k-labels-idx1-ubyte.gz");
  ASSERT_THAT(dataset, IsOk());
  EXPECT_EQ(dataset->size(), 10000);
  EXPECT_EQ(dataset->height, 28);
  EXPECT_EQ(dataset->width, 28);
  EXPECT_EQ(dataset->num_classes(), 10);
  // The Fashion-MNIST test set holds exactly 1000 images of each class.
  EXPECT_THAT(ClassCounts(*dataset), ::testing::Each(1000));
  // Real images, not zeros: the mean pixel is about 73 of 255.
  double sum = 0;
  for (const uint8_t pixel : dataset->pixels) sum += pixel;
  EXPECT_NEAR(sum / static_cast<double>(dataset->pixels.size()), 73, 3);
}

}  // namespace
}  // namespace simclr::core
