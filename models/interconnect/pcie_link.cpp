#include "interconnect/pcie_link.h"

namespace cdma::interconnect {

using sc_core::sc_time;

PcieLink::PcieLink(const sc_core::sc_module_name& name, const config::PcieConfig& cfg, tlmx::TimingMode mode,
                   unsigned writes_in_flight, unsigned reads_in_flight)
    : sc_module(name),
      from_buffer("from_buffer", mode, writes_in_flight,
                  [this](tlm::tlm_generic_payload& t, sc_time& d) { handle(t, d); }),
      from_engine("from_engine", mode, reads_in_flight,
                  [this](tlm::tlm_generic_payload& t, sc_time& d) { handle(t, d); }),
      host("host", mode),
      cfg_(cfg),
      raw_gbps_(cfg.raw_gbps()),
      latency_(cfg.latency_ns, sc_core::SC_NS),
      to_host_(std::string(this->name()) + ".to_host", cfg.effective_gbps(), "pcie_to_host"),
      to_gpu_(std::string(this->name()) + ".to_gpu", cfg.effective_gbps(), "pcie_to_gpu"),
      log_(tlmx::module_logger(this->name())) {
  stats_
      .add("tlps_to_host", stats::Unit::kCount, "TLPs toward the host (write data, read requests)",
           tlps_to_host_)
      .add("tlps_to_gpu", stats::Unit::kCount, "TLPs toward the GPU (read completions)", tlps_to_gpu_)
      .add_setting("raw_gbps", stats::Unit::kGbps, "lanes x GT/s x 128/130 / 8, per direction",
                   cfg.raw_gbps())
      .add_setting("effective_gbps", stats::Unit::kGbps,
                   "payload bandwidth of a stream of full TLPs, per direction", cfg.effective_gbps());
  stats_.add_group("to_host", to_host_.statistics())
      .add_group("to_gpu", to_gpu_.statistics())
      .add_group("from_buffer", from_buffer.statistics())
      .add_group("from_engine", from_engine.statistics());
  from_buffer.set_debug_handler([this](tlm::tlm_generic_payload& t) { return host.debug(t); });
  from_engine.set_debug_handler([this](tlm::tlm_generic_payload& t) { return host.debug(t); });
}

sc_time PcieLink::data_time(uint64_t address, uint64_t payload) const {
  return ns_(cfg_.transfer_ns(address, payload, raw_gbps_));
}

sc_time PcieLink::request_time(uint64_t address, uint64_t payload) const {
  const double bytes = static_cast<double>(cfg_.tlps(address, payload) * cfg_.tlp_overhead_bytes);
  return ns_(bytes / raw_gbps_ / (1.0 - cfg_.dllp_overhead));
}

void PcieLink::handle(tlm::tlm_generic_payload& trans, sc_time& delay) {
  const uint64_t len = trans.get_data_length();
  const uint64_t addr = trans.get_address();
  const uint64_t tlps = cfg_.tlps(addr, len);
  const sc_time now = sc_core::sc_time_stamp();
  if (trans.is_write()) {
    const sc_time end = to_host_.reserve_for(now + delay, data_time(addr, len), len);
    tlps_to_host_ += tlps;
    delay = end + latency_ - now;
    host.transport(trans, delay);
    return;
  }
  // Read: requests go up, completions with the data come down.
  const sc_time req_end = to_host_.reserve_for(now + delay, request_time(addr, len), 0);
  tlps_to_host_ += tlps;
  delay = req_end + latency_ - now;
  host.transport(trans, delay);
  if (!trans.is_response_ok()) return;
  const sc_time data_end = to_gpu_.reserve_for(sc_core::sc_time_stamp() + delay, data_time(addr, len), len);
  tlps_to_gpu_ += tlps;
  delay = data_end + latency_ - sc_core::sc_time_stamp();
}

}  // namespace cdma::interconnect
