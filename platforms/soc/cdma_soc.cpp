#include "soc/cdma_soc.h"

#include <tlm>

#include <algorithm>
#include <cstdint>
#include <stdexcept>
#include <utility>

namespace cdma::platform {

using sc_core::sc_time;

CdmaSoc::CdmaSoc(const sc_core::sc_module_name& name, const config::PlatformConfig& cfg)
    : sc_module(name),
      cfg_(cfg),
      mode_(tlmx::parse_timing_mode(cfg.simulation.mode)),
      map_(cfg.gpu.dram.channels, cfg.gpu.dram.interleave_bytes, cfg.gpu.dram.capacity_bytes),
      // In AT a port's depth is also how many requests its hop holds in flight, so each comes from the figure
      // that bounds it physically: the engine's outstanding chunks, PCIe credits, controller queues.
      crossbar_("crossbar", cfg_.gpu.crossbar, map_, mode_, cfg.gpu.dma.outstanding_chunks),
      buffer_("buffer", {cfg.gpu.dma.buffer_bytes, cfg.gpu.dma.write_burst_bytes, cfg.gpu.dma.posted_writes},
              mode_, cfg.simulation.queue_depth),
      engine_("engine", cfg_.gpu.dma, map_, mode_),
      pcie_("pcie", cfg_.pcie, mode_, cfg.gpu.dma.posted_writes, cfg.gpu.dma.outstanding_chunks),
      host_("host_dram", cfg_.host_dram, mode_, cfg.gpu.dma.posted_writes + cfg.gpu.dma.outstanding_chunks),
      gpu_backdoor_(map_, {}),
      host_backdoor_(host_.device().store()) {
  if (mode_ == tlmx::TimingMode::kLt) {
    tlm::tlm_global_quantum::instance().set(sc_time(cfg.simulation.quantum_ns, sc_core::SC_NS));
  }
  for (uint32_t i = 0; i < map_.channels(); ++i) {
    controllers_.push_back(std::make_unique<memory::GpuMemoryController>(
        ("mc" + std::to_string(i)).c_str(), i, cfg_.gpu.dram, map_, mode_, cfg.simulation.queue_depth));
    units_.push_back(std::make_unique<compression::CompressionUnit>(
        ("cu" + std::to_string(i)).c_str(), cfg_.gpu.compression, mode_, cfg.simulation.queue_depth));
    crossbar_.channels[i]->socket.bind(units_[i]->port.socket);
    units_[i]->memory.socket.bind(controllers_[i]->port.socket);
  }
  engine_.gpu.socket.bind(crossbar_.dma.socket);
  engine_.buffer.socket.bind(buffer_.input.socket);
  engine_.host.socket.bind(pcie_.from_engine.socket);
  buffer_.pcie.socket.bind(pcie_.from_buffer.socket);
  pcie_.host.socket.bind(host_.port.socket);

  std::vector<memory::SparseMemory*> channels;
  for (const auto& mc : controllers_) channels.push_back(&mc->device().store());
  gpu_backdoor_ = GpuBackdoor(map_, std::move(channels));
}

sc_core::sc_time CdmaSoc::busy_until() const {
  sc_core::sc_time t = std::max({crossbar_.busy_until(), pcie_.to_host().busy_until(),
                                 pcie_.to_gpu().busy_until(), host_.device().bandwidth().busy_until()});
  for (const auto& mc : controllers_) t = std::max(t, mc->device().bandwidth().busy_until());
  for (const auto& u : units_) t = std::max(t, u->datapath().busy_until());
  return t;
}

HopSnapshot CdmaSoc::snapshot() const {
  HopSnapshot s;
  s.at = sc_core::sc_time_stamp();
  double dram = 0, cu = 0;
  for (const auto& mc : controllers_) dram += mc->device().bandwidth().busy_time().to_seconds();
  for (const auto& u : units_) cu += u->datapath().busy_time().to_seconds();
  s.busy_s["gpu_dram"] = dram / controllers_.size();
  s.busy_s["compression"] = cu / units_.size();
  s.busy_s["crossbar"] = crossbar_.dma_port().busy_time().to_seconds();
  s.busy_s["pcie_to_host"] = pcie_.to_host().busy_time().to_seconds();
  s.busy_s["pcie_to_gpu"] = pcie_.to_gpu().busy_time().to_seconds();
  s.busy_s["host_dram"] = host_.device().bandwidth().busy_time().to_seconds();
  return s;
}

HopUtilisation CdmaSoc::utilisation(const HopSnapshot& before, const HopSnapshot& after) {
  HopUtilisation u;
  const double window = (after.at - before.at).to_seconds();
  double best = -1;
  for (const auto& [hop, busy] : after.busy_s) {
    const double f = window > 0 ? (busy - before.busy_s.at(hop)) / window : 0.0;
    u.fraction[hop] = f;
    if (f > best) {
      best = f;
      u.bottleneck = hop;
    }
  }
  return u;
}

nlohmann::json CdmaSoc::stats() const {
  const sc_time now = sc_core::sc_time_stamp();
  nlohmann::json j;
  j["simulated_time_s"] = now.to_seconds();
  j["mode"] = tlmx::to_string(mode_);
  nlohmann::json& m = j["modules"];
  for (const auto& mc : controllers_) m[mc->name()] = mc->stats(now);
  for (const auto& u : units_) m[u->name()] = u->stats(now);
  m[crossbar_.name()] = crossbar_.stats(now);
  m[buffer_.name()] = buffer_.stats(now);
  m[engine_.name()] = engine_.stats(now);
  m[pcie_.name()] = pcie_.stats(now);
  m[host_.name()] = host_.stats(now);
  j["protocol_violations"] = protocol_violations();
  return j;
}

uint64_t CdmaSoc::protocol_violations() const {
  uint64_t v = crossbar_.dma.protocol().violations + buffer_.input.protocol().violations +
               buffer_.pcie.protocol().violations + engine_.gpu.protocol().violations +
               engine_.buffer.protocol().violations + engine_.host.protocol().violations +
               pcie_.from_buffer.protocol().violations + pcie_.from_engine.protocol().violations +
               pcie_.host.protocol().violations + host_.port.protocol().violations;
  for (const auto& c : crossbar_.channels) v += c->protocol().violations;
  for (const auto& u : units_) v += u->port.protocol().violations + u->memory.protocol().violations;
  for (const auto& mc : controllers_) v += mc->port.protocol().violations;
  return v;
}

}  // namespace cdma::platform
