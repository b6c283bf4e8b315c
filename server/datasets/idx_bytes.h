// The byte-level pieces of writing and checking IDX files on upload: the
// big-endian 32-bit integers of their headers, and a FILE* owner.
#ifndef SIMCLR_SERVER_DATASETS_IDX_BYTES_H_
#define SIMCLR_SERVER_DATASETS_IDX_BYTES_H_

#include <cstdint>
#include <cstdio>

namespace simclr::server {

inline uint32_t ReadBigEndian32(const unsigned char* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
}

inline void WriteBigEndian32(FILE* out, uint32_t value) {
  const unsigned char bytes[4] = {static_cast<unsigned char>(value >> 24),
                                  static_cast<unsigned char>(value >> 16),
                                  static_cast<unsigned char>(value >> 8),
                                  static_cast<unsigned char>(value)};
  std::fwrite(bytes, 1, 4, out);
}

struct FileClose {
  void operator()(FILE* f) const { std::fclose(f); }
};

}  // namespace simclr::server

#endif  // SIMCLR_SERVER_DATASETS_IDX_BYTES_H_
