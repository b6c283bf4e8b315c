// Folders a test made for itself, removed when the test ends (passed or
// failed) by the listener test_main installs, unless SIMCLR_KEEP_TEST_DIRS
// is set (then the path of each kept folder is printed).
#ifndef SIMCLR_TESTS_TESTING_TEST_DIRS_H_
#define SIMCLR_TESTS_TESTING_TEST_DIRS_H_

#include <memory>
#include <string>

#include "gtest/gtest.h"

namespace simclr::testing {

// Remembers `path` for removal at the end of the current test; returns it.
std::string RemoveAtTestEnd(std::string path);

// The listener that removes them; test_main appends it.
std::unique_ptr<::testing::TestEventListener> NewTestDirRemover();

}  // namespace simclr::testing

#endif  // SIMCLR_TESTS_TESTING_TEST_DIRS_H_
