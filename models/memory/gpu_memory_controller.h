// One GPU memory channel: its share of the DRAM bandwidth, the access latency, and the bytes of every address
// the interleaved address map assigns to it. Requests carry global GPU addresses; one that belongs to another
// channel or runs past this channel's granule gets TLM_ADDRESS_ERROR_RESPONSE.
#pragma once

#include <systemc>

#include <memory>

#include "config/platform_config.h"
#include "memory/address_map.h"
#include "memory/memory_device.h"
#include "stats/group.h"
#include "tlm/module_logger.h"
#include "tlm/resource_owner.h"
#include "tlm/target_port.h"

namespace cdma::memory {

class GpuMemoryController : public sc_core::sc_module, public stats::Reporter, public tlmx::ResourceOwner {
 public:
  tlmx::TargetPort port;  // from this channel's compression unit

  GpuMemoryController(const sc_core::sc_module_name& name, uint32_t channel, const config::GpuDramConfig& cfg,
                      const AddressMap& map, tlmx::TimingMode mode, unsigned queue_depth);

  uint32_t channel() const { return channel_; }
  MemoryDevice& device() { return device_; }
  const MemoryDevice& device() const { return device_; }
  // The device's figures and "port".
  const stats::Group& statistics() const override { return stats_; }
  std::vector<const tlmx::BandwidthResource*> resources() const override { return {&device_.bandwidth()}; }

 private:
  void handle(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);

  uint32_t channel_;
  const AddressMap& map_;
  MemoryDevice device_;
  stats::Group stats_;
  std::shared_ptr<spdlog::logger> log_;
};

}  // namespace cdma::memory
