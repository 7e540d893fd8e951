#include "memory/sparse_memory.h"

#include <algorithm>
#include <cstring>

namespace cdma::memory {

void SparseMemory::read(uint64_t addr, uint8_t* out, uint64_t len) const {
  while (len > 0) {
    const uint64_t page = addr / kPageBytes, off = addr % kPageBytes;
    const uint64_t n = std::min(len, kPageBytes - off);
    auto it = pages_.find(page);
    if (it == pages_.end()) {
      std::memset(out, 0, n);
    } else {
      std::memcpy(out, it->second.get() + off, n);
    }
    addr += n;
    out += n;
    len -= n;
  }
}

void SparseMemory::write(uint64_t addr, const uint8_t* in, uint64_t len) {
  while (len > 0) {
    const uint64_t page = addr / kPageBytes, off = addr % kPageBytes;
    const uint64_t n = std::min(len, kPageBytes - off);
    auto& p = pages_[page];
    if (!p) p.reset(new uint8_t[kPageBytes]());  // value-initialised: zero
    std::memcpy(p.get() + off, in, n);
    addr += n;
    in += n;
    len -= n;
  }
}

void SparseMemory::discard(uint64_t addr, uint64_t len) {
  while (len > 0) {
    const uint64_t page = addr / kPageBytes, off = addr % kPageBytes;
    const uint64_t n = std::min(len, kPageBytes - off);
    auto it = pages_.find(page);
    if (it != pages_.end()) {
      if (n == kPageBytes) {
        pages_.erase(it);
      } else {
        std::memset(it->second.get() + off, 0, n);
      }
    }
    addr += n;
    len -= n;
  }
}

}  // namespace cdma::memory
