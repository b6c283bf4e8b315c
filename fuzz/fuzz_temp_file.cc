#include "fuzz/fuzz_temp_file.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "glog/logging.h"
#include "google/protobuf/stubs/logging.h"

// Every target: the code's own warnings (glog) and protobuf's complaints
// about bad UTF-8 are expected here, and printing them costs most of the
// time of a run.
extern "C" int LLVMFuzzerInitialize(int*, char***) {
  FLAGS_minloglevel = google::GLOG_FATAL;
  google::protobuf::SetLogHandler(nullptr);
  return 0;
}

namespace simclr::fuzz {

const std::string& FuzzFolder() {
  static const std::string* folder = [] {
    const char* root = std::filesystem::exists("/dev/shm") ? "/dev/shm" : "/tmp";
    auto* path = new std::string(std::string(root) + "/simclr-fuzz-" + std::to_string(getpid()));
    std::filesystem::create_directories(*path);
    // Removed at exit, also when libFuzzer stops on a crash (it calls exit).
    std::atexit([] { std::filesystem::remove_all(FuzzFolder()); });
    return path;
  }();
  return *folder;
}

std::string WriteFuzzFile(const std::string& name, const uint8_t* data, size_t size) {
  const std::string path = FuzzFolder() + "/" + name;
  FILE* file = std::fopen(path.c_str(), "wb");
  if (file == nullptr) std::abort();
  if (size > 0) std::fwrite(data, 1, size, file);
  std::fclose(file);
  return path;
}

std::string FreshFuzzSubfolder(const std::string& name) {
  const std::string path = FuzzFolder() + "/" + name;
  std::filesystem::remove_all(path);
  std::filesystem::create_directories(path);
  return path;
}

}  // namespace simclr::fuzz
