// The bounds a .proto comment documents, read back from the comment text in
// the grammar data.proto's header sets out ("range [lo, hi]", "≥ x",
// "one of {a, b}", "at most N values", "each in (lo, hi]", "at most N
// chars", "at most N MiB", "at most N entries"). The reflection-driven
// validation test probes each bound it finds.
#ifndef SIMCLR_TESTS_TESTING_PROTO_BOUNDS_H_
#define SIMCLR_TESTS_TESTING_PROTO_BOUNDS_H_

#include <optional>
#include <string>
#include <vector>

namespace simclr::testing {

// One end of an interval: numeric, or named after another field (a
// cross-field rule: not probed with a number).
struct End {
  std::optional<double> value;
  bool open = false;
};

struct NumericRange {
  End lo, hi;
};

struct Bounds {
  std::optional<NumericRange> range;       // "range [lo, hi]"
  std::optional<End> at_least;             // "≥ x" / "> x"
  std::vector<double> one_of;              // "one of {a, b}"
  std::optional<NumericRange> each;        // "each in [lo, hi]" / "each > x"
  std::optional<int> max_values, min_values;
  std::optional<int> max_chars;            // a string, or a map's values
  std::optional<int> each_max_chars;       // each string of a repeated field
  std::optional<int> max_mib;
  std::optional<int> max_entries;

  bool any() const {
    return range || at_least || !one_of.empty() || each || max_values ||
           min_values || max_chars || each_max_chars || max_mib || max_entries;
  }
};

Bounds ParseBounds(const std::string& comment);

}  // namespace simclr::testing

#endif  // SIMCLR_TESTS_TESTING_PROTO_BOUNDS_H_
