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
    // sc_time's inline operator*= rounds (1 x d + 0.5) exactly like its constructor; from_value is not
    // inline.
    sc_core::sc_time t = resolution_;
    t *= v * scale_;
    return t;
  }

 private:
  double scale_ = 1;
  sc_core::sc_time resolution_ = sc_core::sc_time::from_value(1);
};

}  // namespace cdma::tlmx
