#include "config/platform_config.h"

#include <functional>
#include <utility>

#include "codec/codec.h"
#include "config/platform_fields.h"

namespace cdma::config {

const util::EnumTable<CompressionBackend, 2>& compression_backend_names() {
  static const util::EnumTable<CompressionBackend, 2> names(
      "compression backend", {{{CompressionBackend::kModel, "model"}, {CompressionBackend::kRtl, "rtl"}}});
  return names;
}

double GpuDramConfig::channel_bandwidth_gbps() const {
  return channels == 0 ? 0.0 : bandwidth_gbps / channels;
}

double CompressionUnitConfig::throughput_gbps(codec::Algorithm a) const {
  return bytes_per_cycle[a] * clock_ghz;  // bytes/cycle * 1e9 cycles/s = GB/s
}

uint64_t DmaConfig::min_buffer_bytes(uint32_t chunk_bytes) {
  size_t worst = 0;
  for (codec::Algorithm a : codec::all_algorithms()) {
    for (codec::ElementWidth e :
         {codec::ElementWidth::k8, codec::ElementWidth::k16, codec::ElementWidth::k32}) {
      worst = std::max(worst, codec::make_codec({a, e, 6})->max_compressed_size(chunk_bytes));
    }
  }
  return worst;
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
  throw ConfigError("pcie.generation must be 3, 4 or 5, got " + rule::fmt(uint64_t{generation}));
}

double PcieConfig::raw_gbps() const {
  return lanes * gigatransfers_per_s() * (128.0 / 130.0) / 8.0;
}

double PcieConfig::effective_gbps() const {
  const double mps = max_payload_bytes;
  return raw_gbps() * mps / (mps + tlp_overhead_bytes) * (1.0 - dllp_overhead);
}

namespace {

using rule::fmt;
using rule::Problem;

// Applies every field's rule of platform_fields.h, recording the broken ones with their JSON paths.
class Checker : public PathVisitor {
 public:
  explicit Checker(std::vector<ConfigIssue>& issues) : issues_(issues) {}

  template <typename T, typename Rule>
  void field(const char* key, const T& value, const char*, const Rule& r, const char*) {
    if (Problem p = r.check(widen(value))) issues_.push_back({path(key), *p, {}});
  }
  template <typename E, size_t N>
  void field(const char* key, const E& value, const char*, const util::EnumTable<E, N>& names, const char*) {
    if (!names.find(names.name(value))) {
      issues_.push_back({path(key), "must be " + names.list("\"") + ", got an undefined value", {}});
    }
  }

 private:
  // Unsigned fields are checked as 64-bit, so one rule serves every width.
  static uint64_t widen(uint32_t v) { return v; }
  static uint64_t widen(uint64_t v) { return v; }
  static double widen(double v) { return v; }
  static bool widen(bool v) { return v; }
  static const std::string& widen(const std::string& v) { return v; }

  std::vector<ConfigIssue>& issues_;
};

}  // namespace

const std::vector<CrossRule>& cross_rules() {
  static const std::vector<CrossRule> rules = {
      {"gpu.dram.capacity_bytes",
       {"gpu.dram.channels", "gpu.dram.interleave_bytes"},
       "multiple of `channels * interleave_bytes` (every channel the same size, whole interleave rows)",
       [](const PlatformConfig& c) -> Problem {
         const GpuDramConfig& d = c.gpu.dram;
         const uint64_t row = uint64_t{d.channels} * d.interleave_bytes;
         if (d.capacity_bytes == 0 || row == 0 || d.capacity_bytes % row == 0) return std::nullopt;
         return "must be a multiple of gpu.dram.channels * gpu.dram.interleave_bytes = " + fmt(row) +
                ", got " + fmt(d.capacity_bytes);
       }},
      {"gpu.dma.chunk_bytes",
       {"gpu.dram.interleave_bytes"},
       "<= `gpu.dram.interleave_bytes` (a chunk comes from one channel, so one compression unit compresses "
       "it)",
       [](const PlatformConfig& c) -> Problem {
         const uint32_t chunk = c.gpu.dma.chunk_bytes, granule = c.gpu.dram.interleave_bytes;
         if (rule::MultipleOf{128, 128, kMiB}.check(uint64_t{chunk}) || chunk <= granule) return std::nullopt;
         return "must not exceed gpu.dram.interleave_bytes (" + fmt(uint64_t{granule}) + "), got " +
                fmt(uint64_t{chunk});
       }},
      {"gpu.dma.write_burst_bytes",
       {"gpu.dma.buffer_bytes"},
       "128..`buffer_bytes`",
       [](const PlatformConfig& c) -> Problem {
         const DmaConfig& d = c.gpu.dma;
         if (d.write_burst_bytes >= 128 && d.write_burst_bytes <= d.buffer_bytes) return std::nullopt;
         return "must be in 128..gpu.dma.buffer_bytes (" + fmt(d.buffer_bytes) + "), got " +
                fmt(uint64_t{d.write_burst_bytes});
       }},
      {"gpu.dma.buffer_bytes",
       {"gpu.dma.chunk_bytes"},
       ">= one worst-case compressed chunk of `chunk_bytes` with any codec (RL on int8: ~3 x `chunk_bytes`, "
       "12296 for 4 KiB)",
       [](const PlatformConfig& c) -> Problem {
         const DmaConfig& d = c.gpu.dma;
         const uint64_t min_buffer = DmaConfig::min_buffer_bytes(d.chunk_bytes);
         if (d.buffer_bytes >= min_buffer) return std::nullopt;
         return "must be >= " + fmt(min_buffer) +
                " (one worst-case compressed chunk of gpu.dma.chunk_bytes = " + fmt(uint64_t{d.chunk_bytes}) +
                " with any codec: RL on int8), got " + fmt(d.buffer_bytes);
       }},
  };
  return rules;
}

std::vector<ConfigIssue> find_issues(const PlatformConfig& config) {
  std::vector<ConfigIssue> issues;
  Checker checker(issues);
  visit_platform(checker, config);
  for (const CrossRule& r : cross_rules()) {
    if (Problem p = r.check(config)) issues.push_back({r.path, *p, r.related});
  }
  return issues;
}

void validate(const PlatformConfig& config) {
  const std::vector<ConfigIssue> issues = find_issues(config);
  if (!issues.empty()) throw ConfigError(issues.front().path + " " + issues.front().problem);
}

}  // namespace cdma::config
