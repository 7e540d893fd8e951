// The result of one simulated training iteration in three configurations (oracle, vDNN, cDMA): the per-layer
// table, the per-network summary, and its outputs (JSON, CSV, Chrome trace-event timeline).
#pragma once

#include <cstdio>
#include <string>

#include <nlohmann/json.hpp>

#include "training/memory_model.h"
#include "training/transfer_measurement.h"
#include "training/vdnn_schedule.h"

namespace cdma::training {

// GPU and host memory of the three configurations against the platform's capacities.
struct MemoryReport {
  MemoryOptions options;
  MemoryProfile oracle, offload;  // offload: vDNN and cDMA (the same GPU memory)
  uint64_t gpu_capacity = 0, host_capacity = 0;
  uint64_t vdnn_host_bytes = 0, cdma_host_bytes = 0;
  bool oracle_fits() const { return oracle.peak_bytes() <= gpu_capacity; }
  bool offload_fits_gpu() const { return offload.peak_bytes() <= gpu_capacity; }
  nlohmann::json to_json(const Network& net) const;
};

struct TrainingReport {
  std::string platform;
  std::string algorithm;
  // The fitted activation model used (shipped ones as sim/workloads/..., so reports compare across machines),
  // "" if none.
  std::string activation_model;
  uint32_t chunk_bytes = 0;  // the DMA chunk each ratio is measured over (gpu.dma.chunk_bytes)
  std::string densities;     // where the activations' densities came from (a file, traces, or the defaults)
  OffloadPolicy policy = OffloadPolicy::kAll;
  uint32_t batch = 0;
  bool dram_contention = false;  // compute and DMA shared the GPU's DRAM in the schedules
  Network net;
  TensorPlan plan;
  std::vector<LayerTime> compute;
  Measurements measured;
  Schedule oracle, vdnn, cdma;
  MemoryReport memory;
  double wall_s = 0;
  nlohmann::json run = nlohmann::json::object();  // how the run was made (runner::RunInfo), if known

  nlohmann::json summary() const;
  nlohmann::json to_json() const;
  void print(std::FILE* out) const;
  void write_csv(const std::string& path) const;
  void write_timeline(const std::string& path) const;
};

}  // namespace cdma::training
