// The `cdma-sim train` command as a library call: one training iteration of a network on a platform, in three
// configurations (oracle, vDNN, cDMA), with every offloaded activation moved through the platform model as
// real bytes, and the report's files.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <thread>

#include "config/platform_config.h"
#include "training/training_report.h"

namespace cdma::training {

struct TrainingOptions {
  std::string network = "vgg16";  // a name in the workloads folder, or a JSON file
  std::string algorithm = "zv";   // cDMA's codec
  std::string policy = "all";     // vDNN_all or vDNN_conv
  std::string densities;          // per-layer densities JSON; empty: <workloads>/densities/<network>.json
  std::string traces;             // a folder of real activations (<layer>.npy) instead of synthetic ones
  std::string compute_csv;        // measured per-layer times instead of the roofline
  uint32_t batch = 128;
  double efficiency = 0.7;  // roofline: fraction of peak FLOP/s and DRAM bandwidth a layer reaches
  double clustering = -1;   // synthetic zero clustering in [0, 1); -1: the densities file's
  uint64_t seed = 1;
  uint64_t segment_mib = 16;  // largest piece moved at once (one DMA descriptor)
  int zlib_level = 6;
  bool simulate_every_transfer = false;  // no reuse of vDNN timings between pieces of one size
  // One job per CPU: with the default 16 MiB segments each holds under 100 MB.
  unsigned jobs = std::max(1u, std::thread::hardware_concurrency());
};

// Throws NetworkError, config::ConfigError, tensor::NpyError or std::invalid_argument for bad input, before
// simulating anything.
TrainingReport run_training(const config::PlatformConfig& cfg, const TrainingOptions& options,
                            const std::string& workloads_dir);

// report.json, platform.json (the effective config), layers.csv and timeline.json (Perfetto) in `out_dir`.
void write_training_outputs(const TrainingReport& report, const config::PlatformConfig& cfg,
                            const std::string& out_dir);

}  // namespace cdma::training
