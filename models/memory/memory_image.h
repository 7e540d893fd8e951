// The bytes of a range of interleaved GPU memory held outside the memories, as whole pages in each channel's
// layout. A large input is built off the simulation thread and handed to the memories without a copy
// (platform::GpuBackdoor::adopt); an offloaded range taken back out (GpuBackdoor::take) is the reference its
// prefetch is checked against, again without a copy. Its pages may share storage with a memory's (see
// SparseMemory::prime); a shared page is never written through the image.
#pragma once

#include <algorithm>
#include <cstdint>
#include <memory>
#include <vector>

#include "memory/address_map.h"
#include "memory/sparse_memory.h"

namespace cdma::memory {

class MemoryImage {
 public:
  using PageBytes = SparseMemory::Storage;
  static constexpr uint64_t kPageBytes = SparseMemory::kPageBytes;

  // One channel's share of the range: its local bytes [first, end), first on a page boundary; pages[k] holds
  // the page at first + k * kPageBytes.
  struct Part {
    uint64_t first = 0, end = 0;
    std::vector<SparseMemory::Page> pages;
    // Bytes of page k inside the part, and its local address.
    uint64_t covered(size_t k) const { return std::min(kPageBytes, end - first - k * kPageBytes); }
    uint64_t local(size_t k) const { return first + k * kPageBytes; }
  };

  // Where byte `off` of the range lives, and how many bytes from there stay in one granule, one page and the
  // range: a run.
  struct Run {
    uint32_t channel;
    size_t page;  // index into the channel's part
    uint64_t in_page, n;
  };

  MemoryImage() = default;
  // The range [address, address + bytes) under `map`, every page without storage (it reads as zero).
  // Throws std::invalid_argument if a channel's share does not start on a page boundary.
  MemoryImage(const AddressMap& map, uint64_t address, uint64_t bytes);

  uint64_t address() const { return address_; }
  uint64_t bytes() const { return bytes_; }
  std::vector<Part>& parts() { return parts_; }
  const std::vector<Part>& parts() const { return parts_; }

  // Gives every page storage of its own marked written over its whole share, contents unspecified until
  // filled: buffers from `spare` first.
  void allocate(std::vector<PageBytes>& spare);
  // Moves every page's storage that no one else holds to `spare` (for reuse); the image then reads as zero.
  void release(std::vector<PageBytes>& spare);

  Run run_at(uint64_t off) const {
    const uint64_t addr = address_ + off;
    const ChannelAddress ca = map_.decode(addr);
    const uint64_t in_page = ca.local % kPageBytes;
    return {ca.channel, static_cast<size_t>((ca.local - parts_[ca.channel].first) / kPageBytes), in_page,
            std::min({map_.bytes_to_granule_end(addr), kPageBytes - in_page, bytes_ - off})};
  }

  // Calls fn(channel, page index, page) for every page of every part while fn returns true; returns false if
  // fn stopped it. Pages are in each channel's layout, so no address decoding per granule.
  template <typename Fn>
  bool for_each_page(Fn&& fn) {
    return pages(*this, fn);
  }
  template <typename Fn>
  bool for_each_page(Fn&& fn) const {
    return pages(*this, fn);
  }

  // Calls fn(offset into the range, bytes, n) for each run of the range that is contiguous in one page, in
  // address order. The mutable form needs allocate() first.
  template <typename Fn>
  void for_each_run(Fn&& fn) {
    walk(*this, [&](uint64_t off, SparseMemory::Page& p, uint64_t in_page, uint64_t n) {
      fn(off, p.bytes.get() + in_page, n);
    });
  }
  // Pages without storage, and bytes past a page's written mark, give nullptr (zero bytes).
  template <typename Fn>
  void for_each_run(Fn&& fn) const {
    walk(*this, [&](uint64_t off, const SparseMemory::Page& p, uint64_t in_page, uint64_t n) {
      const uint64_t valid = p.valid(in_page, n);
      if (valid > 0) fn(off, static_cast<const uint8_t*>(p.bytes.get() + in_page), valid);
      if (valid < n) fn(off + valid, static_cast<const uint8_t*>(nullptr), n - valid);
    });
  }

 private:
  // fn(offset into the range, page, offset in the page, n) per run; Self is MemoryImage or const MemoryImage.
  template <typename Self, typename Fn>
  static void walk(Self& self, Fn&& fn) {
    for (uint64_t off = 0; off < self.bytes_;) {
      const Run r = self.run_at(off);
      fn(off, self.parts_[r.channel].pages[r.page], r.in_page, r.n);
      off += r.n;
    }
  }
  template <typename Self, typename Fn>
  static bool pages(Self& self, Fn& fn) {
    for (uint32_t ch = 0; ch < self.parts_.size(); ++ch) {
      auto& part = self.parts_[ch];
      for (size_t k = 0; k < part.pages.size(); ++k) {
        if (!fn(ch, k, part.pages[k])) return false;
      }
    }
    return true;
  }

  AddressMap map_{1, 1, 1};
  uint64_t address_ = 0, bytes_ = 0;
  std::vector<Part> parts_;
};

}  // namespace cdma::memory
