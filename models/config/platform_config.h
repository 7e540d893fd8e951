// Typed description of one simulated platform (GPU, PCIe link, host memory, simulation settings). Plain C++
// with no JSON so the SystemC models depend only on these structs; the loader is platform_config_json.h.
// Units are in the field names: bandwidths in GB/s with G = 1e9 bytes, times in ns. The defaults are the
// Titan X (Maxwell) baseline; docs/platform-config.md gives every range and where each platform's figures
// come from.
#pragma once

#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "codec/codec_config.h"

namespace cdma::config {

class ConfigError : public std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct GpuDramConfig {
  uint32_t channels = 6;                  // memory controllers; >= 1, <= 64
  double bandwidth_gbps = 336.5;          // total over all channels, > 0
  double latency_ns = 100.0;              // access latency, >= 0
  uint64_t capacity_bytes = 12ull << 30;  // > 0; must be a multiple of channels * interleave_bytes
  uint32_t interleave_bytes = 4096;       // interleave granule across channels; power of two, 128..1 MiB
  double channel_bandwidth_gbps() const;  // bandwidth_gbps / channels
};

struct CompressionUnitConfig {
  double clock_ghz = 1.0;        // > 0
  uint32_t pipeline_cycles = 8;  // latency of the datapath
  // Throughput per unit in bytes per cycle, keyed by codec::to_string(Algorithm); all six keys must be
  // present. none/zv: the RTL's 4 x 32-byte sectors per cycle; zcomp: one 512-bit vector; zl: DEFLATE
  // hardware of the era reached ~2.5 GB/s.
  std::map<std::string, double> bytes_per_cycle = {{"none", 128.0}, {"zv", 128.0},     {"rl", 32.0},
                                                   {"zl", 2.5},     {"zcomp-i", 64.0}, {"zcomp-s", 64.0}};
  std::string backend = "model";  // "model" (C++ golden codec) or "rtl" (Verilated RTL)
  // bytes_per_cycle[a] * clock_ghz. Throws ConfigError if the algorithm has no entry.
  double throughput_gbps(codec::Algorithm a) const;
};

struct CrossbarConfig {
  double port_gbps = 112.0;      // per memory-controller port, > 0
  double dma_port_gbps = 224.0;  // the DMA engine's port (all compressed traffic shares it), > 0
  double latency_ns = 20.0;      // >= 0
};

struct DmaConfig {
  // Transfer granularity; multiple of 128, 128..1 MiB, <= gpu.dram.interleave_bytes (a chunk comes from one
  // channel, so one compression unit sees all of it).
  uint32_t chunk_bytes = 4096;
  uint32_t outstanding_chunks = 64;    // chunks in flight, >= 1
  uint64_t buffer_bytes = 256 * 1024;  // aggregation buffer; >= min_buffer_bytes(chunk_bytes)
  // PCIe writes the buffer keeps in flight (posted-write flow-control credits), >= 1.
  uint32_t posted_writes = 32;
  // The buffer merges compressed chunks that are contiguous in host memory into writes of up to this many
  // bytes (the link splits them into Max_Payload_Size TLPs); 128 .. buffer_bytes.
  uint32_t write_burst_bytes = 4096;
  // One worst-case compressed chunk of any codec and element width must fit (RL on int8 is the largest: up to
  // ~3x the chunk; ZV fp32 grows a dense chunk by 1/32).
  static uint64_t min_buffer_bytes(uint32_t chunk_bytes);
};

struct PcieConfig {
  uint32_t generation = 3;           // 3, 4 or 5 (8, 16, 32 GT/s per lane; all 128b/130b)
  uint32_t lanes = 16;               // 1, 2, 4, 8 or 16
  uint32_t max_payload_bytes = 256;  // Max_Payload_Size: power of two, 128..4096
  uint32_t tlp_overhead_bytes = 24;  // header + sequence number + LCRC + framing per TLP, <= 64
  double dllp_overhead = 0.02;       // fraction of link time for ACK/flow-control DLLPs, in [0, 0.5)
  double latency_ns = 500.0;         // one-way latency, >= 0
  // Per lane per direction. Throws ConfigError for a generation other than 3, 4 or 5.
  double gigatransfers_per_s() const;
  double raw_gbps() const;  // lanes * GT/s * 128/130 / 8   (gen3 x16: 15.754 GB/s)
  // Payload bandwidth of a stream of max-payload TLPs: raw * MPS / (MPS + overhead) * (1 - dllp_overhead).
  double effective_gbps() const;
  // TLPs for `payload_bytes` (at least one: a zero-length request is still a packet).
  uint64_t tlps(uint64_t payload_bytes) const {
    return payload_bytes == 0 ? 1 : (payload_bytes + max_payload_bytes - 1) / max_payload_bytes;
  }
  // Link time of `payload_bytes` split into ceil(payload / MPS) TLPs (each with overhead), divided by
  // (1 - dllp_overhead), in ns. The second form takes raw_gbps() computed once (a hop's per-chunk path).
  double transfer_ns(uint64_t payload_bytes) const { return transfer_ns(payload_bytes, raw_gbps()); }
  double transfer_ns(uint64_t payload_bytes, double raw) const {
    const uint64_t n = (payload_bytes + max_payload_bytes - 1) / max_payload_bytes;
    const double wire_bytes =
        static_cast<double>(payload_bytes) + static_cast<double>(n) * tlp_overhead_bytes;
    return wire_bytes / raw / (1.0 - dllp_overhead);  // GB/s = bytes/ns
  }
};

struct HostDramConfig {
  double bandwidth_gbps = 76.8;           // > 0 (e.g. 4 x DDR4-2400 channels)
  double latency_ns = 90.0;               // >= 0
  uint64_t capacity_bytes = 64ull << 30;  // > 0
};

struct SimulationConfig {
  std::string mode =
      "at";  // "at" (approximately timed, 4-phase) or "lt" (loosely timed, temporal decoupling)
  double quantum_ns = 10000.0;  // LT: how far the DMA engine runs ahead of the kernel, > 0
  uint32_t queue_depth = 8;     // AT: requests each target accepts before withholding END_REQ, >= 1
};

struct GpuConfig {
  std::string name = "NVIDIA Titan X (Maxwell, GM200)";
  double fp32_tflops = 6.6;  // > 0
  GpuDramConfig dram;
  CompressionUnitConfig compression;
  CrossbarConfig crossbar;
  DmaConfig dma;
};

struct PlatformConfig {
  std::string name = "titan-x";  // short id, non-empty
  std::string description;       // free text
  GpuConfig gpu;
  PcieConfig pcie;
  HostDramConfig host_dram;
  SimulationConfig simulation;
};

// One rule a config breaks. `path` is the field the rule is stated on (JSON path, e.g.
// "gpu.dma.chunk_bytes"); `related` lists the other fields a cross-field rule reads, so a loader can blame
// whichever source set them.
struct ConfigIssue {
  std::string path;
  std::string problem;  // e.g. "must be >= 1, got 0"
  std::vector<std::string> related;
};

// Every rule the config breaks, in field order; empty if valid.
std::vector<ConfigIssue> find_issues(const PlatformConfig& config);
// Throws ConfigError for the first issue, e.g. "gpu.dram.channels must be >= 1, got 0".
void validate(const PlatformConfig& config);

}  // namespace cdma::config
