#include "memory/cpu_dram.h"

namespace cdma::memory {

CpuDram::CpuDram(const sc_core::sc_module_name& name, const config::HostDramConfig& cfg,
                 tlmx::TimingMode mode, unsigned queue_depth)
    : sc_module(name),
      port("port", mode, queue_depth,
           [this](tlm::tlm_generic_payload& t, sc_core::sc_time& d) {
             device_.access(t, t.get_address(), d);
           }),
      device_(std::string(this->name()) + ".dram", cfg.bandwidth_gbps, cfg.latency_ns, cfg.capacity_bytes,
              "host_dram") {
  stats_.include(device_.statistics()).add_group("port", port.statistics());
  port.set_debug_handler([this](tlm::tlm_generic_payload& t) { return device_.debug(t, t.get_address()); });
}

}  // namespace cdma::memory
