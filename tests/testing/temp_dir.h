// A fresh temporary directory per test, removed when it goes out of scope.
#ifndef SIMCLR_TESTS_TESTING_TEMP_DIR_H_
#define SIMCLR_TESTS_TESTING_TEMP_DIR_H_

#include <unistd.h>

#include <filesystem>
#include <string>

#include "gtest/gtest.h"

namespace simclr::testing {

class TempDir {
 public:
  TempDir() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    path_ = (std::filesystem::temp_directory_path() /
             ("simclr-" + std::to_string(getpid()) + "-" +
              (info ? std::string(info->test_suite_name()) + "-" + info->name()
                    : "global")))
                .string();
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace simclr::testing

#endif  // SIMCLR_TESTS_TESTING_TEMP_DIR_H_
