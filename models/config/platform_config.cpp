#include "config/platform_config.h"

#include <charconv>
#include <cmath>
#include <utility>

#include "codec/codec.h"

namespace cdma::config {

namespace {

// Shortest text that reads back to the same double, so messages show "336.5" rather than "336.500000".
std::string fmt(double v) {
  char buf[64];
  const auto res = std::to_chars(buf, buf + sizeof(buf), v);
  return std::string(buf, res.ptr);
}

std::string fmt(uint64_t v) {
  return std::to_string(v);
}

std::string fmt(uint32_t v) {
  return std::to_string(v);
}

std::string quoted(const std::string& s) {
  return "\"" + s + "\"";
}

bool is_pow2(uint64_t v) {
  return v != 0 && (v & (v - 1)) == 0;
}

class Checker {
 public:
  void fail(std::string path, std::string problem, std::vector<std::string> related = {}) {
    issues_.push_back({std::move(path), std::move(problem), std::move(related)});
  }

  // Non-finite values are rejected everywhere: JSON cannot carry them, so they would not survive to_json.
  bool finite(const std::string& path, double v) {
    if (std::isfinite(v)) return true;
    fail(path, "must be a finite number, got " + fmt(v));
    return false;
  }
  void positive(const std::string& path, double v) {
    if (finite(path, v) && !(v > 0)) fail(path, "must be > 0, got " + fmt(v));
  }
  void non_negative(const std::string& path, double v) {
    if (finite(path, v) && !(v >= 0)) fail(path, "must be >= 0, got " + fmt(v));
  }
  void at_least(const std::string& path, uint64_t v, uint64_t lo) {
    if (v < lo) fail(path, "must be >= " + fmt(lo) + ", got " + fmt(v));
  }
  void in_range(const std::string& path, uint64_t v, uint64_t lo, uint64_t hi) {
    if (v < lo) fail(path, "must be >= " + fmt(lo) + ", got " + fmt(v));
    if (v > hi) fail(path, "must be <= " + fmt(hi) + ", got " + fmt(v));
  }
  void pow2_in_range(const std::string& path, uint64_t v, uint64_t lo, uint64_t hi) {
    if (!is_pow2(v) || v < lo || v > hi) {
      fail(path, "must be a power of two in " + fmt(lo) + ".." + fmt(hi) + ", got " + fmt(v));
    }
  }
  void one_of(const std::string& path, const std::string& v, std::initializer_list<const char*> allowed) {
    std::string list;
    for (const char* a : allowed) {
      if (v == a) return;
      list += (list.empty() ? "" : " or ") + quoted(a);
    }
    fail(path, "must be " + list + ", got " + quoted(v));
  }

  std::vector<ConfigIssue> take() { return std::move(issues_); }

 private:
  std::vector<ConfigIssue> issues_;
};

constexpr uint64_t kMiB = 1ull << 20;

void check_dram(Checker& c, const GpuDramConfig& d) {
  c.in_range("gpu.dram.channels", d.channels, 1, 64);
  c.positive("gpu.dram.bandwidth_gbps", d.bandwidth_gbps);
  c.non_negative("gpu.dram.latency_ns", d.latency_ns);
  c.pow2_in_range("gpu.dram.interleave_bytes", d.interleave_bytes, 128, kMiB);
  if (d.capacity_bytes == 0) {
    c.fail("gpu.dram.capacity_bytes", "must be > 0, got 0");
  } else if (d.channels >= 1) {
    // Whole interleave rows keep every channel the same size, which the address map relies on.
    const uint64_t row = uint64_t{d.channels} * d.interleave_bytes;
    if (row != 0 && d.capacity_bytes % row != 0) {
      c.fail("gpu.dram.capacity_bytes",
             "must be a multiple of gpu.dram.channels * gpu.dram.interleave_bytes = " + fmt(row) + ", got " +
                 fmt(d.capacity_bytes),
             {"gpu.dram.channels", "gpu.dram.interleave_bytes"});
    }
  }
}

void check_compression(Checker& c, const CompressionUnitConfig& u) {
  c.positive("gpu.compression.clock_ghz", u.clock_ghz);
  for (codec::Algorithm a : codec::all_algorithms()) {
    const std::string key = codec::to_string(a);
    const auto it = u.bytes_per_cycle.find(key);
    if (it == u.bytes_per_cycle.end()) {
      c.fail("gpu.compression.bytes_per_cycle." + key, "must be present");
    } else {
      c.positive("gpu.compression.bytes_per_cycle." + key, it->second);
    }
  }
  for (const auto& [key, value] : u.bytes_per_cycle) {
    try {
      codec::parse_algorithm(key);
    } catch (const std::invalid_argument&) {
      c.fail("gpu.compression.bytes_per_cycle." + key,
             "unknown algorithm (expected none, zv, rl, zl, zcomp-i or zcomp-s)");
    }
  }
  c.one_of("gpu.compression.backend", u.backend, {"model", "rtl"});
}

void check_dma(Checker& c, const DmaConfig& d, const GpuDramConfig& dram) {
  if (d.chunk_bytes % 128 != 0 || d.chunk_bytes < 128 || d.chunk_bytes > kMiB) {
    c.fail("gpu.dma.chunk_bytes",
           "must be a multiple of 128 in 128.." + fmt(kMiB) + ", got " + fmt(d.chunk_bytes));
  } else if (d.chunk_bytes > dram.interleave_bytes) {
    // A chunk must come from one channel so one compression unit sees all of it.
    c.fail("gpu.dma.chunk_bytes",
           "must not exceed gpu.dram.interleave_bytes (" + fmt(dram.interleave_bytes) + "), got " +
               fmt(d.chunk_bytes),
           {"gpu.dram.interleave_bytes"});
  }
  c.at_least("gpu.dma.outstanding_chunks", d.outstanding_chunks, 1);
  c.at_least("gpu.dma.posted_writes", d.posted_writes, 1);
  if (d.write_burst_bytes < 128 || d.write_burst_bytes > d.buffer_bytes) {
    c.fail(
        "gpu.dma.write_burst_bytes",
        "must be in 128..gpu.dma.buffer_bytes (" + fmt(d.buffer_bytes) + "), got " + fmt(d.write_burst_bytes),
        {"gpu.dma.buffer_bytes"});
  }
  const uint64_t min_buffer = DmaConfig::min_buffer_bytes(d.chunk_bytes);
  if (d.buffer_bytes < min_buffer) {
    c.fail("gpu.dma.buffer_bytes",
           "must be >= " + fmt(min_buffer) + " (one worst-case compressed chunk of gpu.dma.chunk_bytes = " +
               fmt(d.chunk_bytes) + " with any codec: RL on int8), got " + fmt(d.buffer_bytes),
           {"gpu.dma.chunk_bytes"});
  }
}

}  // namespace

uint64_t DmaConfig::min_buffer_bytes(uint32_t chunk_bytes) {
  size_t worst = 0;
  for (codec::Algorithm a :
       {codec::Algorithm::kNone, codec::Algorithm::kZv, codec::Algorithm::kRl, codec::Algorithm::kZl,
        codec::Algorithm::kZcompInterleaved, codec::Algorithm::kZcompSeparate}) {
    for (codec::ElementWidth e :
         {codec::ElementWidth::k8, codec::ElementWidth::k16, codec::ElementWidth::k32}) {
      worst = std::max(worst, codec::make_codec({a, e, 6})->max_compressed_size(chunk_bytes));
    }
  }
  return worst;
}

namespace {

void check_pcie(Checker& c, const PcieConfig& p) {
  if (p.generation < 3 || p.generation > 5)
    c.fail("pcie.generation", "must be 3, 4 or 5, got " + fmt(p.generation));
  if (!is_pow2(p.lanes) || p.lanes > 16)
    c.fail("pcie.lanes", "must be 1, 2, 4, 8 or 16, got " + fmt(p.lanes));
  c.pow2_in_range("pcie.max_payload_bytes", p.max_payload_bytes, 128, 4096);
  if (p.tlp_overhead_bytes > 64)
    c.fail("pcie.tlp_overhead_bytes", "must be <= 64, got " + fmt(p.tlp_overhead_bytes));
  if (c.finite("pcie.dllp_overhead", p.dllp_overhead) && !(p.dllp_overhead >= 0 && p.dllp_overhead < 0.5)) {
    c.fail("pcie.dllp_overhead", "must be in [0, 0.5), got " + fmt(p.dllp_overhead));
  }
  c.non_negative("pcie.latency_ns", p.latency_ns);
}

}  // namespace

double GpuDramConfig::channel_bandwidth_gbps() const {
  return channels == 0 ? 0.0 : bandwidth_gbps / channels;
}

double CompressionUnitConfig::throughput_gbps(codec::Algorithm a) const {
  const auto it = bytes_per_cycle.find(codec::to_string(a));
  if (it == bytes_per_cycle.end()) {
    throw ConfigError(std::string("gpu.compression.bytes_per_cycle.") + codec::to_string(a) + " is missing");
  }
  return it->second * clock_ghz;  // bytes/cycle * 1e9 cycles/s = GB/s
}

double PcieConfig::gigatransfers_per_s() const {
  switch (generation) {
    case 3:
      return 8.0;
    case 4:
      return 16.0;
    case 5:
      return 32.0;
  }
  // Gen 1/2 use 8b/10b coding, which the closed forms below do not model.
  throw ConfigError("pcie.generation must be 3, 4 or 5, got " + fmt(generation));
}

double PcieConfig::raw_gbps() const {
  return lanes * gigatransfers_per_s() * (128.0 / 130.0) / 8.0;
}

double PcieConfig::effective_gbps() const {
  const double mps = max_payload_bytes;
  return raw_gbps() * mps / (mps + tlp_overhead_bytes) * (1.0 - dllp_overhead);
}

std::vector<ConfigIssue> find_issues(const PlatformConfig& config) {
  Checker c;
  if (config.name.empty()) c.fail("name", "must not be empty");
  if (config.gpu.name.empty()) c.fail("gpu.name", "must not be empty");
  c.positive("gpu.fp32_tflops", config.gpu.fp32_tflops);
  check_dram(c, config.gpu.dram);
  check_compression(c, config.gpu.compression);
  c.positive("gpu.crossbar.port_gbps", config.gpu.crossbar.port_gbps);
  c.positive("gpu.crossbar.dma_port_gbps", config.gpu.crossbar.dma_port_gbps);
  c.non_negative("gpu.crossbar.latency_ns", config.gpu.crossbar.latency_ns);
  check_dma(c, config.gpu.dma, config.gpu.dram);
  check_pcie(c, config.pcie);
  c.positive("host_dram.bandwidth_gbps", config.host_dram.bandwidth_gbps);
  c.non_negative("host_dram.latency_ns", config.host_dram.latency_ns);
  if (config.host_dram.capacity_bytes == 0) c.fail("host_dram.capacity_bytes", "must be > 0, got 0");
  c.one_of("simulation.mode", config.simulation.mode, {"at", "lt"});
  c.positive("simulation.quantum_ns", config.simulation.quantum_ns);
  c.at_least("simulation.queue_depth", config.simulation.queue_depth, 1);
  return c.take();
}

void validate(const PlatformConfig& config) {
  const std::vector<ConfigIssue> issues = find_issues(config);
  if (!issues.empty()) throw ConfigError(issues.front().path + " " + issues.front().problem);
}

}  // namespace cdma::config
