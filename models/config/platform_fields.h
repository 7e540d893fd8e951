// Every field of a platform config, declared once: its JSON key, the struct member, its unit, its range rule
// and a line of meaning. The JSON parser and writer (platform_config_json.cpp), the validator
// (platform_config.cpp) and the field tables of docs/platform-config.md (platform_config_doc.h, checked by a
// test) are visitors over this one list; rules between fields are in platform_config.cpp (cross_rules).
//
// A visitor V provides:
//   field(key, member, unit, rule, meaning)         a value; the rule is one of config/field_rules.h, or the
//                                                   EnumTable of an enum member
//   section(key, title, body)                       a nested object; body() visits its fields
//   keyed_section(key, noun, names, body)           a nested object whose keys are the names of an enum (the
//                                                   per-algorithm throughputs): an unknown key is an unknown
//                                                   <noun>, listed from `names`
#pragma once

#include <string>
#include <vector>

#include "codec/codec_config.h"
#include "config/field_rules.h"
#include "config/platform_config.h"
#include "tlm/timing_mode.h"

namespace cdma::config {

inline constexpr uint64_t kMiB = 1ull << 20;

// Physical ranges, wide enough for any real part and narrow enough that no simulated time can overflow
// SystemC's 64-bit picoseconds (2^63 ps is 107 days): bandwidths 1 MB/s .. 1 PB/s, latencies up to 1 s,
// clocks 1 MHz .. 100 GHz, capacities up to 1 PiB.
inline constexpr double kMinGbps = 1e-3, kMaxGbps = 1e6, kMaxLatencyNs = 1e9;
inline constexpr uint64_t kMaxCapacityBytes = 1ull << 50;
// AT mode runs one SystemC thread per queue slot of every port (and per DMA worker and posted write): the
// kernel's threads and their guarded stacks bound these.
inline constexpr uint64_t kMaxQueueDepth = 256, kMaxInFlight = 1024;

// For visitors that need each field's JSON path and nothing of the sections: section() and keyed_section()
// visit their bodies, path(key) is the field's path ("gpu.dram.channels").
class PathVisitor {
 public:
  template <typename Body>
  void section(const char* key, const char*, Body&& body) {
    prefix_.push_back(key);
    body();
    prefix_.pop_back();
  }
  template <typename Names, typename Body>
  void keyed_section(const char* key, const char*, const Names&, Body&& body) {
    section(key, "", body);
  }

 protected:
  std::string path(const char* key) const {
    std::string p;
    for (const std::string& s : prefix_) p += s + ".";
    return p + key;
  }

 private:
  std::vector<std::string> prefix_;
};

// `c` is PlatformConfig or const PlatformConfig.
template <typename V, typename C>
void visit_platform(V& v, C& c) {
  using namespace rule;
  v.field("name", c.name, "-", NonEmpty{}, "short id (the file name for shipped platforms)");
  v.field("description", c.description, "-", AnyValue{},
          "free text; the shipped files name their sources here");
  v.section("gpu", "", [&] {
    v.field("name", c.gpu.name, "-", NonEmpty{}, "marketing name");
    v.field("fp32_tflops", c.gpu.fp32_tflops, "10^12 FLOP/s", Physical{1e-3, 1e6},
            "FP32 peak, for the training simulation");
    v.section("dram", "GPU memory", [&] {
      auto& d = c.gpu.dram;
      v.field("channels", d.channels, "-", Between{1, 64}, "memory controllers, one compression unit each");
      v.field("bandwidth_gbps", d.bandwidth_gbps, "GB/s", Physical{kMinGbps, kMaxGbps},
              "total over all channels");
      v.field("latency_ns", d.latency_ns, "ns", Physical{0, kMaxLatencyNs}, "access latency");
      v.field("capacity_bytes", d.capacity_bytes, "bytes", Between{1, kMaxCapacityBytes}, "GPU memory size");
      v.field("interleave_bytes", d.interleave_bytes, "bytes", PowerOfTwo{128, kMiB},
              "granule of the address interleave across channels");
    });
    v.section("compression", "one unit per memory controller", [&] {
      auto& u = c.gpu.compression;
      v.field("clock_ghz", u.clock_ghz, "GHz", Physical{1e-3, 100}, "unit clock");
      v.field("pipeline_cycles", u.pipeline_cycles, "cycles", AtMost{1000000}, "latency of the datapath");
      v.keyed_section("bytes_per_cycle", "algorithm", codec::algorithm_names(), [&] {
        using codec::Algorithm;
        v.field("none", u.bytes_per_cycle[Algorithm::kNone], "B/cycle", Physical{1e-3, 1e6},
                "pass-through: 4 x 32 B sectors per cycle, as the ZV datapath");
        v.field("zv", u.bytes_per_cycle[Algorithm::kZv], "B/cycle", Physical{1e-3, 1e6},
                "the cDMA RTL's 4 x 32-byte sectors per cycle");
        v.field("rl", u.bytes_per_cycle[Algorithm::kRl], "B/cycle", Physical{1e-3, 1e6},
                "run-length: serial token logic, assumed one sector per cycle");
        v.field("zl", u.bytes_per_cycle[Algorithm::kZl], "B/cycle", Physical{1e-3, 1e6},
                "DEFLATE hardware of the era reached ~2.5 GB/s (cDMA paper)");
        v.field("zcomp-i", u.bytes_per_cycle[Algorithm::kZcompInterleaved], "B/cycle", Physical{1e-3, 1e6},
                "ZCOMP interleaved: one 512-bit vector per cycle");
        v.field("zcomp-s", u.bytes_per_cycle[Algorithm::kZcompSeparate], "B/cycle", Physical{1e-3, 1e6},
                "ZCOMP separate header: one 512-bit vector per cycle");
      });
      v.field("raw_bypass", u.raw_bypass, "-", AnyValue{},
              "a chunk the codec does not make smaller is stored and moved raw (counted in each unit's "
              "bypassed)");
      v.field("backend", u.backend, "-", compression_backend_names(),
              "C++ golden codec, or the Verilated ZV RTL ([rtl.md](rtl.md): ZV only, other algorithms fail; "
              "timing "
              "from the RTL's cycles)");
    });
    v.section("crossbar", "", [&] {
      auto& x = c.gpu.crossbar;
      v.field("port_gbps", x.port_gbps, "GB/s", Physical{kMinGbps, kMaxGbps}, "each memory-controller port");
      v.field("dma_port_gbps", x.dma_port_gbps, "GB/s", Physical{kMinGbps, kMaxGbps},
              "the DMA engine's port; all compressed traffic shares it");
      v.field("latency_ns", x.latency_ns, "ns", Physical{0, kMaxLatencyNs}, "traversal latency");
    });
    v.section("dma", "the cDMA engine", [&] {
      auto& d = c.gpu.dma;
      v.field("chunk_bytes", d.chunk_bytes, "bytes", MultipleOf{128, 128, kMiB}, "transfer granularity");
      v.field("outstanding_chunks", d.outstanding_chunks, "chunks", Between{1, kMaxInFlight},
              "chunks in flight (AT: one SystemC thread each)");
      v.field("buffer_bytes", d.buffer_bytes, "bytes", AnyValue{}, "aggregation buffer in front of PCIe");
      v.field("posted_writes", d.posted_writes, "count", Between{1, kMaxInFlight},
              "PCIe writes the buffer keeps in flight (posted-write flow-control credits)");
      v.field("write_burst_bytes", d.write_burst_bytes, "bytes", AnyValue{},
              "the buffer merges host-contiguous compressed chunks into writes up to this size");
    });
  });
  v.section("pcie", "the GPU-host link, per direction", [&] {
    auto& p = c.pcie;
    v.field("generation", p.generation, "-", OneOf{3, 4, 5}, "8, 16, 32 GT/s per lane, all 128b/130b coding");
    v.field("lanes", p.lanes, "-", OneOf{1, 2, 4, 8, 16}, "link width");
    v.field("max_payload_bytes", p.max_payload_bytes, "bytes", PowerOfTwo{128, 4096},
            "Max_Payload_Size of a memory-write TLP");
    v.field("tlp_overhead_bytes", p.tlp_overhead_bytes, "bytes", AtMost{64},
            "header + sequence number + LCRC + framing per TLP");
    v.field("dllp_overhead", p.dllp_overhead, "fraction", FractionBelow{0.5},
            "share of link time taken by ACK/flow-control DLLPs");
    v.field("latency_ns", p.latency_ns, "ns", Physical{0, kMaxLatencyNs}, "one-way latency");
  });
  v.section("host_dram", "", [&] {
    auto& h = c.host_dram;
    v.field("bandwidth_gbps", h.bandwidth_gbps, "GB/s", Physical{kMinGbps, kMaxGbps},
            "host memory bandwidth (4 x DDR4-2400 = 4 x 19.2 GB/s)");
    v.field("latency_ns", h.latency_ns, "ns", Physical{0, kMaxLatencyNs}, "access latency");
    v.field("capacity_bytes", h.capacity_bytes, "bytes", Between{1, kMaxCapacityBytes},
            "pinned host memory available for offloaded activations");
  });
  v.section("simulation", "", [&] {
    auto& s = c.simulation;
    v.field("mode", s.mode, "-", tlmx::timing_mode_names(),
            "approximately timed (4-phase) or loosely timed (temporal decoupling)");
    v.field("quantum_ns", s.quantum_ns, "ns", Physical{1, kMaxLatencyNs},
            "LT global quantum: how far the DMA engine runs ahead of the kernel before letting it catch up; "
            "results do not depend on it (tested), a larger one syncs less");
    v.field("queue_depth", s.queue_depth, "requests", Between{1, kMaxQueueDepth},
            "AT: requests a target accepts before withholding END_REQ (one SystemC thread each)");
    v.field("protocol_checks", s.protocol_checks, "-", AnyValue{},
            "a TLM-2.0 base-protocol checker on every binding of the SoC (tlmx::ProtocolChecker; violations "
            "in protocol_violations); costs simulation speed, not simulated time");
  });
}

}  // namespace cdma::config
