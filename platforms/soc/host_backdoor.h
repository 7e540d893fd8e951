// Access to the real bytes of the SoC's host memory without simulated time: where an offloaded tensor's host
// image is read back to check it, or prepared for a prefetch-only run.
#pragma once

#include "codec/bytes.h"
#include "memory/sparse_memory.h"

namespace cdma::platform {

class HostBackdoor {
 public:
  explicit HostBackdoor(memory::SparseMemory& memory) : memory_(memory) {}

  void write(uint64_t address, codec::ByteSpan data) { memory_.write(address, data.data(), data.size()); }
  codec::Bytes read(uint64_t address, uint64_t bytes) const {
    codec::Bytes out(bytes);
    memory_.read(address, out.data(), bytes);
    return out;
  }
  void discard(uint64_t address, uint64_t bytes) { memory_.discard(address, bytes); }

 private:
  memory::SparseMemory& memory_;
};

}  // namespace cdma::platform
