// The cDMA system on chip, assembled from a PlatformConfig: per channel a GPU memory controller with its
// compression unit, the crossbar, the DMA engine with its aggregation buffer, the PCIe link and host DRAM.
//
//   engine.gpu ──> crossbar ──ch i──> compression unit i ──> memory controller i      (one per channel)
//   engine.buffer ──> aggregation buffer ──> PCIe.from_buffer ─┐
//   engine.host ─────────────────────────> PCIe.from_engine ───┴──> host DRAM
#pragma once

#include <systemc>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "compression/compression_unit.h"
#include "config/platform_config.h"
#include "dma/aggregation_buffer.h"
#include "dma/cdma_engine.h"
#include "interconnect/crossbar.h"
#include "interconnect/pcie_link.h"
#include "memory/address_map.h"
#include "memory/cpu_dram.h"
#include "memory/gpu_memory_controller.h"
#include "soc/gpu_backdoor.h"
#include "soc/host_backdoor.h"
#include "stats/group.h"
#include "stats/snapshot.h"
#include "tlm/protocol_checker.h"

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

  // The real bytes of GPU and host memory, without simulated time: loading inputs, checking results.
  GpuBackdoor& gpu_memory() { return gpu_backdoor_; }
  HostBackdoor& host_memory() { return host_backdoor_; }

  // When the last reservation on any hop ends. A descriptor completes when its last chunk is done, which
  // can be before every hop it used is free again (a write's DRAM time, a link's tail); a measurement that
  // wants an idle platform starts after this.
  sc_core::sc_time busy_until() const;
  // Every hop's busy time (tlmx::BandwidthResource::hop; a hop of several resources, one per channel, reports
  // their mean).
  HopSnapshot snapshot() const;
  static HopUtilisation utilisation(const HopSnapshot& before, const HopSnapshot& after);
  // {simulated_time_s, mode, modules: {<module name>: its statistics}, protocol_violations}: every child
  // module that reports statistics (stats::Reporter), found by walking the hierarchy.
  const stats::Group& statistics() const { return stats_; }
  const stats::Group& module_statistics() const { return modules_; }  // the "modules" part
  nlohmann::json stats() const { return stats_.to_json(sc_core::sc_time_stamp()); }
  // The same, typed, to merge with other SoCs' (stats::merge).
  stats::Snapshot stats_snapshot() const { return stats_.snapshot(sc_core::sc_time_stamp()); }
  // Protocol violations seen by every port and protocol checker anywhere below the SoC (0 in a correct run).
  uint64_t protocol_violations() const;
  // The checkers on the SoC's bindings (simulation.protocol_checks), one per binding.
  size_t protocol_checkers() const { return checkers_.size(); }

 private:
  // Binds `from` to `to`, through a ProtocolChecker named check_<target> when protocol checks are on.
  template <typename From, typename To>
  void connect(From& from, To& to, const std::string& binding);

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
  GpuBackdoor gpu_backdoor_;
  HostBackdoor host_backdoor_;
  std::vector<std::unique_ptr<tlmx::ProtocolChecker>> checkers_;

  stats::Group stats_, modules_;
};

}  // namespace cdma::platform
