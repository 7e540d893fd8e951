// The statistics of one simulation at one moment, typed: what a job process sends its parent (to_wire /
// from_wire), and what merges with other jobs' into the statistics one SoC that simulated all of their work
// back to back would report (stats::merge; each kind's rule is in stats/statistic.h).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "stats/statistic.h"

namespace cdma::stats {

struct Snapshot {
  struct Value {
    Kind kind = Kind::kCounter;
    nlohmann::json raw;  // Statistic::raw()
  };
  int64_t elapsed_ps = 0;  // the simulated time it was taken at
  std::map<std::string, Value> values;
  std::map<std::string, Snapshot> groups;
  std::map<std::string, std::vector<Snapshot>> lists;

  nlohmann::json to_wire() const;
  // Throws std::invalid_argument for text that to_wire did not write.
  static Snapshot from_wire(const nlohmann::json& wire);
};

// The merged statistics of `jobs` (snapshots of the same platform's groups, each taken at the end of its
// job), written as Group::to_json writes one simulation's: counts and times add up (times in whole
// picoseconds, so the sum does not depend on how the work was split), maxima take the largest, fractions and
// ratios are recomputed from the sums, time-weighted means are weighted by each job's elapsed time,
// histograms add up bucket by bucket, and settings must agree. Throws std::invalid_argument naming the path
// where the jobs differ in shape, in kind or in a setting.
nlohmann::json merge(const std::vector<Snapshot>& jobs);

}  // namespace cdma::stats
