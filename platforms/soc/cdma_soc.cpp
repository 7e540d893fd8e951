#include "soc/cdma_soc.h"

#include <tlm>

#include <algorithm>
#include <cstdint>
#include <map>
#include <stdexcept>
#include <utility>

#include "tlm/resource_owner.h"

namespace cdma::platform {

using sc_core::sc_time;

CdmaSoc::CdmaSoc(const sc_core::sc_module_name& name, const config::PlatformConfig& cfg)
    : sc_module(name),
      cfg_(cfg),
      mode_(cfg.simulation.mode),
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
    const std::string ch = std::to_string(i);
    connect(crossbar_.channels[i]->socket, units_[i]->port.socket, "cu" + ch);
    connect(units_[i]->memory.socket, controllers_[i]->port.socket, "mc" + ch);
  }
  connect(engine_.gpu.socket, crossbar_.dma.socket, "crossbar");
  connect(engine_.buffer.socket, buffer_.input.socket, "buffer");
  connect(engine_.host.socket, pcie_.from_engine.socket, "pcie_from_engine");
  connect(buffer_.pcie.socket, pcie_.from_buffer.socket, "pcie_from_buffer");
  connect(pcie_.host.socket, host_.port.socket, "host_dram");

  std::vector<memory::SparseMemory*> channels;
  for (const auto& mc : controllers_) channels.push_back(&mc->device().store());
  gpu_backdoor_ = GpuBackdoor(map_, std::move(channels));

  for (const sc_core::sc_object* child : get_child_objects()) {
    if (const auto* r = dynamic_cast<const stats::Reporter*>(child))
      modules_.add_group(child->name(), r->statistics());
  }
  stats_.add_elapsed("simulated_time_s", "simulated time of the run")
      .add_setting("mode", stats::Unit::kText, "timing mode: at or lt", tlmx::to_string(mode_))
      .add_group("modules", modules_)
      .add_probe("protocol_violations", stats::Unit::kCount, "base-protocol rules broken on any port",
                 [this] { return protocol_violations(); });
}

template <typename From, typename To>
void CdmaSoc::connect(From& from, To& to, const std::string& binding) {
  if (!cfg_.simulation.protocol_checks) {
    from.bind(to);
    return;
  }
  checkers_.push_back(std::make_unique<tlmx::ProtocolChecker>(("check_" + binding).c_str()));
  from.bind(checkers_.back()->target);
  checkers_.back()->initiator.bind(to);
}

namespace {

// Calls fn(resource) for every bandwidth resource of the SoC's child modules, in the modules' order.
template <typename Fn>
void for_each_resource(const sc_core::sc_object& soc, Fn&& fn) {
  for (const sc_core::sc_object* child : soc.get_child_objects()) {
    if (const auto* owner = dynamic_cast<const tlmx::ResourceOwner*>(child)) {
      for (const tlmx::BandwidthResource* r : owner->resources()) fn(*r);
    }
  }
}

uint64_t violations_below(const sc_core::sc_object& object) {
  uint64_t v = 0;
  for (const sc_core::sc_object* child : object.get_child_objects()) {
    if (const auto* p = dynamic_cast<const tlmx::InitiatorPort*>(child)) v += p->protocol().violations;
    if (const auto* p = dynamic_cast<const tlmx::TargetPort*>(child)) v += p->protocol().violations;
    if (const auto* p = dynamic_cast<const tlmx::ProtocolChecker*>(child)) v += p->protocol().violations;
    v += violations_below(*child);
  }
  return v;
}

}  // namespace

sc_core::sc_time CdmaSoc::busy_until() const {
  sc_core::sc_time t;
  for_each_resource(*this, [&](const tlmx::BandwidthResource& r) { t = std::max(t, r.busy_until()); });
  return t;
}

HopSnapshot CdmaSoc::snapshot() const {
  HopSnapshot s;
  s.at = sc_core::sc_time_stamp();
  std::map<std::string, unsigned> resources;  // hop -> resources that make it up
  for_each_resource(*this, [&](const tlmx::BandwidthResource& r) {
    if (r.hop().empty()) return;
    s.busy_s[r.hop()] += r.busy_time().to_seconds();
    ++resources[r.hop()];
  });
  for (auto& [hop, busy] : s.busy_s) busy /= resources[hop];
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

uint64_t CdmaSoc::protocol_violations() const {
  return violations_below(*this);
}

}  // namespace cdma::platform
