#include "soc/gpu_backdoor.h"

#include <algorithm>
#include <utility>

namespace cdma::platform {

GpuBackdoor::GpuBackdoor(const memory::AddressMap& map, std::vector<memory::SparseMemory*> channels)
    : map_(&map), channels_(std::move(channels)) {}

void GpuBackdoor::write(uint64_t address, codec::ByteSpan data) {
  for_each_granule(address, data.size(), [&](const memory::ChannelAddress& ca, uint64_t off, uint64_t n) {
    channel(ca.channel).write(ca.local, data.data() + off, n);
    return true;
  });
}

codec::Bytes GpuBackdoor::read(uint64_t address, uint64_t bytes) const {
  codec::Bytes out(bytes);
  for_each_granule(address, bytes, [&](const memory::ChannelAddress& ca, uint64_t off, uint64_t n) {
    channel(ca.channel).read(ca.local, out.data() + off, n);
    return true;
  });
  return out;
}

bool GpuBackdoor::equals(uint64_t address, codec::ByteSpan expected) const {
  return for_each_granule(address, expected.size(),
                          [&](const memory::ChannelAddress& ca, uint64_t off, uint64_t n) {
                            return channel(ca.channel).equals(ca.local, expected.data() + off, n);
                          });
}

void GpuBackdoor::discard(uint64_t address, uint64_t bytes) {
  // A contiguous GPU range is one contiguous local range per channel; discarding those whole lets the
  // memories free their pages instead of zeroing them granule by granule.
  std::vector<std::pair<uint64_t, uint64_t>> range(map_->channels(), {UINT64_MAX, 0});  // [first, end)
  for_each_granule(address, bytes, [&](const memory::ChannelAddress& ca, uint64_t, uint64_t n) {
    range[ca.channel].first = std::min(range[ca.channel].first, ca.local);
    range[ca.channel].second = std::max(range[ca.channel].second, ca.local + n);
    return true;
  });
  for (uint32_t ch = 0; ch < map_->channels(); ++ch) {
    if (range[ch].first < range[ch].second) {
      channel(ch).discard(range[ch].first, range[ch].second - range[ch].first);
    }
  }
}

void GpuBackdoor::adopt(memory::MemoryImage image) {
  const auto& parts = image.parts();
  image.for_each_page([&](uint32_t ch, size_t k, memory::SparseMemory::Page& page) {
    channel(ch).adopt(parts[ch].local(k), std::move(page), parts[ch].covered(k));
    return true;
  });
}

memory::MemoryImage GpuBackdoor::take(uint64_t address, uint64_t bytes) {
  memory::MemoryImage image(*map_, address, bytes);
  const auto& parts = image.parts();
  image.for_each_page([&](uint32_t ch, size_t k, memory::SparseMemory::Page& page) {
    page = channel(ch).take(parts[ch].local(k), parts[ch].covered(k));
    return true;
  });
  return image;
}

void GpuBackdoor::write(const memory::MemoryImage& image) {
  image.for_each_run([&](uint64_t off, const uint8_t* bytes, uint64_t n) {
    const memory::ChannelAddress ca = map_->decode(image.address() + off);
    if (bytes != nullptr) {
      channel(ca.channel).write(ca.local, bytes, n);
    } else {
      channel(ca.channel).discard(ca.local, n);  // reads as zero
    }
  });
}

bool GpuBackdoor::equals(const memory::MemoryImage& expected) const {
  const auto& parts = expected.parts();
  return expected.for_each_page([&](uint32_t ch, size_t k, const memory::SparseMemory::Page& page) {
    return channel(ch).equals(parts[ch].local(k), page, 0, parts[ch].covered(k));
  });
}

void GpuBackdoor::set_access_hook(const AccessHook& hook) {
  for (uint32_t ch = 0; ch < map_->channels(); ++ch) {
    channel(ch).set_access_hook(hook ? memory::SparseMemory::AccessHook(
                                           [hook, ch](uint64_t local, uint64_t len) { hook(ch, local, len); })
                                     : memory::SparseMemory::AccessHook());
  }
}

GpuBackdoor::Expectation::Expectation(GpuBackdoor& gpu, const memory::MemoryImage& expected)
    : gpu_(gpu), expected_(expected) {
  const auto& parts = expected.parts();
  expected.for_each_page([&](uint32_t ch, size_t k, const memory::SparseMemory::Page& page) {
    gpu.channel(ch).prime(parts[ch].local(k), page, parts[ch].covered(k));
    return true;
  });
}

}  // namespace cdma::platform
