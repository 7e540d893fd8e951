#include "interconnect/crossbar.h"

#include "dma/chunk_extension.h"

namespace cdma::interconnect {

using sc_core::sc_time;

Crossbar::Crossbar(const sc_core::sc_module_name& name, const config::CrossbarConfig& cfg,
                   const memory::AddressMap& map, tlmx::TimingMode mode, unsigned queue_depth)
    : sc_module(name),
      dma("dma", mode, queue_depth, [this](tlm::tlm_generic_payload& t, sc_time& d) { handle(t, d); }),
      map_(map),
      latency_(cfg.latency_ns, sc_core::SC_NS),
      dma_port_(std::string(this->name()) + ".dma_port", cfg.dma_port_gbps, "crossbar"),
      log_(tlmx::module_logger(this->name())) {
  for (uint32_t i = 0; i < map.channels(); ++i) {
    channels.push_back(std::make_unique<tlmx::InitiatorPort>(("ch" + std::to_string(i)).c_str(), mode));
    ports_.push_back(std::make_unique<tlmx::BandwidthResource>(
        std::string(this->name()) + ".port" + std::to_string(i), cfg.port_gbps));
  }
  std::vector<const stats::Group*> ports;
  for (const auto& p : ports_) ports.push_back(&p->statistics());
  stats_.add("errors", stats::Unit::kCount, "requests for addresses past GPU memory", errors_)
      .add_group("dma_port", dma_port_.statistics())
      .add_list("channel_ports", ports)
      .add_group("port", dma.statistics());
  dma.set_debug_handler([this](tlm::tlm_generic_payload& t) -> unsigned {
    if (t.get_address() >= map_.capacity()) return 0;
    return channels[map_.decode(t.get_address()).channel]->debug(t);
  });
}

void Crossbar::move(uint32_t ch, uint64_t bytes, sc_time& delay) {
  const sc_time now = sc_core::sc_time_stamp();
  const sc_time end =
      tlmx::BandwidthResource::reserve_path({ports_[ch].get(), &dma_port_}, now + delay, bytes);
  delay = end + latency_ - now;
}

void Crossbar::handle(tlm::tlm_generic_payload& trans, sc_time& delay) {
  const uint64_t addr = trans.get_address();
  if (addr >= map_.capacity()) {
    ++errors_;
    log_->warn("address error: 0x{:x} is outside GPU memory", addr);
    trans.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
    return;
  }
  const uint32_t ch = map_.decode(addr).channel;
  auto* ext = trans.get_extension<dma::ChunkExtension>();
  if (trans.is_read()) {
    // The data travels back with the response: route first, then carry what came back.
    channels[ch]->transport(trans, delay);
    if (trans.is_response_ok()) {
      move(ch, ext != nullptr ? ext->compressed_bytes : trans.get_data_length(), delay);
    }
  } else {
    move(ch, trans.get_data_length(), delay);
    channels[ch]->transport(trans, delay);
  }
}

std::vector<const tlmx::BandwidthResource*> Crossbar::resources() const {
  std::vector<const tlmx::BandwidthResource*> r = {&dma_port_};
  for (const auto& p : ports_) r.push_back(p.get());
  return r;
}

}  // namespace cdma::interconnect
