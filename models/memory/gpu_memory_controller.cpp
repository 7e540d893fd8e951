#include "memory/gpu_memory_controller.h"

#include "tlm/module_logger.h"

namespace cdma::memory {

GpuMemoryController::GpuMemoryController(const sc_core::sc_module_name& name, uint32_t channel,
                                         const config::GpuDramConfig& cfg, const AddressMap& map,
                                         tlmx::TimingMode mode, unsigned queue_depth)
    : sc_module(name),
      port("port", mode, queue_depth,
           [this](tlm::tlm_generic_payload& t, sc_core::sc_time& d) { handle(t, d); }),
      channel_(channel),
      map_(map),
      device_(std::string(this->name()) + ".dram", cfg.channel_bandwidth_gbps(), cfg.latency_ns,
              map.channel_capacity(), "gpu_dram"),
      log_(tlmx::module_logger(this->name())) {
  stats_.include(device_.statistics()).add_group("port", port.statistics());
  // Debug accesses stop at the end of the interleave granule: the next byte lives in another channel.
  port.set_debug_handler([this](tlm::tlm_generic_payload& t) -> unsigned {
    const uint64_t addr = t.get_address();
    if (addr >= map_.capacity() || map_.decode(addr).channel != channel_) return 0;
    const unsigned len = t.get_data_length();
    const uint64_t granule = map_.bytes_to_granule_end(addr);
    if (len > granule) t.set_data_length(static_cast<unsigned>(granule));
    const unsigned n = device_.debug(t, map_.decode(addr).local);
    t.set_data_length(len);
    return n;
  });
}

void GpuMemoryController::handle(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay) {
  const uint64_t addr = trans.get_address();
  const uint64_t len = trans.get_data_length();
  const ChannelAddress ca = map_.decode(addr);
  if (addr >= map_.capacity() || ca.channel != channel_ || len > map_.bytes_to_granule_end(addr)) {
    log_->warn("address error: 0x{:x} + {} is not inside channel {}", addr, len, channel_);
    trans.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
    return;
  }
  device_.access(trans, ca.local, delay);
  // Checked first: the arguments (a call into SystemC for the delay) would cost on every access.
  if (log_->should_log(spdlog::level::trace)) {
    log_->trace("{} 0x{:x} {} B done at +{} ns", trans.is_read() ? "read" : "write", addr, len,
                delay.to_seconds() * 1e9);
  }
}

}  // namespace cdma::memory
