// Typed description of one simulated platform (GPU, PCIe link, host memory, simulation settings). Plain C++
// with no JSON so the SystemC models depend only on these structs; the loader is platform_config_json.h.
// Units are in the field names: bandwidths in GB/s with G = 1e9 bytes, times in ns. The defaults are the
// Titan X (Maxwell) baseline. Every field's name, unit, range and meaning is declared once, in
// platform_fields.h; the parser, to_json, the validator and the table in docs/platform-config.md all read
// that one list.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "codec/codec_config.h"
#include "tlm/timing_mode.h"
#include "util/enum_table.h"

namespace cdma::config {

class ConfigError : public std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct GpuDramConfig {
  uint32_t channels = 6;
  double bandwidth_gbps = 336.5;  // total over all channels
  double latency_ns = 100.0;
  uint64_t capacity_bytes = 12ull << 30;
  uint32_t interleave_bytes = 4096;
  double channel_bandwidth_gbps() const;  // bandwidth_gbps / channels
};

// One value per codec algorithm, indexed by the enum.
template <typename T>
class PerAlgorithm {
 public:
  PerAlgorithm(std::initializer_list<T> values) {
    size_t i = 0;
    for (T v : values) values_.at(i++) = v;
  }
  T& operator[](codec::Algorithm a) { return values_.at(static_cast<size_t>(a)); }
  const T& operator[](codec::Algorithm a) const { return values_.at(static_cast<size_t>(a)); }

 private:
  std::array<T, 6> values_{};  // codec::all_algorithms(), in enum order
};

// How a compression unit computes: the golden C++ codecs with bytes_per_cycle timing, or the Verilated ZV
// RTL.
enum class CompressionBackend { kModel, kRtl };
const util::EnumTable<CompressionBackend, 2>& compression_backend_names();

struct CompressionUnitConfig {
  double clock_ghz = 1.0;
  uint32_t pipeline_cycles = 8;
  // Throughput per unit in bytes per cycle (none, zv, rl, zl, zcomp-i, zcomp-s).
  PerAlgorithm<double> bytes_per_cycle = {128.0, 128.0, 32.0, 2.5, 64.0, 64.0};
  CompressionBackend backend = CompressionBackend::kModel;
  // A chunk that does not get smaller is stored raw (its compressed size is its original size), as DMA
  // compressors do: dense data never grows.
  bool raw_bypass = true;
  // bytes_per_cycle[a] * clock_ghz.
  double throughput_gbps(codec::Algorithm a) const;
};

struct CrossbarConfig {
  double port_gbps = 112.0;      // per memory-controller port
  double dma_port_gbps = 224.0;  // the DMA engine's port (all compressed traffic shares it)
  double latency_ns = 20.0;
};

struct DmaConfig {
  uint32_t chunk_bytes = 4096;
  uint32_t outstanding_chunks = 64;
  uint64_t buffer_bytes = 256 * 1024;
  uint32_t posted_writes = 32;
  uint32_t write_burst_bytes = 4096;
  // One worst-case compressed chunk of any codec and element width must fit (RL on int8 is the largest: up to
  // ~3x the chunk; ZV fp32 grows a dense chunk by 1/32).
  static uint64_t min_buffer_bytes(uint32_t chunk_bytes);
};

struct PcieConfig {
  uint32_t generation = 3;
  uint32_t lanes = 16;
  uint32_t max_payload_bytes = 256;
  uint32_t tlp_overhead_bytes = 24;
  double dllp_overhead = 0.02;
  double latency_ns = 500.0;
  // Per lane per direction. Throws ConfigError for a generation other than 3, 4 or 5.
  double gigatransfers_per_s() const;
  double raw_gbps() const;  // lanes * GT/s * 128/130 / 8   (gen3 x16: 15.754 GB/s)
  // Payload bandwidth of a stream of max-payload TLPs: raw * MPS / (MPS + overhead) * (1 - dllp_overhead).
  double effective_gbps() const;
  // A request may not cross a 4 KiB address boundary (PCIe base specification), so a transfer is cut there
  // first, then into Max_Payload_Size TLPs.
  static constexpr uint64_t kTlpBoundaryBytes = 4096;
  // TLPs for `payload_bytes` at `address` (at least one: a zero-length request is still a packet).
  uint64_t tlps(uint64_t address, uint64_t payload_bytes) const {
    if (payload_bytes == 0) return 1;
    const uint64_t mps = max_payload_bytes;
    const uint64_t head = std::min(payload_bytes, kTlpBoundaryBytes - address % kTlpBoundaryBytes);
    const uint64_t rest = payload_bytes - head;
    const uint64_t per_page = (kTlpBoundaryBytes + mps - 1) / mps;
    const uint64_t tail = rest % kTlpBoundaryBytes;
    return (head + mps - 1) / mps + rest / kTlpBoundaryBytes * per_page + (tail + mps - 1) / mps;
  }
  // Link time of `payload_bytes` at `address` in tlps() TLPs (each with overhead), divided by
  // (1 - dllp_overhead), in ns. The last form takes raw_gbps() computed once (a hop's per-chunk path).
  double transfer_ns(uint64_t address, uint64_t payload_bytes) const {
    return transfer_ns(address, payload_bytes, raw_gbps());
  }
  double transfer_ns(uint64_t address, uint64_t payload_bytes, double raw) const {
    if (payload_bytes == 0) return 0.0;
    const double wire_bytes = static_cast<double>(payload_bytes) +
                              static_cast<double>(tlps(address, payload_bytes)) * tlp_overhead_bytes;
    return wire_bytes / raw / (1.0 - dllp_overhead);  // GB/s = bytes/ns
  }
};

struct HostDramConfig {
  double bandwidth_gbps = 76.8;
  double latency_ns = 90.0;
  uint64_t capacity_bytes = 64ull << 30;
};

struct SimulationConfig {
  tlmx::TimingMode mode = tlmx::TimingMode::kAt;
  double quantum_ns = 10000.0;
  uint32_t queue_depth = 8;
  bool protocol_checks = false;
};

struct GpuConfig {
  std::string name = "NVIDIA Titan X (Maxwell, GM200)";
  double fp32_tflops = 6.6;
  GpuDramConfig dram;
  CompressionUnitConfig compression;
  CrossbarConfig crossbar;
  DmaConfig dma;
};

struct PlatformConfig {
  std::string name = "titan-x";
  std::string description;
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

// A rule between fields: stated on `path`, reading `related` too (so a loader can blame whichever source set
// them); `text` is its line in the documentation table.
struct CrossRule {
  std::string path;
  std::vector<std::string> related;
  std::string text;
  std::function<std::optional<std::string>(const PlatformConfig&)> check;  // the problem, if broken
};
const std::vector<CrossRule>& cross_rules();

// Every rule the config breaks: each field's (in field order), then those between fields; empty if valid.
std::vector<ConfigIssue> find_issues(const PlatformConfig& config);
// Throws ConfigError for the first issue, e.g. "gpu.dram.channels must be >= 1, got 0".
void validate(const PlatformConfig& config);

}  // namespace cdma::config
