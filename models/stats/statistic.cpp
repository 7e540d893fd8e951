#include "stats/statistic.h"

#include <cmath>

namespace cdma::stats {

const util::EnumTable<Kind, 10>& kind_names() {
  static const util::EnumTable<Kind, 10> names("statistic kind",
                                               {{{Kind::kCounter, "counter"},
                                                 {Kind::kProbe, "probe"},
                                                 {Kind::kMaximum, "maximum"},
                                                 {Kind::kTimeTotal, "time"},
                                                 {Kind::kElapsedTime, "elapsed time"},
                                                 {Kind::kSetting, "setting"},
                                                 {Kind::kFraction, "fraction"},
                                                 {Kind::kRatio, "ratio"},
                                                 {Kind::kTimeWeightedMean, "time-weighted mean"},
                                                 {Kind::kHistogram, "histogram"}}});
  return names;
}

const char* merge_rule(Kind k) {
  switch (k) {
    case Kind::kCounter:
    case Kind::kProbe:
      return "sum";
    case Kind::kMaximum:
      return "largest";
    case Kind::kTimeTotal:
    case Kind::kElapsedTime:
      return "sum (whole ps)";
    case Kind::kSetting:
      return "must agree";
    case Kind::kFraction:
      return "recomputed: summed time / summed elapsed time";
    case Kind::kRatio:
      return "recomputed from the summed counts";
    case Kind::kTimeWeightedMean:
      return "weighted by each job's elapsed time";
    case Kind::kHistogram:
      return "bucket by bucket";
  }
  return "?";
}

int64_t picoseconds(const sc_core::sc_time& t) {
  return std::llround(t.to_seconds() * 1e12);
}

}  // namespace cdma::stats
