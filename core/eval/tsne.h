// t-SNE (van der Maaten & Hinton 2008), exact and Barnes-Hut (van der
// Maaten 2014), in plain C++: the 2-D maps of the TSNE job.
//
// The input similarities come from Gaussian kernels whose widths are found
// by binary search to match the perplexity; exact uses all pairs (O(N²)
// per iteration), Barnes-Hut keeps the 3·perplexity nearest neighbours and
// approximates the repulsion with a quadtree (O(N log N)). The optimiser is
// the paper's: early exaggeration 12 for 250 iterations, momentum 0.5 then
// 0.8, per-coordinate gains, learning rate max(N / 12 / 4, 50) as sklearn's
// "auto".
#ifndef SIMCLR_CORE_EVAL_TSNE_H_
#define SIMCLR_CORE_EVAL_TSNE_H_

#include <cstdint>
#include <functional>
#include <vector>

#include "absl/status/statusor.h"

namespace simclr::core {

struct TsneOptions {
  double perplexity = 30;
  int iterations = 1000;
  bool barnes_hut = false;
  double theta = 0.5;
  uint64_t seed = 0;
  // Called every 50 iterations with (iteration, KL divergence); the KL is
  // only computed for exact t-SNE (NaN for Barnes-Hut).
  std::function<void(int, double)> progress;
};

// points: n × dim values, row-major. Returns n × 2 coordinates, row-major.
// INVALID_ARGUMENT if n < 4, the sizes disagree, the perplexity is outside
// (0, (n - 1) / 3], or a value is not finite.
absl::StatusOr<std::vector<double>> RunTsne(const std::vector<float>& points,
                                            int64_t n, int64_t dim,
                                            const TsneOptions& options);

// Trustworthiness (Venna & Kaski 2001; sklearn.manifold.trustworthiness):
// 1 is a map whose k nearest neighbours were all near in the input; lower
// values penalise neighbours the map invents, by their input rank.
double Trustworthiness(const std::vector<float>& high, int64_t high_dim,
                       const std::vector<double>& low, int64_t low_dim,
                       int64_t n, int k);

}  // namespace simclr::core

#endif  // SIMCLR_CORE_EVAL_TSNE_H_
