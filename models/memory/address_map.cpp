#include "memory/address_map.h"

#include <stdexcept>

namespace cdma::memory {

AddressMap::AddressMap(uint32_t channels, uint64_t interleave_bytes, uint64_t capacity_bytes)
    : channels_(channels), granule_(interleave_bytes), capacity_(capacity_bytes) {
  if (channels == 0 || interleave_bytes == 0 ||
      capacity_bytes % (uint64_t{channels} * interleave_bytes) != 0) {
    throw std::invalid_argument("address map: capacity must be a multiple of channels x interleave");
  }
  if ((interleave_bytes & (interleave_bytes - 1)) == 0) {
    shift_ = 0;
    while ((uint64_t{1} << shift_) < interleave_bytes) ++shift_;
  }
}

uint64_t AddressMap::encode(ChannelAddress a) const {
  const uint64_t local_granule = a.local / granule_;
  return (local_granule * channels_ + a.channel) * granule_ + a.local % granule_;
}

}  // namespace cdma::memory
