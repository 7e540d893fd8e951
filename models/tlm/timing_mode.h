// How transactions are timed: AT = 4-phase non-blocking transport with END_REQ back-pressure (finite queues,
// contention); LT = blocking transport with temporal decoupling (fast, for long runs).
#pragma once

#include <string>

#include "util/enum_table.h"

namespace cdma::tlmx {

enum class TimingMode { kAt, kLt };

inline const util::EnumTable<TimingMode, 2>& timing_mode_names() {
  static const util::EnumTable<TimingMode, 2> names("timing mode",
                                                    {{{TimingMode::kAt, "at"}, {TimingMode::kLt, "lt"}}});
  return names;
}

inline const char* to_string(TimingMode m) {
  return timing_mode_names().name(m);
}

// Throws std::invalid_argument "unknown timing mode 'x' (expected at or lt)".
inline TimingMode parse_timing_mode(const std::string& s) {
  return timing_mode_names().parse(s);
}

}  // namespace cdma::tlmx
