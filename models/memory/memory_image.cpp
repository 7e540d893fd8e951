#include "memory/memory_image.h"

#include <stdexcept>
#include <string>

namespace cdma::memory {

MemoryImage::MemoryImage(const AddressMap& map, uint64_t address, uint64_t bytes)
    : map_(map), address_(address), bytes_(bytes), parts_(map.channels()) {
  if (bytes > map.capacity() || address > map.capacity() - bytes) {
    throw std::invalid_argument("memory image: [" + std::to_string(address) + ", +" + std::to_string(bytes) +
                                ") is outside the memory");
  }
  // A contiguous range is one contiguous local range per channel.
  std::vector<bool> seen(map.channels(), false);
  for (uint64_t off = 0; off < bytes;) {
    const ChannelAddress ca = map.decode(address + off);
    const uint64_t n = std::min(map.bytes_to_granule_end(address + off), bytes - off);
    Part& part = parts_[ca.channel];
    if (!seen[ca.channel]) {
      if (ca.local % kPageBytes != 0) {
        throw std::invalid_argument("memory image: channel " + std::to_string(ca.channel) + "'s share of [" +
                                    std::to_string(address) + ", +" + std::to_string(bytes) +
                                    ") does not start on a page boundary");
      }
      seen[ca.channel] = true;
      part.first = ca.local;
    }
    part.end = ca.local + n;
    off += n;
  }
  for (Part& part : parts_) part.pages.resize((part.end - part.first + kPageBytes - 1) / kPageBytes);
}

void MemoryImage::allocate(std::vector<PageBytes>& spare) {
  for (Part& part : parts_) {
    for (size_t k = 0; k < part.pages.size(); ++k) {
      SparseMemory::Page& p = part.pages[k];
      if (p.bytes.use_count() > 1) p.bytes.reset();  // shared: not to be filled through this image
      if (!p.bytes) {
        if (spare.empty()) {
          p.bytes = SparseMemory::allocate_page_bytes();
        } else {
          p.bytes = std::move(spare.back());
          spare.pop_back();
        }
      }
      p.written = part.covered(k);
      p.expected = 0;
    }
  }
}

void MemoryImage::release(std::vector<PageBytes>& spare) {
  for (Part& part : parts_) {
    for (SparseMemory::Page& p : part.pages) {
      if (p.bytes.use_count() == 1) spare.push_back(std::move(p.bytes));
      p.bytes.reset();
      p.written = 0;
      p.expected = 0;
    }
  }
}

}  // namespace cdma::memory
