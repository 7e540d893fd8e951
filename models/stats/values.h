// The values statistics describe, kept by the modules among their members and updated on their hot paths:
// each is as small as the number it holds, so a module's hot fields stay together. A module registers each
// with its statistics group once, with name, unit and description (stats/group.h).
#pragma once

#include <systemc>

#include <algorithm>
#include <array>
#include <cstdint>

#include <nlohmann/json.hpp>

namespace cdma::stats {

// Events or bytes counted.
class Counter {
 public:
  Counter& operator+=(uint64_t n) {
    value_ += n;
    return *this;
  }
  Counter& operator++() {
    ++value_;
    return *this;
  }
  uint64_t value() const { return value_; }

 private:
  uint64_t value_ = 0;
};

// The largest value seen.
class Maximum {
 public:
  void sample(uint64_t v) { value_ = std::max(value_, v); }
  uint64_t value() const { return value_; }

 private:
  uint64_t value_ = 0;
};

// Simulated time accumulated (busy, waiting).
class TimeTotal {
 public:
  TimeTotal& operator+=(const sc_core::sc_time& t) {
    value_ += t;
    return *this;
  }
  const sc_core::sc_time& value() const { return value_; }

 private:
  sc_core::sc_time value_;
};

// A level over simulated time (a queue's occupancy), set whenever it changes; its mean is its integral over
// time divided by the elapsed time.
class TimeWeightedMean {
 public:
  // The level is `level` from `now` on.
  void set(uint64_t level, const sc_core::sc_time& now) {
    integral_ += static_cast<double>(level_) * (now - last_change_).to_seconds();
    last_change_ = now;
    level_ = level;
  }
  uint64_t level() const { return level_; }
  double mean(const sc_core::sc_time& elapsed) const {
    const double e = elapsed.to_seconds();
    const double integral = integral_ + static_cast<double>(level_) * (elapsed - last_change_).to_seconds();
    return e > 0 ? integral / e : 0.0;
  }

 private:
  uint64_t level_ = 0;
  double integral_ = 0;  // level x seconds up to last_change_
  sc_core::sc_time last_change_;
};

// Durations in power-of-two buckets of nanoseconds: bucket 0 holds [0, 1) ns, bucket k >= 1 [2^(k-1), 2^k)
// ns; the last one also everything above. Written as {count, min_ns, mean_ns, max_ns, bucket_upper_ns,
// counts} with the buckets up to the last non-empty one.
class Histogram {
 public:
  static constexpr size_t kBuckets = 48;

  Histogram()
      : ps_per_unit_(sc_core::sc_get_time_resolution().to_seconds() * 1e12),
        resolution_is_ps_(sc_core::sc_get_time_resolution() == sc_core::sc_time(1, sc_core::SC_PS)) {}

  // Called per transaction on every hop, so kept to a few instructions.
  void sample(const sc_core::sc_time& d) {
    const uint64_t ps = resolution_is_ps_
                            ? d.value()
                            : static_cast<uint64_t>(static_cast<double>(d.value()) * ps_per_unit_ + 0.5);
    const uint64_t ns = ps / 1000;
    ++counts_[ns == 0 ? 0 : std::min<size_t>(64 - __builtin_clzll(ns), kBuckets - 1)];
    sum_ps_ += ps;
    min_ps_ = std::min(min_ps_, ps);
    max_ps_ = std::max(max_ps_, ps);
  }
  uint64_t count() const;

  // {count, sum_ps, min_ps, max_ps, counts}: what merging sums.
  nlohmann::json raw() const;
  // The written form of raw data.
  static nlohmann::json render(const nlohmann::json& raw);

 private:
  double ps_per_unit_;     // picoseconds per unit of the kernel's time resolution
  bool resolution_is_ps_;  // SystemC's default: the unit is the picosecond
  uint64_t sum_ps_ = 0, min_ps_ = UINT64_MAX, max_ps_ = 0;
  std::array<uint64_t, kBuckets> counts_{};
};

}  // namespace cdma::stats
