// Fuzz inputs that the code under test reads from files: a private folder
// per process (in /dev/shm when it exists, so it costs no disk).
#ifndef SIMCLR_FUZZ_FUZZ_TEMP_FILE_H_
#define SIMCLR_FUZZ_FUZZ_TEMP_FILE_H_

#include <cstddef>
#include <cstdint>
#include <string>

namespace simclr::fuzz {

// This process's folder, made on first use.
const std::string& FuzzFolder();
// Writes `data` to FuzzFolder()/name and returns the path.
std::string WriteFuzzFile(const std::string& name, const uint8_t* data, size_t size);
// Empties FuzzFolder()/name (a folder), creating it.
std::string FreshFuzzSubfolder(const std::string& name);

}  // namespace simclr::fuzz

#endif  // SIMCLR_FUZZ_FUZZ_TEMP_FILE_H_
