#include "memory/sparse_memory.h"

#include <algorithm>
#include <cstring>

namespace cdma::memory {

namespace {

bool all_zero(const uint8_t* p, uint64_t n) {
  // p[0] == 0 and p[0..n-1) == p[1..n): every byte equals the first, which is zero.
  return n == 0 || (p[0] == 0 && std::memcmp(p, p + 1, n - 1) == 0);
}

}  // namespace

SparseMemory::Page SparseMemory::new_page(uint64_t off, uint64_t n) {
  Page p;
  if (!free_.empty()) {
    p = std::move(free_.back());
    free_.pop_back();
  } else {
    p.reset(new uint8_t[kPageBytes]);  // not value-initialised: the write and the zeroing below cover it
  }
  std::memset(p.get(), 0, off);
  std::memset(p.get() + off + n, 0, kPageBytes - off - n);
  return p;
}

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
    if (!p) p = new_page(off, n);
    std::memcpy(p.get() + off, in, n);
    addr += n;
    in += n;
    len -= n;
  }
}

bool SparseMemory::equals(uint64_t addr, const uint8_t* expected, uint64_t len) const {
  while (len > 0) {
    const uint64_t page = addr / kPageBytes, off = addr % kPageBytes;
    const uint64_t n = std::min(len, kPageBytes - off);
    auto it = pages_.find(page);
    const bool same =
        it == pages_.end() ? all_zero(expected, n) : std::memcmp(it->second.get() + off, expected, n) == 0;
    if (!same) return false;
    addr += n;
    expected += n;
    len -= n;
  }
  return true;
}

void SparseMemory::discard(uint64_t addr, uint64_t len) {
  while (len > 0) {
    const uint64_t page = addr / kPageBytes, off = addr % kPageBytes;
    const uint64_t n = std::min(len, kPageBytes - off);
    auto it = pages_.find(page);
    if (it != pages_.end()) {
      if (n == kPageBytes) {
        if (free_.size() < kMaxFreePages) free_.push_back(std::move(it->second));
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
