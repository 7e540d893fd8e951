// Backing store holding real bytes for a large address space: pages are allocated on first write, and reads
// of never-written bytes return zero. GPU and host memories are gigabytes; runs touch only what they move.
// Discarded pages go to a bounded free list and are reused, so a run that frees and refills memory (vDNN
// offloading layer after layer) does not pay the kernel's page faults and zeroing again and again. A page
// also remembers how far it has been written: bytes past that mark read as zero without having been
// cleared, so memory filled front to back (DMA streams) is never zeroed first.
// Whole pages can be handed in and taken out without a copy (adopt/take), so a large input can be built off
// the simulation thread and installed in place, and taken back out as the reference for a check.
#pragma once

#include <algorithm>
#include <cstdint>
#include <memory>
#include <unordered_map>
#include <utility>
#include <vector>

namespace cdma::memory {

// Sees every change to a SparseMemory: writes with their bytes, other changes (discards, pages handed in or
// taken out) as ranges. For checking what lands in memory as it lands.
class MemoryObserver {
 public:
  virtual ~MemoryObserver() = default;
  virtual void on_write(uint64_t addr, const uint8_t* data, uint64_t len) = 0;
  virtual void on_change(uint64_t addr, uint64_t len) = 0;
};

class SparseMemory {
 public:
  static constexpr uint64_t kPageBytes = 64 * 1024;
  // Free pages kept for reuse (256 MiB); beyond this, discarded pages are returned to the allocator.
  static constexpr size_t kMaxFreePages = 4096;

  // One page's storage (kPageBytes) and how far it is written: bytes [written, kPageBytes) read as zero,
  // whatever the buffer holds there. A page without storage reads as zero.
  struct Page {
    std::unique_ptr<uint8_t[]> bytes;
    uint64_t written = 0;
    // How many of the bytes [off, off + n) hold written data (the rest read as zero).
    uint64_t valid(uint64_t off, uint64_t n) const {
      return bytes && off < written ? std::min(n, written - off) : 0;
    }
    // True if data[0, n) equals what the page reads at [off, off + n).
    bool holds(uint64_t off, const uint8_t* data, uint64_t n) const;
  };
  static std::unique_ptr<uint8_t[]> allocate_page_bytes() {
    return std::unique_ptr<uint8_t[]>(new uint8_t[kPageBytes]);
  }

  explicit SparseMemory(uint64_t capacity_bytes) : capacity_(capacity_bytes) {}

  uint64_t capacity() const { return capacity_; }
  bool contains(uint64_t addr, uint64_t len) const { return len <= capacity_ && addr <= capacity_ - len; }
  // The caller checks contains() first.
  void read(uint64_t addr, uint8_t* out, uint64_t len) const;
  void write(uint64_t addr, const uint8_t* in, uint64_t len);
  // True if [addr, addr + len) holds exactly `expected` (never-written bytes compare as zero); no copy.
  bool equals(uint64_t addr, const uint8_t* expected, uint64_t len) const;
  // Drops the pages wholly inside [addr, addr + len) and zeroes the rest (vDNN frees the GPU copy).
  void discard(uint64_t addr, uint64_t len);
  // True if [addr, addr + len) reads as zero.
  bool is_zero(uint64_t addr, uint64_t len) const;
  // True if [addr, addr + n) reads as `expected` does at [off, off + n) (a page held outside any memory).
  bool equals(uint64_t addr, const Page& expected, uint64_t off, uint64_t n) const;
  uint64_t resident_bytes() const { return pages_.size() * kPageBytes; }
  // nullptr for none; the observer must outlive its registration.
  void set_observer(MemoryObserver* observer) { observer_ = observer; }

  // Page-level transfers for [addr, addr + covered), addr a page boundary and covered <= kPageBytes: the
  // result is the same as writing (adopt) or reading and then discarding (take) those bytes, without a copy
  // when the page's other bytes allow it (the page is wholly covered, or holds nothing past the range).
  // adopt: page.written <= covered; the rest of the range reads as zero.
  void adopt(uint64_t addr, Page page, uint64_t covered);
  Page take(uint64_t addr, uint64_t covered);

 private:
  Page new_page();
  void check_page_range(uint64_t addr, uint64_t covered) const;
  void recycle(std::unique_ptr<uint8_t[]> bytes);
  // The page's bytes at [off, off + n) that hold written data, from `off` on: where they are and how many
  // (the rest of the range reads as zero).
  std::pair<const uint8_t*, uint64_t> stored(uint64_t page, uint64_t off, uint64_t n) const;

  uint64_t capacity_;
  std::unordered_map<uint64_t, Page> pages_;
  std::vector<std::unique_ptr<uint8_t[]>> free_;
  MemoryObserver* observer_ = nullptr;
};

}  // namespace cdma::memory
