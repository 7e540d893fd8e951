// How transactions are timed: AT = 4-phase non-blocking transport with END_REQ back-pressure (finite queues,
// contention); LT = blocking transport with temporal decoupling (fast, for long runs).
#pragma once

#include <stdexcept>
#include <string>

namespace cdma::tlmx {

enum class TimingMode { kAt, kLt };

inline const char* to_string(TimingMode m) {
  return m == TimingMode::kAt ? "at" : "lt";
}

inline TimingMode parse_timing_mode(const std::string& s) {
  if (s == "at") return TimingMode::kAt;
  if (s == "lt") return TimingMode::kLt;
  throw std::invalid_argument("timing mode must be 'at' or 'lt', got '" + s + "'");
}

}  // namespace cdma::tlmx
