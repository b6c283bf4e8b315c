#include "tests/testing/proto_bounds.h"

#include <regex>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace simclr::testing {
namespace {

std::optional<double> Number(const std::string& text) {
  double value = 0;
  if (absl::SimpleAtod(absl::StripAsciiWhitespace(text), &value)) return value;
  return std::nullopt;
}

std::optional<int> Count(const std::string& comment, const std::string& pattern) {
  std::smatch m;
  if (!std::regex_search(comment, m, std::regex(pattern, std::regex::icase))) {
    return std::nullopt;
  }
  return std::stoi(m[1]);
}

// "[lo, hi]" with either bracket open, after `prefix`.
std::optional<NumericRange> Interval(const std::string& comment,
                                     const std::string& prefix) {
  static const std::string kInterval =
      R"(\s*([\[(])\s*([^,\])]+?)\s*,\s*([^\])]+?)\s*([\])]))";
  std::smatch m;
  if (!std::regex_search(comment, m, std::regex(prefix + kInterval))) {
    return std::nullopt;
  }
  NumericRange range;
  range.lo = {Number(m[2]), m[1] == "("};
  range.hi = {Number(m[3]), m[4] == ")"};
  return range;
}

// "> x" or "≥ x" after `prefix`.
std::optional<End> Above(const std::string& comment, const std::string& prefix) {
  std::smatch m;
  if (!std::regex_search(comment, m,
                         std::regex(prefix + R"((>|≥)\s*(-?[0-9.e+-]+))"))) {
    return std::nullopt;
  }
  const auto value = Number(m[2]);
  if (!value) return std::nullopt;
  return End{value, m[1] == ">"};
}

}  // namespace

Bounds ParseBounds(const std::string& comment) {
  Bounds b;
  b.range = Interval(comment, R"(\brange)");
  b.each = Interval(comment, R"(\beach in)");
  if (!b.each) {
    if (auto above = Above(comment, R"(\beach\s*)")) b.each = NumericRange{*above, {}};
  }
  // A bare "≥ x" is a bound only when no range is given ("rounded to an
  // odd number of pixels ≥ 3" is prose beside its range).
  if (!b.range && !b.each) b.at_least = Above(comment, R"((?:^|[;.]\s*))");
  std::smatch m;
  if (std::regex_search(comment, m, std::regex(R"(one of \{([^}]*)\})"))) {
    for (const auto& part : absl::StrSplit(std::string(m[1]), ',')) {
      if (auto value = Number(std::string(part))) b.one_of.push_back(*value);
    }
  }
  b.max_values = Count(comment, R"(at most (\d+) values?)");
  b.min_values = Count(comment, R"(at least (\d+) values?)");
  b.each_max_chars = Count(comment, R"(each at most (\d+) chars)");
  if (!b.each_max_chars) b.max_chars = Count(comment, R"(at most (\d+) chars)");
  b.max_mib = Count(comment, R"(at most (\d+) MiB)");
  b.max_entries = Count(comment, R"(at most (\d+) entries)");
  return b;
}

}  // namespace simclr::testing
