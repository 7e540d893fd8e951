#include "memory/write_checker.h"

#include <algorithm>

namespace cdma::memory {

WriteChecker::WriteChecker(const MemoryImage::Part& expected)
    : expected_(expected), good_((expected.pages.size() * kBlocksPerPage + 63) / 64, 0) {}

void WriteChecker::mark(uint64_t first, uint64_t last, bool good) {
  while (first < last) {  // a word of 64 blocks at a time
    const uint64_t lo = first % 64, n = std::min<uint64_t>(64 - lo, last - first);
    const uint64_t bits = (n == 64 ? ~uint64_t{0} : (uint64_t{1} << n) - 1) << lo;
    if (good) {
      good_[first / 64] |= bits;
    } else {
      good_[first / 64] &= ~bits;
    }
    first += n;
  }
}

void WriteChecker::on_write(uint64_t addr, const uint8_t* data, uint64_t len) {
  // Clip to the part.
  const uint64_t lo = std::max(addr, expected_.first), hi = std::min(addr + len, expected_.end);
  if (lo >= hi) return;
  data += lo - addr;
  for (uint64_t a = lo; a < hi;) {
    const uint64_t off = a - expected_.first;
    const uint64_t n = std::min(hi - a, MemoryImage::kPageBytes - off % MemoryImage::kPageBytes);
    const bool ok =
        expected_.pages[off / MemoryImage::kPageBytes].holds(off % MemoryImage::kPageBytes, data, n);
    // Blocks this write covers whole take its verdict; partly covered ones are no longer known good.
    const uint64_t first_whole = (off + kBlockBytes - 1) / kBlockBytes;
    const uint64_t end = off + n;
    // The part's last block may be short: a write to the part's end covers it whole.
    const uint64_t last_whole =
        end == expected_.end - expected_.first ? (end + kBlockBytes - 1) / kBlockBytes : end / kBlockBytes;
    mark(off / kBlockBytes, (end + kBlockBytes - 1) / kBlockBytes, false);
    if (ok && first_whole < last_whole) mark(first_whole, last_whole, true);
    a += n;
    data += n;
  }
}

void WriteChecker::on_change(uint64_t addr, uint64_t len) {
  const uint64_t lo = std::max(addr, expected_.first), hi = std::min(addr + len, expected_.end);
  if (lo >= hi) return;
  mark((lo - expected_.first) / kBlockBytes, (hi - expected_.first + kBlockBytes - 1) / kBlockBytes, false);
}

bool WriteChecker::verify(const SparseMemory& memory) const {
  const uint64_t size = expected_.end - expected_.first;
  const uint64_t blocks = (size + kBlockBytes - 1) / kBlockBytes;
  for (uint64_t b = 0; b < blocks;) {
    if (b % 64 == 0 && b + 64 <= blocks && good_[b / 64] == ~uint64_t{0}) {
      b += 64;  // 64 blocks known good
      continue;
    }
    if (good(b)) {
      ++b;
      continue;
    }
    // A run of blocks not known good, within one page: compare it now.
    uint64_t e = b + 1;
    while (e < blocks && !good(e) && e % kBlocksPerPage != 0) ++e;
    const uint64_t off = b * kBlockBytes, n = std::min(e * kBlockBytes, size) - off;
    if (!memory.equals(expected_.first + off, expected_.pages[off / MemoryImage::kPageBytes],
                       off % MemoryImage::kPageBytes, n)) {
      return false;
    }
    b = e;
  }
  return true;
}

}  // namespace cdma::memory
