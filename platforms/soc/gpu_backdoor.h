// Access to the real bytes of the SoC's GPU memory without simulated time, for loading inputs and checking
// results (the models never use it). A GPU address is decoded through the interleaved address map to its
// channel's memory, so a range here is exactly the range a DMA descriptor names.
//
// For gigabytes there are page-level forms that copy nothing (memory/memory_image.h): adopt() installs an
// image's pages, take() takes a range's pages back out, and an Expectation checks bytes coming back into a
// freed range as they land.
#pragma once

#include <functional>
#include <vector>

#include "codec/bytes.h"
#include "memory/address_map.h"
#include "memory/memory_image.h"
#include "memory/sparse_memory.h"

namespace cdma::platform {

class GpuBackdoor {
 public:
  // `channels[i]` is channel i's memory; all of them outlive the backdoor.
  GpuBackdoor(const memory::AddressMap& map, std::vector<memory::SparseMemory*> channels);

  const memory::AddressMap& address_map() const { return *map_; }

  void write(uint64_t address, codec::ByteSpan data);
  codec::Bytes read(uint64_t address, uint64_t bytes) const;
  // True if GPU memory at `address` holds exactly `expected` (compared in place, no copy).
  bool equals(uint64_t address, codec::ByteSpan expected) const;
  // Frees the range (it reads as zero), as vDNN frees an offloaded tensor.
  void discard(uint64_t address, uint64_t bytes);

  // The page-level forms: adopt() acts as write() of the image's bytes, take() as read() then discard(), but
  // pages move (or are shared, if the caller keeps a copy of the image) instead of being copied. A page that
  // also holds bytes outside the range is copied instead.
  void adopt(memory::MemoryImage image);
  memory::MemoryImage take(uint64_t address, uint64_t bytes);
  void write(const memory::MemoryImage& image);
  bool equals(const memory::MemoryImage& expected) const;

  // Calls hook(channel, local address, bytes) before every access to GPU memory, by the models or through
  // this backdoor (memory::SparseMemory::set_access_hook): lets pages adopted unfilled be filled just before
  // they are first used. Empty to remove.
  using AccessHook = std::function<void(uint32_t channel, uint64_t local, uint64_t len)>;
  void set_access_hook(const AccessHook& hook);

  // A check of bytes coming back into a freed range, for as long as the object lives. Constructing it primes
  // the range's unwritten pages with `expected` (SparseMemory::prime), so writes that reproduce it in order
  // are compared as they land (hot in cache) instead of copied; met() then says whether GPU memory holds
  // exactly `expected`, as equals() would, comparing only pages not so filled. GPU memory reads and writes
  // exactly as without the check. `expected` must outlive the object.
  class Expectation {
   public:
    Expectation(GpuBackdoor& gpu, const memory::MemoryImage& expected);
    Expectation(const Expectation&) = delete;
    Expectation& operator=(const Expectation&) = delete;
    bool met() const { return gpu_.equals(expected_); }  // pages filled from the priming compare in O(1)

   private:
    const GpuBackdoor& gpu_;
    const memory::MemoryImage& expected_;
  };

 private:
  memory::SparseMemory& channel(uint32_t ch) const { return *channels_[ch]; }
  // Calls fn(channel address, offset into the range, length) for each granule-sized piece of
  // [address, address + bytes), in order, while fn returns true; returns false if it stopped early.
  template <typename Fn>
  bool for_each_granule(uint64_t address, uint64_t bytes, Fn&& fn) const {
    for (uint64_t off = 0; off < bytes;) {
      const uint64_t n = std::min<uint64_t>(map_->bytes_to_granule_end(address + off), bytes - off);
      if (!fn(map_->decode(address + off), off, n)) return false;
      off += n;
    }
    return true;
  }

  const memory::AddressMap* map_;  // a pointer: the SoC assigns its backdoor once its channels exist
  std::vector<memory::SparseMemory*> channels_;
};

}  // namespace cdma::platform
