#include "tests/testing/test_dirs.h"

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <vector>

#include "absl/synchronization/mutex.h"

namespace simclr::testing {
namespace {

absl::Mutex mu;
std::vector<std::string>* dirs ABSL_GUARDED_BY(mu) = new std::vector<std::string>();

class TestDirRemover : public ::testing::EmptyTestEventListener {
  void OnTestEnd(const ::testing::TestInfo& info) override {
    std::vector<std::string> made;
    {
      absl::MutexLock lock(&mu);
      made.swap(*dirs);
    }
    const bool keep = std::getenv("SIMCLR_KEEP_TEST_DIRS") != nullptr;
    for (const std::string& dir : made) {
      if (keep) {
        std::cerr << info.test_suite_name() << "." << info.name() << " kept " << dir << "\n";
        continue;
      }
      std::error_code ignored;
      std::filesystem::remove_all(dir, ignored);
    }
  }
};

}  // namespace

std::string RemoveAtTestEnd(std::string path) {
  absl::MutexLock lock(&mu);
  dirs->push_back(path);
  return path;
}

std::unique_ptr<::testing::TestEventListener> NewTestDirRemover() {
  return std::make_unique<TestDirRemover>();
}

}  // namespace simclr::testing
