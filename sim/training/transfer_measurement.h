// Moves every tensor vDNN offloads through the platform model as real bytes, uncompressed (vDNN) and
// compressed (cDMA), offload and prefetch, and measures each. It composes the units of this folder:
//   piece_plan.h     tensors cut into pieces of at most segment_bytes (one DMA descriptor each), which piece
//                    simulates vDNN for each piece size, the work units jobs take;
//   piece_source.h   which bytes a piece holds (synthetic, from the densities file, or a trace);
//   piece_job.h      one piece through one SoC: offloaded, freed, prefetched and checked against its own
//   bytes
//                    (piece_filler.h generates them just before the DMA engine first reads them);
//   measurement_job.h  one process's SoC measuring the units it takes from a shared counter;
// then sums the pieces per tensor and merges the jobs' platform statistics. Peak memory stays a few pieces
// whatever the network's total; each job runs on one thread.
// With jobs = 1, builds one SoC in this process: call once per process. With more, the SoCs are built in
// forked child processes and this process can call again. Results do not depend on the number of jobs (nor
// on which job took which piece).
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "codec/codec_config.h"
#include "config/platform_config.h"
#include "training/tensor_plan.h"
#include "training/trace_set.h"
#include "training/vdnn_schedule.h"

namespace cdma::training {

struct ActivationSource {
  // Synthetic: per-layer output densities (sim/workloads/densities/<net>.json); empty: by layer kind
  // (DensityTable::by_layer_kind).
  std::string densities_path;
  double clustering = -1;  // < 0: the densities file's default_clustering
  uint64_t seed = 1;
  std::string traces_dir;  // real traces instead: <dir>/<layer>.npy, [batch, ...] per layer output
  std::string trace_map;   // optional {"layers": {"<network layer>": "<file>"}} for names that differ
  TraceSet traces;         // resolved by measure_transfers from the two above
  // A fitted activation model (cdma-codec fit) for the layers it has; "": the densities file's
  // "activation_model", if any; kNoActivationModel: the Markov generator for every layer.
  std::string activation_model;
};

constexpr const char* kNoActivationModel = "none";

struct MeasurementConfig {
  uint32_t batch = 128;
  codec::CodecConfig codec;              // cDMA's codec (element width is taken from the data)
  uint64_t segment_bytes = 16ull << 20;  // small enough that a piece stays in cache
  ActivationSource source;
  bool reuse_uncompressed = true;
  // Processes to spread the pieces over (each simulates its share on its own SoC, pieces being independent
  // measurements on an idle platform); 1 runs in this process.
  unsigned jobs = 1;
};

struct TensorResult {
  size_t tensor = 0;
  uint64_t bytes = 0;
  double density = 0;
  uint64_t compressed_bytes = 0;  // cDMA payload: each DMA chunk compressed alone (gpu.dma.chunk_bytes)
  // The tensor compressed as one stream (RL and ZL; 0 for the other codecs): what the chunking costs.
  uint64_t whole_tensor_compressed_bytes = 0;
  uint64_t vdnn_pcie_bytes = 0, cdma_pcie_bytes = 0;
  TensorTransfer vdnn, cdma;
};

struct Measurements {
  std::vector<TensorResult> tensors;       // offloaded tensors only
  std::vector<TensorTransfer> vdnn, cdma;  // per tensor of the plan (zero if not offloaded)
  bool bytes_identical = true;
  uint64_t bytes_moved = 0;        // through the platform, all directions and both configurations
  uint64_t vdnn_reused_bytes = 0;  // vDNN piece bytes whose timing was reused rather than simulated again
  unsigned jobs = 1;
  nlohmann::json
      platform_stats;            // per-module statistics over all pieces, merged over the jobs (stats::merge)
  uint64_t peak_rss_bytes = 0;   // with several jobs: the sum of every process's peak
  std::string activation_model;  // the fitted model file used, "" if none
  std::vector<std::string> fitted_layers;  // the layers drawn from it
  bool whole_tensor = false;
  std::vector<std::string> generated_tensors;  // with traces: offloaded tensors without one, generated //
                                               // whole_tensor_compressed_bytes measured (RL, ZL)
};

// Throws NetworkError / std::invalid_argument / tensor::NpyError for bad input (missing densities or trace
// files, shape mismatches).
Measurements measure_transfers(const config::PlatformConfig& cfg, const Network& net, const TensorPlan& plan,
                               const MeasurementConfig& mc);

}  // namespace cdma::training
