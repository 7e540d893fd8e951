// One platform-statistics object for a run whose pieces were simulated on several SoCs (one per job
// process), as if one SoC had simulated them all back to back: counts and times add up, maxima take the
// largest, fractions and means are recomputed over the total simulated time, ratios from the summed bytes,
// and configuration values must agree. Times are summed in whole picoseconds (SystemC's resolution), so the
// result does not depend on how the pieces were split among jobs; time-weighted means (AT mode) may differ
// in their last digits.
#pragma once

#include <vector>

#include <nlohmann/json.hpp>

namespace cdma::runner {

// `jobs` are CdmaSoc::stats() objects. Throws std::invalid_argument if they differ in shape or in a
// configuration value, or hold a figure with no merge rule (a new statistic must be given one here).
nlohmann::json merge_job_stats(const std::vector<nlohmann::json>& jobs);

}  // namespace cdma::runner
