// The random source of the augmentations.
//
// Each view gets its own generator, seeded from (job seed, epoch, image
// index, view) by SplitMix64 mixing, so results are identical for a given
// seed whatever the number of loader threads or the order they run in.
#ifndef SIMCLR_CORE_AUGMENT_AUGMENT_RNG_H_
#define SIMCLR_CORE_AUGMENT_AUGMENT_RNG_H_

#include <cstdint>
#include <random>

namespace simclr::core {

class AugmentRng {
 public:
  explicit AugmentRng(uint64_t seed) : engine_(seed) {}
  AugmentRng(uint64_t seed, uint64_t epoch, uint64_t index, uint64_t view)
      : engine_(Mix(Mix(Mix(Mix(seed) ^ epoch) ^ index) ^ view)) {}

  // Uniform in [0, 1), 53 random bits.
  double Uniform() { return static_cast<double>(engine_() >> 11) * 0x1p-53; }
  double Uniform(double low, double high) {
    return low + (high - low) * Uniform();
  }
  bool Bernoulli(double p) { return Uniform() < p; }
  // Uniform integer in [0, bound).
  uint64_t Below(uint64_t bound) {
    return static_cast<uint64_t>(
        (static_cast<unsigned __int128>(engine_()) * bound) >> 64);
  }

 private:
  static uint64_t Mix(uint64_t x) {
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
  }

  std::mt19937_64 engine_;
};

}  // namespace simclr::core

#endif  // SIMCLR_CORE_AUGMENT_AUGMENT_RNG_H_
