// One statistic of a module, as its Group registers it: a name, a unit, a line of description, and a kind
// that says how it is written and how the statistics of several simulations of the same platform (one per job
// process) merge into those one simulation of all their work would report:
//
//   kind               what                                             merged over jobs
//   counter            events or bytes counted (stats::Counter)         summed
//   probe              a count read when collected (bytes resident)     summed
//   maximum            the largest value seen (stats::Maximum)          the largest
//   time               simulated time accumulated (stats::TimeTotal)    summed in whole picoseconds
//   elapsed time       the simulated time of the run                    summed in whole picoseconds
//   setting            a configuration value reported alongside         must agree
//   fraction           a TimeTotal over the elapsed time                recomputed from the sums
//   ratio              one Counter over another                         recomputed from the sums
//   time-weighted mean a level's mean over time (TimeWeightedMean)      weighted by each job's elapsed time
//   histogram          durations in power-of-two buckets (Histogram)    bucket by bucket
//
// The values themselves are small objects a module keeps among its members and updates on its hot paths
// (stats/values.h); the group holds the statistic that describes each (stats/group.h).
#pragma once

#include <systemc>

#include <cstdint>

#include <nlohmann/json.hpp>

#include "stats/unit.h"
#include "util/enum_table.h"

namespace cdma::stats {

enum class Kind {
  kCounter,
  kProbe,
  kMaximum,
  kTimeTotal,
  kElapsedTime,
  kSetting,
  kFraction,
  kRatio,
  kTimeWeightedMean,
  kHistogram
};

const util::EnumTable<Kind, 10>& kind_names();
// How statistics of this kind merge over jobs, one line for the catalogue.
const char* merge_rule(Kind k);

class Statistic {
 public:
  // `name` and `description` are string literals.
  Statistic(const char* name, Unit unit, const char* description)
      : name_(name), description_(description), unit_(unit) {}
  virtual ~Statistic() = default;
  Statistic(const Statistic&) = delete;
  Statistic& operator=(const Statistic&) = delete;

  const char* name() const { return name_; }
  Unit unit() const { return unit_; }
  const char* description() const { return description_; }
  virtual Kind kind() const = 0;
  // The value as one simulation reports it, `elapsed` being its simulated time.
  virtual nlohmann::json to_json(const sc_core::sc_time& elapsed) const = 0;
  // What merging needs (stats/snapshot.h interprets it by kind).
  virtual nlohmann::json raw(const sc_core::sc_time& elapsed) const = 0;

 private:
  const char* name_;
  const char* description_;
  Unit unit_;
};

// Whole picoseconds of a simulated time, as SystemC reports it in seconds.
int64_t picoseconds(const sc_core::sc_time& t);

}  // namespace cdma::stats
