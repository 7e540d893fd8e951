#include "memory/memory_image.h"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace cdma::memory {

MemoryImage::MemoryImage(const AddressMap& map, uint64_t address, uint64_t bytes)
    : map_(map), address_(address), bytes_(bytes), parts_(map.channels()) {
  if (bytes > map.capacity() || address > map.capacity() - bytes) {
    throw std::invalid_argument("memory image: [" + std::to_string(address) + ", +" + std::to_string(bytes) +
                                ") is outside the memory");
  }
  // A contiguous range is one contiguous local range per channel; granules go round-robin over the
  // channels, so each channel's share starts in one of the range's first `channels` granules and ends in one
  // of its last `channels`: only those are visited.
  if (bytes > 0) {
    const uint64_t granule = map.interleave_bytes(), channels = map.channels();
    const uint64_t first = address / granule, last = (address + bytes - 1) / granule;
    for (uint64_t g = first; g <= last && g < first + channels; ++g) {
      const ChannelAddress ca = map.decode(std::max(g * granule, address));  // the share's first byte
      if (ca.local % kPageBytes != 0) {
        throw std::invalid_argument("memory image: channel " + std::to_string(ca.channel) + "'s share of [" +
                                    std::to_string(address) + ", +" + std::to_string(bytes) +
                                    ") does not start on a page boundary");
      }
      parts_[ca.channel].first = ca.local;
    }
    for (uint64_t g = last + 1; g-- > first && g + channels > last;) {
      const ChannelAddress ca = map.decode(std::min((g + 1) * granule, address + bytes) - 1);  // its last
      parts_[ca.channel].end = ca.local + 1;
    }
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
      p = SparseMemory::Page(std::move(p.bytes), part.covered(k));
    }
  }
}

void MemoryImage::release(std::vector<PageBytes>& spare) {
  for (Part& part : parts_) {
    for (SparseMemory::Page& p : part.pages) {
      if (p.bytes.use_count() == 1) spare.push_back(std::move(p.bytes));
      p = SparseMemory::Page();
    }
  }
}

}  // namespace cdma::memory
