// sc_time from a double count of one unit, for the per-chunk timing formulas of every hop. sc_time's own
// constructor looks up the simulation context and divides on each call; this computes the same scale once
// and rounds the same way (v * scale + 0.5, truncated), so results are identical (tested).
#pragma once

#include <systemc>

#include <cmath>
#include <cstdint>

namespace cdma::tlmx {

class TimeScale {
 public:
  // Reads the kernel's time resolution, which fixes it (as constructing any non-zero sc_time does).
  explicit TimeScale(sc_core::sc_time_unit unit) {
    const double resolution_fs = std::round(sc_core::sc_get_time_resolution().to_seconds() * 1e15);
    scale_ = std::pow(1000.0, static_cast<int>(unit) - static_cast<int>(sc_core::SC_FS)) / resolution_fs;
  }

  // v units (v >= 0) as an sc_time.
  sc_core::sc_time operator()(double v) const {
    if (v == 0) return sc_core::SC_ZERO_TIME;
    volatile double scaled = v * scale_ + 0.5;  // as the kernel: rounded to double, never fused
    return sc_core::sc_time::from_value(static_cast<sc_core::sc_time::value_type>(scaled));
  }

 private:
  double scale_ = 1;
};

}  // namespace cdma::tlmx
