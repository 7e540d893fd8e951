// GPU physical addresses interleaved across memory channels at a fixed granule: granule k of the address
// space lives in channel k mod channels, at local granule k div channels.
#pragma once

#include <cstdint>

namespace cdma::memory {

struct ChannelAddress {
  uint32_t channel;
  uint64_t local;  // byte address inside that channel
};

class AddressMap {
 public:
  AddressMap(uint32_t channels, uint64_t interleave_bytes, uint64_t capacity_bytes);

  uint32_t channels() const { return channels_; }
  uint64_t interleave_bytes() const { return granule_; }
  uint64_t capacity() const { return capacity_; }
  uint64_t channel_capacity() const { return capacity_ / channels_; }
  // Inline with a shift for the (usual) power-of-two granule: every hop of every chunk decodes.
  ChannelAddress decode(uint64_t addr) const {
    const uint64_t granule = shift_ >= 0 ? addr >> shift_ : addr / granule_;
    const uint64_t offset = shift_ >= 0 ? addr & (granule_ - 1) : addr % granule_;
    return {static_cast<uint32_t>(granule % channels_), (granule / channels_) * granule_ + offset};
  }
  uint64_t encode(ChannelAddress a) const;
  // Bytes from addr to the end of its granule (a transfer must not cross it to stay in one channel).
  uint64_t bytes_to_granule_end(uint64_t addr) const {
    return granule_ - (shift_ >= 0 ? addr & (granule_ - 1) : addr % granule_);
  }

 private:
  uint32_t channels_;
  uint64_t granule_;
  int shift_ = -1;  // log2(granule_) if it is a power of two
  uint64_t capacity_;
};

}  // namespace cdma::memory
