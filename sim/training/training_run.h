// The `cdma-sim train` command as a library call: one training iteration of a network on a platform, in three
// configurations (oracle, vDNN, cDMA), with every offloaded activation moved through the platform model as
// real bytes, and the report's files.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <thread>

#include "config/platform_config.h"
#include "training/memory_model.h"
#include "training/training_report.h"

namespace cdma::training {

struct TrainingOptions {
  std::string network = "vgg16";  // a name in the workloads folder, or a JSON file
  std::string algorithm = "zv";   // cDMA's codec
  std::string policy = "all";     // vDNN_all or vDNN_conv
  std::string densities;          // per-layer densities JSON; empty: <workloads>/densities/<network>.json
  std::string traces;             // a folder of real activations (<layer>.npy) instead of synthetic ones
  std::string trace_map;          // {"layers": {"<network layer>": "<file in the traces folder>"}}
  // A fitted activation model (cdma-codec fit) drawing the layers it has; "": the densities file's, if it
  // names one; "none": the Markov generator everywhere.
  std::string activation_model;
  std::string compute_csv;  // measured per-layer times instead of the roofline
  uint32_t batch = 128;
  double efficiency = 0.7;  // roofline: fraction of peak FLOP/s and DRAM bandwidth a layer reaches
  double clustering = -1;   // synthetic zero clustering in [0, 1); -1: the densities file's
  uint64_t seed = 1;
  uint64_t segment_mib = 16;  // largest piece moved at once (one DMA descriptor)
  int zlib_level = 6;
  bool simulate_every_transfer = false;  // no reuse of vDNN timings between pieces of one size
  std::string optimizer = "momentum";  // sgd | momentum | adam: optimizer state per parameter (memory model)
  uint64_t workspace_mib = 0;          // cap on a convolution's workspace (0: memory-optimal algorithms)
  // Simulate even if vDNN/cDMA do not fit the GPU's or the host's memory (the report says so); otherwise
  // refused before anything is simulated. The oracle is a hypothetical GPU with enough memory: never refused.
  bool allow_oversubscribe = false;
  // Compute and the DMA engine share the GPU's DRAM bandwidth (vdnn_schedule.h, DramContention); off: each
  // runs as if alone, as in the paper's model.
  bool dram_contention = false;
  // One job per CPU: with the default 16 MiB segments each holds under 100 MB.
  unsigned jobs = std::max(1u, std::thread::hardware_concurrency());
};

// Throws NetworkError, config::ConfigError, tensor::NpyError or std::invalid_argument for bad input, before
// simulating anything; CapacityError when vDNN/cDMA do not fit and allow_oversubscribe is off.
TrainingReport run_training(const config::PlatformConfig& cfg, const TrainingOptions& options,
                            const std::string& workloads_dir);

class CapacityError : public std::runtime_error {
  using std::runtime_error::runtime_error;
};

// `cdma-sim train --max-batch`: the largest batch that fits, for the oracle and both vDNN policies, from the
// memory model alone (nothing is simulated). Printed as a table and returned as JSON.
nlohmann::json max_batch_table(const config::PlatformConfig& cfg, const TrainingOptions& options,
                               const std::string& workloads_dir, std::FILE* out);

// report.json, platform.json (the effective config), layers.csv and timeline.json (Perfetto) in `out_dir`.
void write_training_outputs(const TrainingReport& report, const config::PlatformConfig& cfg,
                            const std::string& out_dir);

}  // namespace cdma::training
