#include "core/data/image_header.h"

#include <string>
#include <vector>

#include "core/data/encoded_image.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "opencv2/imgcodecs.hpp"
#include "tests/testing/status_matchers.h"

namespace simclr::core {
namespace {

using ::simclr::testing::StatusIs;
using ::testing::HasSubstr;

std::string Encode(const char* extension, int width, int height, int type = CV_8UC3) {
  cv::Mat image(height, width, type, cv::Scalar(10, 200, 30));
  std::vector<uint8_t> bytes;
  EXPECT_TRUE(cv::imencode(extension, image, bytes));
  return {bytes.begin(), bytes.end()};
}

HeaderScan Scan(const std::string& bytes, ImageHeader* header) {
  return ScanImageHeader(bytes, header);
}

TEST(ImageHeaderTest, ReadsPngAndJpegSizes) {
  ImageHeader header;
  ASSERT_EQ(Scan(Encode(".png", 31, 17), &header), HeaderScan::kFound);
  EXPECT_EQ(header.format, ImageFormat::kPng);
  EXPECT_EQ(header.width, 31);
  EXPECT_EQ(header.height, 17);
  ASSERT_EQ(Scan(Encode(".jpg", 40, 9), &header), HeaderScan::kFound);
  EXPECT_EQ(header.format, ImageFormat::kJpeg);
  EXPECT_EQ(header.width, 40);
  EXPECT_EQ(header.height, 9);
}

TEST(ImageHeaderTest, AskForMoreUntilTheHeaderIsIn) {
  const std::string jpeg = Encode(".jpg", 8, 8);
  ImageHeader header;
  EXPECT_EQ(Scan("", &header), HeaderScan::kNeedMore);
  EXPECT_EQ(Scan(jpeg.substr(0, 1), &header), HeaderScan::kNeedMore);
  EXPECT_EQ(Scan(jpeg.substr(0, 10), &header), HeaderScan::kNeedMore);
  EXPECT_EQ(Scan(Encode(".png", 8, 8).substr(0, 20), &header), HeaderScan::kNeedMore);
}

TEST(ImageHeaderTest, RefusesEveryOtherFormatByItsSignature) {
  ImageHeader header;
  for (const char* extension : {".bmp", ".tiff", ".ppm", ".ras", ".webp"}) {
    EXPECT_EQ(Scan(Encode(extension, 8, 8), &header), HeaderScan::kNotAnImage) << extension;
  }
  EXPECT_EQ(Scan("GIF89a", &header), HeaderScan::kNotAnImage);
  EXPECT_EQ(Scan("RIFF\x10\0\0\0WEBPVP8 ", &header), HeaderScan::kNotAnImage);
}

TEST(ImageHeaderTest, RefusesMalformedHeaders) {
  ImageHeader header;
  std::string png = Encode(".png", 8, 8);
  png[12] = 'X';  // the first chunk is not IHDR
  EXPECT_EQ(Scan(png, &header), HeaderScan::kNotAnImage);
  png = Encode(".png", 8, 8);
  png.replace(16, 4, std::string(4, '\0'));  // width 0
  EXPECT_EQ(Scan(png, &header), HeaderScan::kNotAnImage);
  // SOI then scan data before any frame header.
  EXPECT_EQ(Scan(std::string("\xFF\xD8\xFF\xDA\x00\x08", 6), &header), HeaderScan::kNotAnImage);
  // SOI, APP0 of length 1 (less than its own length field).
  EXPECT_EQ(Scan(std::string("\xFF\xD8\xFF\xE0\x00\x01", 6), &header), HeaderScan::kNotAnImage);
  // A baseline frame of height 0 (DNL).
  EXPECT_EQ(Scan(std::string("\xFF\xD8\xFF\xC0\x00\x0B\x08\x00\x00\x00\x10\x01\x01\x11\x00", 15),
                 &header),
            HeaderScan::kNotAnImage);
}

TEST(ImageHeaderTest, FindsTheFrameAfterMetadataSegments) {
  const std::string jpeg = Encode(".jpg", 12, 5);
  // An APP1 segment of 3000 bytes spliced in after SOI.
  std::string app1 = "\xFF\xE1";
  app1 += static_cast<char>(3000 >> 8);
  app1 += static_cast<char>(3000 & 0xFF);
  app1 += std::string(2998, 'x');
  const std::string with_exif = jpeg.substr(0, 2) + app1 + jpeg.substr(2);
  ImageHeader header;
  EXPECT_EQ(Scan(with_exif.substr(0, 2000), &header), HeaderScan::kNeedMore);
  ASSERT_EQ(Scan(with_exif, &header), HeaderScan::kFound);
  EXPECT_EQ(header.width, 12);
  EXPECT_EQ(header.height, 5);
}

TEST(DecodeImageTest, KnowsThePixelLimitBeforeDecoding) {
  // A PNG header declaring 100000 x 100000 (10^10 pixels) and nothing more:
  // refused from the header alone.
  std::string png = Encode(".png", 8, 8);
  const unsigned char side[4] = {0x00, 0x01, 0x86, 0xA0};  // 100000
  png.replace(16, 4, reinterpret_cast<const char*>(side), 4);
  png.replace(20, 4, reinterpret_cast<const char*>(side), 4);
  EXPECT_THAT(DecodeImage(png, 1 << 24),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("100000x100000 pixels exceed the limit of 16777216")));
  EXPECT_THAT(DecodeImage(Encode(".bmp", 8, 8), 1 << 24),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("not a PNG or JPEG")));
  auto decoded = DecodeImage(Encode(".png", 6, 4), 1 << 24, 1);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(decoded->channels, 1);
  EXPECT_EQ(decoded->pixels.size(), 24u);
}

}  // namespace
}  // namespace simclr::core
