#include "core/eval/tsne.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <random>

#include "absl/strings/str_cat.h"

namespace simclr::core {
namespace {

constexpr int kExaggerationIterations = 250;
constexpr double kExaggeration = 12;

double SquaredDistance(const float* a, const float* b, int64_t dim) {
  double sum = 0;
  for (int64_t d = 0; d < dim; ++d) {
    const double diff = static_cast<double>(a[d]) - b[d];
    sum += diff * diff;
  }
  return sum;
}

// Conditional probabilities p(j|i) ∝ exp(-β d_ij) over the given squared
// distances, with β found by bisection so that the entropy is log(perp).
void ConditionalRow(const std::vector<double>& distances, double perplexity,
                    std::vector<double>& p) {
  const double target = std::log(perplexity);
  const double nearest =
      *std::min_element(distances.begin(), distances.end());
  double beta = 1, low = 0, high = std::numeric_limits<double>::infinity();
  p.assign(distances.size(), 0);
  for (int step = 0; step < 100; ++step) {
    double sum = 0, weighted = 0;
    for (size_t j = 0; j < distances.size(); ++j) {
      // Shifting by the nearest distance keeps exp() from underflowing.
      p[j] = std::exp(-beta * (distances[j] - nearest));
      sum += p[j];
      weighted += p[j] * (distances[j] - nearest);
    }
    const double entropy = std::log(sum) + beta * weighted / sum;
    for (double& v : p) v /= sum;
    if (std::abs(entropy - target) < 1e-5) break;
    if (entropy > target) {
      low = beta;
      beta = std::isinf(high) ? beta * 2 : (beta + high) / 2;
    } else {
      high = beta;
      beta = (beta + low) / 2;
    }
  }
}

struct SparseP {
  // Row i's neighbours are columns[offsets[i] .. offsets[i + 1]).
  std::vector<int64_t> offsets, columns;
  std::vector<double> values;
};

// Symmetric joint probabilities over each point's k nearest neighbours.
SparseP NeighbourP(const std::vector<float>& x, int64_t n, int64_t dim,
                   double perplexity) {
  const int64_t k =
      std::min<int64_t>(n - 1, static_cast<int64_t>(3 * perplexity));
  std::vector<std::vector<std::pair<int64_t, double>>> rows(
      static_cast<size_t>(n));
  std::vector<std::pair<double, int64_t>> all(static_cast<size_t>(n - 1));
  std::vector<double> distances(static_cast<size_t>(k)), p;
  for (int64_t i = 0; i < n; ++i) {
    size_t m = 0;
    for (int64_t j = 0; j < n; ++j) {
      if (j == i) continue;
      all[m++] = {SquaredDistance(&x[i * dim], &x[j * dim], dim), j};
    }
    std::partial_sort(all.begin(), all.begin() + k, all.end());
    for (int64_t t = 0; t < k; ++t) distances[t] = all[t].first;
    ConditionalRow(distances, perplexity, p);
    for (int64_t t = 0; t < k; ++t) {
      rows[static_cast<size_t>(i)].push_back({all[t].second, p[t]});
    }
  }
  // P = (P_cond + P_condᵀ) / 2n.
  std::vector<std::vector<std::pair<int64_t, double>>> sym(rows.size());
  for (int64_t i = 0; i < n; ++i) {
    for (const auto& [j, v] : rows[static_cast<size_t>(i)]) {
      sym[static_cast<size_t>(i)].push_back({j, v});
      sym[static_cast<size_t>(j)].push_back({i, v});
    }
  }
  SparseP out;
  out.offsets.push_back(0);
  for (auto& row : sym) {
    std::sort(row.begin(), row.end());
    for (size_t t = 0; t < row.size();) {
      double v = 0;
      const int64_t j = row[t].first;
      for (; t < row.size() && row[t].first == j; ++t) v += row[t].second;
      out.columns.push_back(j);
      out.values.push_back(v / (2.0 * n));
    }
    out.offsets.push_back(static_cast<int64_t>(out.columns.size()));
  }
  return out;
}

std::vector<double> DenseP(const std::vector<float>& x, int64_t n, int64_t dim,
                           double perplexity) {
  std::vector<double> conditional(static_cast<size_t>(n * n), 0);
  std::vector<double> distances(static_cast<size_t>(n - 1)), p;
  for (int64_t i = 0; i < n; ++i) {
    size_t m = 0;
    for (int64_t j = 0; j < n; ++j) {
      if (j != i) distances[m++] = SquaredDistance(&x[i * dim], &x[j * dim], dim);
    }
    ConditionalRow(distances, perplexity, p);
    m = 0;
    for (int64_t j = 0; j < n; ++j) {
      if (j != i) conditional[static_cast<size_t>(i * n + j)] = p[m++];
    }
  }
  std::vector<double> joint(conditional.size());
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t j = 0; j < n; ++j) {
      joint[static_cast<size_t>(i * n + j)] =
          std::max((conditional[static_cast<size_t>(i * n + j)] +
                    conditional[static_cast<size_t>(j * n + i)]) /
                       (2.0 * n),
                   1e-12);
    }
  }
  return joint;
}

// Exact gradient; returns the KL divergence KL(P || Q) when asked.
double ExactGradient(const std::vector<double>& p, const std::vector<double>& y,
                     int64_t n, double exaggeration, bool want_kl,
                     std::vector<double>& grad) {
  std::vector<double> num(static_cast<size_t>(n * n), 0);
  double z = 0;
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t j = i + 1; j < n; ++j) {
      const double dx = y[2 * i] - y[2 * j], dy = y[2 * i + 1] - y[2 * j + 1];
      const double q = 1 / (1 + dx * dx + dy * dy);
      num[static_cast<size_t>(i * n + j)] = num[static_cast<size_t>(j * n + i)] = q;
      z += 2 * q;
    }
  }
  std::fill(grad.begin(), grad.end(), 0);
  double kl = 0;
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t j = 0; j < n; ++j) {
      if (i == j) continue;
      const double q = num[static_cast<size_t>(i * n + j)];
      const double pij = p[static_cast<size_t>(i * n + j)];
      const double mult = (exaggeration * pij - q / z) * q;
      grad[2 * i] += 4 * mult * (y[2 * i] - y[2 * j]);
      grad[2 * i + 1] += 4 * mult * (y[2 * i + 1] - y[2 * j + 1]);
      if (want_kl) kl += pij * std::log(pij / std::max(q / z, 1e-12));
    }
  }
  return want_kl ? kl : std::nan("");
}

// A point quadtree over the map for Barnes-Hut repulsion.
class QuadTree {
 public:
  explicit QuadTree(const std::vector<double>& y) : y_(y) {
    const size_t n = y.size() / 2;
    double min_x = y[0], max_x = y[0], min_y = y[1], max_y = y[1];
    for (size_t i = 0; i < n; ++i) {
      min_x = std::min(min_x, y[2 * i]);
      max_x = std::max(max_x, y[2 * i]);
      min_y = std::min(min_y, y[2 * i + 1]);
      max_y = std::max(max_y, y[2 * i + 1]);
    }
    const double half = std::max(max_x - min_x, max_y - min_y) / 2 + 1e-5;
    nodes_.push_back(Node{(min_x + max_x) / 2, (min_y + max_y) / 2, half});
    for (size_t i = 0; i < n; ++i) Insert(0, static_cast<int64_t>(i), 0);
  }

  // Adds point i's repulsion: Σ q²·(yᵢ - y_cell) into force, Σ q into *sum_q.
  void Repulsion(int64_t i, double theta, double force[2],
                 double* sum_q) const {
    Visit(0, i, theta * theta, force, sum_q);
  }

 private:
  struct Node {
    double cx, cy, half;
    double mass_x = 0, mass_y = 0;  // centre of mass
    int64_t count = 0;
    int64_t point = -1;  // the leaf's point
    int64_t child = -1;  // first of four children, -1 for a leaf
  };

  void Insert(size_t node, int64_t i, int depth) {
    const double px = y_[2 * i], py = y_[2 * i + 1];
    for (;;) {
      Node& nd = nodes_[node];
      nd.mass_x = (nd.mass_x * nd.count + px) / (nd.count + 1);
      nd.mass_y = (nd.mass_y * nd.count + py) / (nd.count + 1);
      ++nd.count;
      if (nd.child < 0) {
        if (nd.count == 1) {
          nd.point = i;
          return;
        }
        // Duplicates (or the depth limit) share one leaf.
        if (depth > 48 || (y_[2 * nd.point] == px && y_[2 * nd.point + 1] == py))
          return;
        Split(node);
        // Move the resident point down (its mass is already counted here).
        const int64_t resident = nodes_[node].point;
        nodes_[node].point = -1;
        size_t c = ChildOf(node, resident);
        Node& child = nodes_[c];
        child.mass_x = y_[2 * resident];
        child.mass_y = y_[2 * resident + 1];
        child.count = 1;
        child.point = resident;
      }
      node = ChildOf(node, i);
      ++depth;
    }
  }

  void Split(size_t node) {
    const Node parent = nodes_[node];
    const double h = parent.half / 2;
    nodes_[node].child = static_cast<int64_t>(nodes_.size());
    for (int q = 0; q < 4; ++q) {
      nodes_.push_back(Node{parent.cx + ((q & 1) ? h : -h),
                            parent.cy + ((q & 2) ? h : -h), h});
    }
  }

  size_t ChildOf(size_t node, int64_t i) const {
    const Node& nd = nodes_[node];
    const int q = (y_[2 * i] > nd.cx ? 1 : 0) + (y_[2 * i + 1] > nd.cy ? 2 : 0);
    return static_cast<size_t>(nd.child + q);
  }

  void Visit(size_t node, int64_t i, double theta2, double force[2],
             double* sum_q) const {
    const Node& nd = nodes_[node];
    if (nd.count == 0) return;
    int64_t count = nd.count;
    if (nd.child < 0 && nd.point == i) {
      if (--count == 0) return;  // only i itself
    }
    const double dx = y_[2 * i] - nd.mass_x, dy = y_[2 * i + 1] - nd.mass_y;
    const double d2 = dx * dx + dy * dy;
    const double width = 2 * nd.half;
    if (nd.child < 0 || width * width < theta2 * d2) {
      const double q = 1 / (1 + d2);
      *sum_q += count * q;
      force[0] += count * q * q * dx;
      force[1] += count * q * q * dy;
      return;
    }
    for (int c = 0; c < 4; ++c) {
      Visit(static_cast<size_t>(nd.child + c), i, theta2, force, sum_q);
    }
  }

  const std::vector<double>& y_;
  std::vector<Node> nodes_;
};

void BarnesHutGradient(const SparseP& p, const std::vector<double>& y,
                       int64_t n, double exaggeration, double theta,
                       std::vector<double>& grad) {
  const QuadTree tree(y);
  std::vector<double> repulsion(static_cast<size_t>(2 * n), 0);
  double sum_q = 0;
  for (int64_t i = 0; i < n; ++i) {
    tree.Repulsion(i, theta, &repulsion[static_cast<size_t>(2 * i)], &sum_q);
  }
  for (int64_t i = 0; i < n; ++i) {
    double ax = 0, ay = 0;
    for (int64_t t = p.offsets[i]; t < p.offsets[i + 1]; ++t) {
      const int64_t j = p.columns[static_cast<size_t>(t)];
      const double dx = y[2 * i] - y[2 * j], dy = y[2 * i + 1] - y[2 * j + 1];
      const double q = 1 / (1 + dx * dx + dy * dy);
      const double mult = exaggeration * p.values[static_cast<size_t>(t)] * q;
      ax += mult * dx;
      ay += mult * dy;
    }
    grad[2 * i] = 4 * (ax - repulsion[2 * i] / sum_q);
    grad[2 * i + 1] = 4 * (ay - repulsion[2 * i + 1] / sum_q);
  }
}

}  // namespace

absl::StatusOr<std::vector<double>> RunTsne(const std::vector<float>& points,
                                            int64_t n, int64_t dim,
                                            const TsneOptions& options) {
  if (n < 4 || dim < 1 || static_cast<int64_t>(points.size()) != n * dim) {
    return absl::InvalidArgumentError(absl::StrCat(
        "t-SNE: need at least 4 points of dimension ≥ 1 and n × dim values; "
        "got n = ", n, ", dim = ", dim, ", ", points.size(), " values"));
  }
  if (!(options.perplexity > 0) ||
      options.perplexity > static_cast<double>(n - 1) / 3) {
    return absl::InvalidArgumentError(
        absl::StrCat("t-SNE: perplexity ", options.perplexity,
                     " must be in (0, (n - 1) / 3 = ", (n - 1) / 3.0, "]"));
  }
  for (size_t i = 0; i < points.size(); ++i) {
    if (!std::isfinite(points[i])) {
      return absl::InvalidArgumentError(absl::StrCat(
          "t-SNE: value of point ", i / dim, " is not finite"));
    }
  }
  SparseP sparse;
  std::vector<double> dense;
  if (options.barnes_hut) {
    sparse = NeighbourP(points, n, dim, options.perplexity);
  } else {
    dense = DenseP(points, n, dim, options.perplexity);
  }

  std::mt19937_64 rng(options.seed);
  std::normal_distribution<double> normal(0, 1e-4);
  std::vector<double> y(static_cast<size_t>(2 * n));
  for (double& v : y) v = normal(rng);
  std::vector<double> grad(y.size()), update(y.size(), 0), gains(y.size(), 1);
  const double learning_rate =
      std::max(static_cast<double>(n) / kExaggeration / 4, 50.0);
  for (int it = 0; it < options.iterations; ++it) {
    const bool early = it < kExaggerationIterations;
    const double exaggeration = early ? kExaggeration : 1;
    const double momentum = early ? 0.5 : 0.8;
    const bool report = options.progress && (it + 1) % 50 == 0;
    double kl = std::nan("");
    if (options.barnes_hut) {
      BarnesHutGradient(sparse, y, n, exaggeration, options.theta, grad);
    } else {
      kl = ExactGradient(dense, y, n, exaggeration, report, grad);
    }
    for (size_t k = 0; k < y.size(); ++k) {
      const bool same_sign = (grad[k] > 0) == (update[k] > 0);
      gains[k] = std::max(same_sign ? gains[k] * 0.8 : gains[k] + 0.2, 0.01);
      update[k] = momentum * update[k] - learning_rate * gains[k] * grad[k];
      y[k] += update[k];
    }
    double mean_x = 0, mean_y = 0;
    for (int64_t i = 0; i < n; ++i) {
      mean_x += y[2 * i];
      mean_y += y[2 * i + 1];
    }
    for (int64_t i = 0; i < n; ++i) {
      y[2 * i] -= mean_x / n;
      y[2 * i + 1] -= mean_y / n;
    }
    if (report) options.progress(it + 1, kl);
  }
  return y;
}

double Trustworthiness(const std::vector<float>& high, int64_t high_dim,
                       const std::vector<double>& low, int64_t low_dim,
                       int64_t n, int k) {
  std::vector<int64_t> rank(static_cast<size_t>(n));
  std::vector<std::pair<double, int64_t>> order(static_cast<size_t>(n));
  double penalty = 0;
  for (int64_t i = 0; i < n; ++i) {
    // Ranks of every point by input distance to i (i itself is rank 0).
    for (int64_t j = 0; j < n; ++j) {
      order[j] = {j == i ? -1.0
                         : SquaredDistance(&high[i * high_dim],
                                           &high[j * high_dim], high_dim),
                  j};
    }
    std::sort(order.begin(), order.end());
    for (int64_t r = 0; r < n; ++r) rank[order[r].second] = r;
    // The k nearest in the map.
    for (int64_t j = 0; j < n; ++j) {
      double d = 0;
      for (int64_t c = 0; c < low_dim; ++c) {
        const double diff = low[i * low_dim + c] - low[j * low_dim + c];
        d += diff * diff;
      }
      order[j] = {j == i ? -1.0 : d, j};
    }
    std::partial_sort(order.begin(), order.begin() + k + 1, order.end());
    for (int t = 1; t <= k; ++t) {
      penalty += std::max<int64_t>(0, rank[order[t].second] - k);
    }
  }
  return 1 - 2.0 / (n * k * (2.0 * n - 3.0 * k - 1)) * penalty;
}

}  // namespace simclr::core
