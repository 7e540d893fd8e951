// The PCIe link between the GPU and the host: two independent directions, each lanes x GT/s with 128b/130b
// coding. Data moves in TLPs of at most Max_Payload_Size, each with header/sequence/LCRC/framing overhead,
// and ACK/flow-control DLLPs take a further fraction of link time. Writes toward the host are posted; reads
// send header-only requests upstream and get their data back in completions downstream. One-way latency on
// each trip.
#pragma once

#include <systemc>

#include "config/platform_config.h"
#include "stats/group.h"
#include "stats/values.h"
#include "tlm/bandwidth_resource.h"
#include "tlm/initiator_port.h"
#include "tlm/module_logger.h"
#include "tlm/resource_owner.h"
#include "tlm/target_port.h"
#include "tlm/time_scale.h"

namespace cdma::interconnect {

class PcieLink : public sc_core::sc_module, public stats::Reporter, public tlmx::ResourceOwner {
 public:
  tlmx::TargetPort from_buffer;  // offload data from the aggregation buffer
  tlmx::TargetPort from_engine;  // the engine's own reads and writes (prefetch data, chunk index)
  tlmx::InitiatorPort host;      // to host memory (through the root complex)

  // writes_in_flight: posted writes the link holds (the sender's credits); reads_in_flight: outstanding
  // non-posted reads (tags). Each bounds how many requests of that port are in flight.
  PcieLink(const sc_core::sc_module_name& name, const config::PcieConfig& cfg, tlmx::TimingMode mode,
           unsigned writes_in_flight, unsigned reads_in_flight);

  // Link time of `payload` bytes at `address` as TLPs (overhead and DLLP share included; no TLP crosses a
  // 4 KiB boundary).
  sc_core::sc_time data_time(uint64_t address, uint64_t payload) const;
  // Link time of the header-only read requests for `payload` bytes at `address`.
  sc_core::sc_time request_time(uint64_t address, uint64_t payload) const;
  const tlmx::BandwidthResource& to_host() const { return to_host_; }
  const tlmx::BandwidthResource& to_gpu() const { return to_gpu_; }
  const stats::Group& statistics() const override { return stats_; }
  std::vector<const tlmx::BandwidthResource*> resources() const override { return {&to_host_, &to_gpu_}; }

 private:
  void handle(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);

  const config::PcieConfig& cfg_;
  tlmx::TimeScale ns_{sc_core::SC_NS};
  double raw_gbps_;  // cfg_.raw_gbps(), computed once: every chunk is timed with it
  sc_core::sc_time latency_;
  tlmx::BandwidthResource to_host_;
  tlmx::BandwidthResource to_gpu_;
  std::shared_ptr<spdlog::logger> log_;
  stats::Counter tlps_to_host_, tlps_to_gpu_;
  stats::Group stats_;
};

}  // namespace cdma::interconnect
