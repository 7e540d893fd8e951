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
      host_("host_dram", cfg_.host_dram, mode_, cfg.gpu.dma.posted_writes + cfg.gpu.dma.outstanding_chunks) {
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
}

memory::SparseMemory& CdmaSoc::gpu_store(uint32_t channel) const {
  return controllers_[channel]->device().store();
}

void CdmaSoc::write_gpu(uint64_t address, codec::ByteSpan data) {
  for_each_granule(address, data.size(), [&](const memory::ChannelAddress& ca, uint64_t off, uint64_t n) {
    gpu_store(ca.channel).write(ca.local, data.data() + off, n);
    return true;
  });
}

codec::Bytes CdmaSoc::read_gpu(uint64_t address, uint64_t bytes) const {
  codec::Bytes out(bytes);
  for_each_granule(address, bytes, [&](const memory::ChannelAddress& ca, uint64_t off, uint64_t n) {
    gpu_store(ca.channel).read(ca.local, out.data() + off, n);
    return true;
  });
  return out;
}

bool CdmaSoc::gpu_equals(uint64_t address, codec::ByteSpan expected) const {
  return for_each_granule(address, expected.size(),
                          [&](const memory::ChannelAddress& ca, uint64_t off, uint64_t n) {
                            return gpu_store(ca.channel).equals(ca.local, expected.data() + off, n);
                          });
}

void CdmaSoc::discard_gpu(uint64_t address, uint64_t bytes) {
  // A contiguous GPU range is one contiguous local range per channel; discarding those whole lets the
  // memories free their pages instead of zeroing them granule by granule.
  std::vector<std::pair<uint64_t, uint64_t>> range(map_.channels(), {UINT64_MAX, 0});  // [first, end)
  for_each_granule(address, bytes, [&](const memory::ChannelAddress& ca, uint64_t, uint64_t n) {
    range[ca.channel].first = std::min(range[ca.channel].first, ca.local);
    range[ca.channel].second = std::max(range[ca.channel].second, ca.local + n);
    return true;
  });
  for (uint32_t ch = 0; ch < map_.channels(); ++ch) {
    if (range[ch].first < range[ch].second) {
      gpu_store(ch).discard(range[ch].first, range[ch].second - range[ch].first);
    }
  }
}

void CdmaSoc::adopt_gpu(memory::MemoryImage image) {
  const auto& parts = image.parts();
  image.for_each_page([&](uint32_t ch, size_t k, memory::SparseMemory::Page& page) {
    gpu_store(ch).adopt(parts[ch].local(k), std::move(page), parts[ch].covered(k));
    return true;
  });
}

memory::MemoryImage CdmaSoc::take_gpu(uint64_t address, uint64_t bytes) {
  memory::MemoryImage image(map_, address, bytes);
  const auto& parts = image.parts();
  image.for_each_page([&](uint32_t ch, size_t k, memory::SparseMemory::Page& page) {
    page = gpu_store(ch).take(parts[ch].local(k), parts[ch].covered(k));
    return true;
  });
  return image;
}

void CdmaSoc::write_gpu(const memory::MemoryImage& image) {
  image.for_each_run([&](uint64_t off, const uint8_t* bytes, uint64_t n) {
    const memory::ChannelAddress ca = map_.decode(image.address() + off);
    if (bytes != nullptr) {
      gpu_store(ca.channel).write(ca.local, bytes, n);
    } else {
      gpu_store(ca.channel).discard(ca.local, n);  // reads as zero
    }
  });
}

bool CdmaSoc::gpu_equals(const memory::MemoryImage& expected) const {
  const auto& parts = expected.parts();
  return expected.for_each_page([&](uint32_t ch, size_t k, const memory::SparseMemory::Page& page) {
    return gpu_store(ch).equals(parts[ch].local(k), page, 0, parts[ch].covered(k));
  });
}

void CdmaSoc::expect_gpu(const memory::MemoryImage& expected) {
  if (expected_ != nullptr) throw std::logic_error("expect_gpu: already checking an image");
  expected_ = &expected;
  const auto& parts = expected.parts();
  expected.for_each_page([&](uint32_t ch, size_t k, const memory::SparseMemory::Page& page) {
    gpu_store(ch).prime(parts[ch].local(k), page, parts[ch].covered(k));
    return true;
  });
}

bool CdmaSoc::gpu_meets_expectation() {
  if (expected_ == nullptr) throw std::logic_error("gpu_meets_expectation: expect_gpu was not called");
  const bool ok = gpu_equals(*expected_);  // pages filled from the priming compare without reading
  expected_ = nullptr;
  return ok;
}

void CdmaSoc::set_gpu_access_hook(const GpuAccessHook& hook) {
  for (uint32_t ch = 0; ch < map_.channels(); ++ch) {
    gpu_store(ch).set_access_hook(
        hook ? memory::SparseMemory::AccessHook(
                   [hook, ch](uint64_t local, uint64_t len) { hook(ch, local, len); })
             : memory::SparseMemory::AccessHook());
  }
}

void CdmaSoc::write_host(uint64_t address, codec::ByteSpan data) {
  host_.device().store().write(address, data.data(), data.size());
}

codec::Bytes CdmaSoc::read_host(uint64_t address, uint64_t bytes) const {
  codec::Bytes out(bytes);
  host_.device().store().read(address, out.data(), bytes);
  return out;
}

void CdmaSoc::discard_host(uint64_t address, uint64_t bytes) {
  host_.device().store().discard(address, bytes);
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
