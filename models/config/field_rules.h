// The range rules a config field can declare (platform_fields.h): each checks a value, giving the problem in
// the words of the error messages ("must be >= 1, got 0"), and describes itself for the documentation table
// (">= 1").
#pragma once

#include <charconv>
#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <vector>

namespace cdma::config::rule {

// Shortest text that reads back to the same double ("336.5", not "336.500000"; "1e9", not "1e+09").
inline std::string fmt(double v) {
  char buf[64];
  const auto res = std::to_chars(buf, buf + sizeof(buf), v);
  std::string s(buf, res.ptr);
  const size_t e = s.find('e');
  if (e != std::string::npos) {
    size_t digits = e + 1;
    if (s[digits] == '+') s.erase(digits, 1);
    if (s[digits] == '-') ++digits;
    while (digits + 1 < s.size() && s[digits] == '0') s.erase(digits, 1);
  }
  return s;
}
inline std::string fmt(uint64_t v) {
  return std::to_string(v);
}

using Problem = std::optional<std::string>;

// Non-finite numbers are refused by every number rule: JSON cannot carry them, so they would not survive
// to_json.
inline Problem finite(double v) {
  if (std::isfinite(v)) return std::nullopt;
  return "must be a finite number, got " + fmt(v);
}

struct Positive {
  std::string text() const { return "> 0"; }
  Problem check(double v) const {
    if (Problem p = finite(v)) return p;
    if (!(v > 0)) return "must be > 0, got " + fmt(v);
    return std::nullopt;
  }
  Problem check(uint64_t v) const {
    if (v == 0) return std::string("must be > 0, got 0");
    return std::nullopt;
  }
};

// A physical quantity: [lo, hi], finite. `lo` = 0 reads ">= 0"; a positive `lo` refuses 0 and below as "must
// be > 0" first.
struct Physical {
  double lo, hi;
  std::string text() const { return fmt(lo) + ".." + fmt(hi); }
  Problem check(double v) const {
    if (Problem p = finite(v)) return p;
    if (lo > 0 && !(v > 0)) return "must be > 0, got " + fmt(v);
    if (!(v >= lo)) return "must be >= " + fmt(lo) + ", got " + fmt(v);
    if (!(v <= hi)) return "must be <= " + fmt(hi) + ", got " + fmt(v);
    return std::nullopt;
  }
};

struct NonNegative {
  std::string text() const { return ">= 0"; }
  Problem check(double v) const {
    if (Problem p = finite(v)) return p;
    if (!(v >= 0)) return "must be >= 0, got " + fmt(v);
    return std::nullopt;
  }
};

// [0, below)
struct FractionBelow {
  double below;
  std::string text() const { return "[0, " + fmt(below) + ")"; }
  Problem check(double v) const {
    if (Problem p = finite(v)) return p;
    if (!(v >= 0 && v < below)) return "must be in " + text() + ", got " + fmt(v);
    return std::nullopt;
  }
};

struct AtLeast {
  uint64_t lo;
  std::string text() const { return ">= " + fmt(lo); }
  Problem check(uint64_t v) const {
    if (v < lo) return "must be >= " + fmt(lo) + ", got " + fmt(v);
    return std::nullopt;
  }
};

struct AtMost {
  uint64_t hi;
  std::string text() const { return "0.." + fmt(hi); }
  Problem check(uint64_t v) const {
    if (v > hi) return "must be <= " + fmt(hi) + ", got " + fmt(v);
    return std::nullopt;
  }
};

struct Between {
  uint64_t lo, hi;
  std::string text() const { return fmt(lo) + ".." + fmt(hi); }
  Problem check(uint64_t v) const {
    if (v < lo) return "must be >= " + fmt(lo) + ", got " + fmt(v);
    if (v > hi) return "must be <= " + fmt(hi) + ", got " + fmt(v);
    return std::nullopt;
  }
};

struct PowerOfTwo {
  uint64_t lo, hi;
  std::string text() const { return "power of two, " + fmt(lo) + ".." + fmt(hi); }
  Problem check(uint64_t v) const {
    if (v == 0 || (v & (v - 1)) != 0 || v < lo || v > hi) {
      return "must be a power of two in " + fmt(lo) + ".." + fmt(hi) + ", got " + fmt(v);
    }
    return std::nullopt;
  }
};

struct MultipleOf {
  uint64_t step, lo, hi;
  std::string text() const { return "multiple of " + fmt(step) + ", " + fmt(lo) + ".." + fmt(hi); }
  Problem check(uint64_t v) const {
    if (v % step != 0 || v < lo || v > hi) {
      return "must be a multiple of " + fmt(step) + " in " + fmt(lo) + ".." + fmt(hi) + ", got " + fmt(v);
    }
    return std::nullopt;
  }
};

struct OneOf {
  std::vector<uint64_t> values;
  OneOf(std::initializer_list<uint64_t> v) : values(v) {}
  std::string list(const char* last) const {
    std::string s;
    for (size_t i = 0; i < values.size(); ++i) {
      s += (i == 0 ? "" : i + 1 == values.size() ? last : ", ") + fmt(values[i]);
    }
    return s;
  }
  std::string text() const { return list(", "); }
  Problem check(uint64_t v) const {
    for (uint64_t x : values) {
      if (v == x) return std::nullopt;
    }
    return "must be " + list(" or ") + ", got " + fmt(v);
  }
};

struct AnyValue {
  std::string text() const { return "any"; }
  Problem check(bool) const { return std::nullopt; }
  template <typename T>
  Problem check(const T&) const {
    return std::nullopt;
  }
};

struct NonEmpty {
  std::string text() const { return "non-empty"; }
  Problem check(const std::string& v) const {
    if (v.empty()) return std::string("must not be empty");
    return std::nullopt;
  }
};

}  // namespace cdma::config::rule
