// One job of a training measurement: a process that builds its own SoC and measures pieces on it, taking the
// next work unit from a counter shared with the other jobs until none is left, so a job slowed by the
// machine's other load holds no one up.
#pragma once

#include <cstdint>
#include <vector>

#include <nlohmann/json.hpp>

#include "config/platform_config.h"
#include "runner/shared_counter.h"
#include "stats/snapshot.h"
#include "training/density_table.h"
#include "training/piece_job.h"
#include "training/piece_plan.h"
#include "training/transfer_measurement.h"

namespace cdma::training {

struct JobResult {
  std::vector<PieceResult> pieces;  // the pieces this job measured, in the order it took them
  stats::Snapshot platform_stats;   // its SoC's statistics (platform::CdmaSoc::stats_snapshot())
  uint64_t peak_rss_bytes = 0;      // the process's peak resident memory
};
void to_json(nlohmann::json& j, const JobResult& r);
void from_json(const nlohmann::json& j, JobResult& r);

// The source of tensor `id`'s bytes: its trace, its layer's fitted model, or the Markov generator.
PieceSource make_piece_source(const MeasurementConfig& mc, const DensityTable& densities,
                              const ActivationTensor& t, size_t id);

// Builds one SoC (call once per process) and measures the units it takes from `counter`. A tensor's source
// (a loaded trace) is made when its first piece comes and dropped for the next tensor's.
JobResult run_measurement_job(const config::PlatformConfig& cfg, const TensorPlan& plan,
                              const MeasurementConfig& mc, const DensityTable& densities,
                              const PiecePlan& pieces, runner::SharedCounter& counter);

}  // namespace cdma::training
