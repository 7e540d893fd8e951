// Host (CPU) memory behind the PCIe link: bandwidth, latency, and the real compressed bytes offloaded into
// it.
#pragma once

#include <systemc>

#include "config/platform_config.h"
#include "memory/memory_device.h"
#include "stats/group.h"
#include "tlm/resource_owner.h"
#include "tlm/target_port.h"

namespace cdma::memory {

class CpuDram : public sc_core::sc_module, public stats::Reporter, public tlmx::ResourceOwner {
 public:
  tlmx::TargetPort port;  // from the PCIe link (root complex side)

  CpuDram(const sc_core::sc_module_name& name, const config::HostDramConfig& cfg, tlmx::TimingMode mode,
          unsigned queue_depth);

  MemoryDevice& device() { return device_; }
  const MemoryDevice& device() const { return device_; }
  // The device's figures and "port".
  const stats::Group& statistics() const override { return stats_; }
  std::vector<const tlmx::BandwidthResource*> resources() const override { return {&device_.bandwidth()}; }

 private:
  MemoryDevice device_;
  stats::Group stats_;
};

}  // namespace cdma::memory
