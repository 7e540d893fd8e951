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
  ChannelAddress decode(uint64_t addr) const;
  uint64_t encode(ChannelAddress a) const;
  // Bytes from addr to the end of its granule (a transfer must not cross it to stay in one channel).
  uint64_t bytes_to_granule_end(uint64_t addr) const { return granule_ - addr % granule_; }

 private:
  uint32_t channels_;
  uint64_t granule_;
  uint64_t capacity_;
};

}  // namespace cdma::memory
