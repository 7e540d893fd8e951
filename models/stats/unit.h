// The unit a statistic is counted in, as the statistics catalogue (docs/statistics.md) prints it.
#pragma once

#include "util/enum_table.h"

namespace cdma::stats {

enum class Unit {
  kCount,        // a number of events or things (transactions, chunks, errors)
  kBytes,        // bytes
  kSeconds,      // simulated seconds
  kNanoseconds,  // simulated nanoseconds
  kGbps,         // 10^9 bytes per simulated second
  kFraction,     // a share of the simulated time, 0..1
  kRatio,        // one quantity over another (original / compressed bytes)
  kRequests,     // requests held at once (queue occupancy)
  kCycles,       // clock cycles
  kText,         // a name (a mode, a backend)
};

inline const util::EnumTable<Unit, 10>& unit_names() {
  static const util::EnumTable<Unit, 10> names("unit", {{{Unit::kCount, "count"},
                                                         {Unit::kBytes, "B"},
                                                         {Unit::kSeconds, "s"},
                                                         {Unit::kNanoseconds, "ns"},
                                                         {Unit::kGbps, "GB/s"},
                                                         {Unit::kFraction, "fraction"},
                                                         {Unit::kRatio, "ratio"},
                                                         {Unit::kRequests, "requests"},
                                                         {Unit::kCycles, "cycles"},
                                                         {Unit::kText, "text"}}});
  return names;
}

inline const char* to_string(Unit u) {
  return unit_names().name(u);
}

}  // namespace cdma::stats
