#include "core/data/image_files_reader.h"

#include <filesystem>
#include <fstream>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "opencv2/imgcodecs.hpp"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace simclr::core {
namespace {

using ::simclr::testing::IsOk;
using ::simclr::testing::StatusIs;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

class ImageFilesReaderTest : public ::testing::Test {
 protected:
  // Writes a solid-colour image; `bgr` in OpenCV's channel order.
  std::string WriteImage(const std::string& relative, int rows, int cols,
                         cv::Scalar bgr, int type = CV_8UC3) {
    const auto path = std::filesystem::path(dir_.path()) / relative;
    std::filesystem::create_directories(path.parent_path());
    EXPECT_TRUE(cv::imwrite(path.string(), cv::Mat(rows, cols, type, bgr)));
    return path.string();
  }
  std::string WriteGarbage(const std::string& relative) {
    const auto path = std::filesystem::path(dir_.path()) / relative;
    std::filesystem::create_directories(path.parent_path());
    std::ofstream(path) << "this is not a png";
    return path.string();
  }
  testing::TempDir dir_;
};

TEST_F(ImageFilesReaderTest, ClassFoldersGiveSortedLabelsAndRgbPixels) {
  WriteImage("root/zebra/a.png", 4, 6, {255, 0, 0});  // blue in BGR
  WriteImage("root/ant/b.png", 4, 6, {0, 0, 255});    // red
  WriteImage("root/ant/c.PNG", 4, 6, {0, 255, 0});    // green
  std::ofstream(dir_.path() + "/root/ant/notes.txt") << "ignored";
  auto dataset = ReadImageFolder(dir_.path() + "/root", {});
  ASSERT_THAT(dataset, IsOk());
  EXPECT_THAT(dataset->class_names, ElementsAre("ant", "zebra"));
  EXPECT_THAT(dataset->labels, ElementsAre(0, 0, 1));
  EXPECT_EQ(dataset->height, 4);
  EXPECT_EQ(dataset->width, 6);
  EXPECT_EQ(dataset->channels, 3);
  const uint8_t* red = dataset->image(0);  // ant/b.png
  EXPECT_THAT(std::vector<int>(red, red + 3), ElementsAre(255, 0, 0));
  const uint8_t* blue = dataset->image(2);  // zebra/a.png
  EXPECT_THAT(std::vector<int>(blue, blue + 3), ElementsAre(0, 0, 255));
}

TEST_F(ImageFilesReaderTest, OtherSizesAreResizedAndChannelsConverted) {
  WriteImage("root/a/1.png", 8, 8, {10}, CV_8UC1);
  WriteImage("root/a/2.jpg", 16, 16, {200, 200, 200});
  auto dataset = ReadImageFolder(dir_.path() + "/root", {});
  ASSERT_THAT(dataset, IsOk());
  EXPECT_EQ(dataset->channels, 1);
  EXPECT_EQ(dataset->height, 8);
  EXPECT_EQ(dataset->size(), 2);
  EXPECT_NEAR(dataset->image(1)[0], 200, 3);  // JPEG is lossy

  ImageFilesOptions rgb;
  rgb.channels = 3;
  auto converted = ReadImageFolder(dir_.path() + "/root", rgb);
  ASSERT_THAT(converted, IsOk());
  EXPECT_EQ(converted->channels, 3);
  EXPECT_EQ(converted->image(0)[2], 10);
}

TEST_F(ImageFilesReaderTest, CorruptImagesFailOrAreSkippedAndCounted) {
  for (int i = 0; i < 9; ++i) {
    WriteImage("root/a/" + std::to_string(i) + ".png", 4, 4, {1, 2, 3});
  }
  const std::string bad = WriteGarbage("root/a/bad.png");
  EXPECT_THAT(ReadImageFolder(dir_.path() + "/root", {}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr(bad), HasSubstr("1 of 10"))));

  ImageFilesOptions tolerant;
  tolerant.max_corrupt_fraction = 0.1;
  auto dataset = ReadImageFolder(dir_.path() + "/root", tolerant);
  ASSERT_THAT(dataset, IsOk());
  EXPECT_EQ(dataset->size(), 9);  // skipped, not zero-filled
  EXPECT_EQ(dataset->labels.size(), 9u);
  EXPECT_EQ(dataset->corrupt_skipped, 1);

  WriteGarbage("root/a/bad2.jpg");
  EXPECT_THAT(
      ReadImageFolder(dir_.path() + "/root", tolerant),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("2 of 11")));
}

TEST_F(ImageFilesReaderTest, BadFoldersAndOptionsAreErrors) {
  EXPECT_THAT(ReadImageFolder(dir_.path() + "/missing", {}),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("missing")));
  std::filesystem::create_directories(dir_.path() + "/flat");
  WriteImage("flat/x.png", 2, 2, {0, 0, 0});
  EXPECT_THAT(ReadImageFolder(dir_.path() + "/flat", {}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("no class folders")));
  std::filesystem::create_directories(dir_.path() + "/empty/a");
  EXPECT_THAT(ReadImageFolder(dir_.path() + "/empty", {}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("no .png, .jpg or .jpeg")));
  ImageFilesOptions bad_channels;
  bad_channels.channels = 2;
  EXPECT_THAT(
      ReadImageFolder(dir_.path() + "/flat", bad_channels),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("channels")));
}

TEST_F(ImageFilesReaderTest, UnlabelledFolderReadsRecursively) {
  WriteImage("u/a.png", 3, 3, {0, 0, 0});
  WriteImage("u/deep/er/b.jpg", 3, 3, {0, 0, 0});
  auto dataset = ReadUnlabeledFolder(dir_.path() + "/u", {});
  ASSERT_THAT(dataset, IsOk());
  EXPECT_EQ(dataset->size(), 2);
  EXPECT_FALSE(dataset->labelled());
}

TEST_F(ImageFilesReaderTest, CsvManifestWithNamesOrIntegers) {
  WriteImage("m/img/a.png", 2, 2, {0, 0, 0});
  WriteImage("m/img/b, with comma.png", 2, 2, {0, 0, 0});
  std::ofstream(dir_.path() + "/m/manifest.csv")
      << "path,label\nimg/a.png,shirt\nimg/b, with comma.png,boot\n";
  auto named = ReadCsvManifest(dir_.path() + "/m/manifest.csv", {});
  ASSERT_THAT(named, IsOk());
  EXPECT_THAT(named->class_names, ElementsAre("boot", "shirt"));
  EXPECT_THAT(named->labels, ElementsAre(1, 0));

  std::ofstream(dir_.path() + "/m/numbers.csv")
      << "path,label\nimg/a.png,3\nimg/a.png,0\n";
  auto numbered = ReadCsvManifest(dir_.path() + "/m/numbers.csv", {});
  ASSERT_THAT(numbered, IsOk());
  EXPECT_EQ(numbered->num_classes(), 4);
  EXPECT_THAT(numbered->labels, ElementsAre(3, 0));
}

TEST_F(ImageFilesReaderTest, MalformedManifestsNameTheLine) {
  WriteImage("m/a.png", 2, 2, {0, 0, 0});
  const std::string csv = dir_.path() + "/m/manifest.csv";
  struct Case {
    const char* text;
    const char* message;
  };
  const Case cases[] = {
      {"file,class\na.png,1\n", "manifest.csv:1: expected the header"},
      {"path,label\na.png\n", "manifest.csv:2: expected \"path,label\""},
      {"path,label\na.png,1\n,2\n", "manifest.csv:3"},
      {"path,label\n../a.png,1\n", "must be relative"},
      {"path,label\n/etc/passwd,1\n", "must be relative"},
      {"path,label\nmissing.png,1\n", "missing.png"},
  };
  for (const auto& c : cases) {
    std::ofstream(csv) << c.text;
    EXPECT_THAT(
        ReadCsvManifest(csv, {}),
        StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(c.message)))
        << c.text;
  }
}

}  // namespace
}  // namespace simclr::core
