// The cDMA system on chip, assembled from a PlatformConfig: per channel a GPU memory controller with its
// compression unit, the crossbar, the DMA engine with its aggregation buffer, the PCIe link and host DRAM.
//
//   engine.gpu ──> crossbar ──ch i──> compression unit i ──> memory controller i      (one per channel)
//   engine.buffer ──> aggregation buffer ──> PCIe.from_buffer ─┐
//   engine.host ─────────────────────────> PCIe.from_engine ───┴──> host DRAM
#pragma once

#include <systemc>

#include <algorithm>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "codec/bytes.h"
#include "compression/compression_unit.h"
#include "config/platform_config.h"
#include "dma/aggregation_buffer.h"
#include "dma/cdma_engine.h"
#include "interconnect/crossbar.h"
#include "interconnect/pcie_link.h"
#include "memory/address_map.h"
#include "memory/cpu_dram.h"
#include "memory/gpu_memory_controller.h"
#include "memory/memory_image.h"

namespace cdma::platform {

// Busy time of every hop at one moment; two snapshots give each hop's utilisation over a window.
struct HopSnapshot {
  sc_core::sc_time at;
  std::map<std::string, double> busy_s;  // hop -> busy seconds (per-channel hops: mean over channels)
};

struct HopUtilisation {
  std::map<std::string, double> fraction;  // hop -> busy fraction of the window
  std::string bottleneck;                  // the busiest hop
};

class CdmaSoc : public sc_core::sc_module {
 public:
  CdmaSoc(const sc_core::sc_module_name& name, const config::PlatformConfig& cfg);

  const config::PlatformConfig& config() const { return cfg_; }
  tlmx::TimingMode mode() const { return mode_; }
  const memory::AddressMap& address_map() const { return map_; }
  dma::CdmaEngine& engine() { return engine_; }

  // Backdoor access to the real bytes (no simulated time), for loading inputs and checking results.
  void write_gpu(uint64_t address, codec::ByteSpan data);
  codec::Bytes read_gpu(uint64_t address, uint64_t bytes) const;
  // True if GPU memory at `address` holds exactly `expected` (compared in place, no copy).
  bool gpu_equals(uint64_t address, codec::ByteSpan expected) const;
  void discard_gpu(uint64_t address, uint64_t bytes);
  // The same with whole pages (memory/memory_image.h): adopt_gpu installs an image's pages (as write_gpu of
  // its bytes), take_gpu takes a range's pages out (as read_gpu then discard_gpu), without copying.
  void adopt_gpu(memory::MemoryImage image);
  memory::MemoryImage take_gpu(uint64_t address, uint64_t bytes);
  void write_gpu(const memory::MemoryImage& image);
  bool gpu_equals(const memory::MemoryImage& expected) const;
  // A check of bytes coming back into a freed range: expect_gpu primes the range's unwritten pages with
  // `expected` (SparseMemory::prime), so writes that reproduce it in order are compared as they land (hot
  // in cache) instead of copied; gpu_meets_expectation() then says whether GPU memory holds exactly
  // `expected`, as gpu_equals would, comparing only pages not so filled. GPU memory reads and writes exactly
  // as without the priming. `expected` must stay alive until gpu_meets_expectation().
  void expect_gpu(const memory::MemoryImage& expected);
  bool gpu_meets_expectation();
  // Calls hook(channel, local address, bytes) before every access to GPU memory, by the models or through
  // the calls above (memory::SparseMemory::set_access_hook): lets pages adopted unfilled be filled just
  // before they are first used. Empty to remove.
  using GpuAccessHook = std::function<void(uint32_t channel, uint64_t local, uint64_t len)>;
  void set_gpu_access_hook(const GpuAccessHook& hook);
  void write_host(uint64_t address, codec::ByteSpan data);
  codec::Bytes read_host(uint64_t address, uint64_t bytes) const;
  void discard_host(uint64_t address, uint64_t bytes);

  // When the last reservation on any hop ends. A descriptor completes when its last chunk is done, which
  // can be before every hop it used is free again (a write's DRAM time, a link's tail); a measurement that
  // wants an idle platform starts after this.
  sc_core::sc_time busy_until() const;
  HopSnapshot snapshot() const;
  static HopUtilisation utilisation(const HopSnapshot& before, const HopSnapshot& after);
  // Per-module statistics tree plus simulated time.
  nlohmann::json stats() const;
  // Protocol violations seen by every port (0 in a correct run).
  uint64_t protocol_violations() const;

 private:
  memory::SparseMemory& gpu_store(uint32_t channel) const;
  // Calls fn(channel address, offset into the range, length) for each granule-sized piece of
  // [address, address + bytes), in order, while fn returns true; returns false if it stopped early.
  template <typename Fn>
  bool for_each_granule(uint64_t address, uint64_t bytes, Fn&& fn) const {
    for (uint64_t off = 0; off < bytes;) {
      const uint64_t n = std::min<uint64_t>(map_.bytes_to_granule_end(address + off), bytes - off);
      if (!fn(map_.decode(address + off), off, n)) return false;
      off += n;
    }
    return true;
  }

  config::PlatformConfig cfg_;
  tlmx::TimingMode mode_;
  memory::AddressMap map_;
  std::vector<std::unique_ptr<memory::GpuMemoryController>> controllers_;
  std::vector<std::unique_ptr<compression::CompressionUnit>> units_;
  interconnect::Crossbar crossbar_;
  dma::AggregationBuffer buffer_;
  dma::CdmaEngine engine_;
  interconnect::PcieLink pcie_;
  memory::CpuDram host_;
  const memory::MemoryImage* expected_ = nullptr;  // between expect_gpu and gpu_meets_expectation
};

}  // namespace cdma::platform
