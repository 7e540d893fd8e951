// The GPU crossbar between the memory-controller side and the DMA engine. Each channel has a port of its own
// bandwidth; everything to or from the DMA engine shares the DMA port. It routes by the interleaved address
// map and carries what the compression units produce, so on offload it moves compressed bytes: contention
// appears only when the compressed stream is wide enough.
#pragma once

#include <systemc>

#include <memory>
#include <vector>

#include "config/platform_config.h"
#include "memory/address_map.h"
#include "stats/group.h"
#include "stats/values.h"
#include "tlm/bandwidth_resource.h"
#include "tlm/initiator_port.h"
#include "tlm/module_logger.h"
#include "tlm/resource_owner.h"
#include "tlm/target_port.h"

namespace cdma::interconnect {

class Crossbar : public sc_core::sc_module, public stats::Reporter, public tlmx::ResourceOwner {
 public:
  tlmx::TargetPort dma;                                        // from the DMA engine
  std::vector<std::unique_ptr<tlmx::InitiatorPort>> channels;  // to each channel's compression unit

  Crossbar(const sc_core::sc_module_name& name, const config::CrossbarConfig& cfg,
           const memory::AddressMap& map, tlmx::TimingMode mode, unsigned queue_depth);

  const tlmx::BandwidthResource& dma_port() const { return dma_port_; }
  // {dma_port, channel_ports[], errors, port}
  const stats::Group& statistics() const override { return stats_; }
  std::vector<const tlmx::BandwidthResource*> resources() const override;

 private:
  void handle(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
  // Moves `bytes` between channel `ch` and the DMA port starting no earlier than now + delay.
  void move(uint32_t ch, uint64_t bytes, sc_core::sc_time& delay);

  const memory::AddressMap& map_;
  sc_core::sc_time latency_;
  std::vector<std::unique_ptr<tlmx::BandwidthResource>> ports_;
  tlmx::BandwidthResource dma_port_;
  std::shared_ptr<spdlog::logger> log_;
  stats::Counter errors_;
  stats::Group stats_;
};

}  // namespace cdma::interconnect
