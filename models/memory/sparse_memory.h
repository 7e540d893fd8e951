// Backing store holding real bytes for a large address space: pages are allocated on first write, and reads
// of never-written bytes return zero. GPU and host memories are gigabytes; runs touch only what they move.
// Discarded pages go to a bounded free list and are reused, so a run that frees and refills memory (vDNN
// offloading layer after layer) does not pay the kernel's page faults and zeroing again and again. A page
// also remembers how far it has been written: bytes past that mark read as zero without having been
// cleared, so memory filled front to back (DMA streams) is never zeroed first.
// Whole pages can be handed in and taken out without a copy (adopt/take), so a large input can be built off
// the simulation thread and installed in place, and taken back out as the reference for a check.
// Page storage can be shared (copy on write): a freed page can be primed with the bytes expected to come
// back into it, and a write that lands in order and reproduces them is then compared, not copied.
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <memory>
#include <unordered_map>
#include <utility>
#include <vector>

namespace cdma::memory {

class SparseMemory {
 public:
  static constexpr uint64_t kPageBytes = 64 * 1024;
  // Free pages kept for reuse (256 MiB); beyond this, discarded pages are returned to the allocator.
  static constexpr size_t kMaxFreePages = 4096;

  // A page's storage (kPageBytes), possibly shared with a page held elsewhere (a memory image): whoever
  // changes shared storage copies it first.
  using Storage = std::shared_ptr<uint8_t[]>;
  // One page's storage and how far it is written: bytes [written, kPageBytes) read as zero, whatever the
  // buffer holds there. A page without storage reads as zero.
  class Page {
   public:
    Page() = default;
    Page(Storage storage, uint64_t written_bytes) : bytes(std::move(storage)), written(written_bytes) {}

    Storage bytes;
    uint64_t written = 0;
    // How many of the bytes [off, off + n) hold written data (the rest read as zero).
    uint64_t valid(uint64_t off, uint64_t n) const {
      return bytes && off < written ? std::min(n, written - off) : 0;
    }

   private:
    friend class SparseMemory;
    // Set by prime(): the storage holds, up to here, the bytes expected to be written; a write at `written`
    // that reproduces them only moves the mark. Only the memory that primed the page knows of it.
    uint64_t expected_ = 0;
  };
  static Storage allocate_page_bytes() { return Storage(new uint8_t[kPageBytes]); }

  explicit SparseMemory(uint64_t capacity_bytes) : capacity_(capacity_bytes) {}
  // Not copied or moved: the page cache points into this object's map.
  SparseMemory(const SparseMemory&) = delete;
  SparseMemory& operator=(const SparseMemory&) = delete;

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
  // Called before every access to [addr, addr + len) (read, compared, written, discarded, pages handed in,
  // taken out or primed), so pages handed in unfilled can be filled just before their first use, while
  // hot in cache. Empty for none; the hook must not access this memory.
  using AccessHook = std::function<void(uint64_t addr, uint64_t len)>;
  void set_access_hook(AccessHook hook) { hook_ = std::move(hook); }

  // Page-level transfers for [addr, addr + covered), addr a page boundary and covered <= kPageBytes: the
  // result is the same as writing (adopt) or reading and then discarding (take) those bytes, without a copy
  // when the page's other bytes allow it (the page is wholly covered, or holds nothing past the range).
  // adopt: page.written <= covered; the rest of the range reads as zero.
  void adopt(uint64_t addr, Page page, uint64_t covered);
  Page take(uint64_t addr, uint64_t covered);
  // Primes the page at `addr` (a page boundary) with `expected`'s first `covered` bytes, if the page is
  // unwritten (reads as zero); otherwise does nothing. Nothing reads differently: the page still reads as
  // zero, and writes still store exactly their bytes. But a write at the page's written mark that
  // reproduces the expected bytes there is kept by sharing `expected`'s storage instead of by a copy, so a
  // prefetch landing in a freed range costs a compare, and a page so filled compares equal to `expected`
  // without reading it (equals()).
  void prime(uint64_t addr, const Page& expected, uint64_t covered);

 private:
  void touch(uint64_t addr, uint64_t len) const {
    if (hook_) hook_(addr, len);
  }
  Page new_page();
  void check_page_range(uint64_t addr, uint64_t covered) const;
  // Gives the page storage of its own (a copy of its written bytes) if it shares it.
  void own(Page& p);
  void recycle(Storage bytes);
  // The page's bytes at [off, off + n) that hold written data, from `off` on: where they are and how many
  // (the rest of the range reads as zero).
  std::pair<const uint8_t*, uint64_t> stored(uint64_t page, uint64_t off, uint64_t n) const;
  // The page `number` (nullptr if it holds nothing) or, for at(), a new empty one; accesses come in runs on
  // one page, so the last page found is remembered and found without hashing.
  Page* find(uint64_t number) const;
  Page& at(uint64_t number);
  void erase(std::unordered_map<uint64_t, Page>::iterator it);

  uint64_t capacity_;
  std::unordered_map<uint64_t, Page> pages_;  // element addresses stay valid until erased
  mutable uint64_t last_number_ = 0;
  mutable Page* last_ = nullptr;  // pages_[last_number_], or nullptr if not known
  std::vector<Storage> free_;     // storage no one else holds
  AccessHook hook_;
};

}  // namespace cdma::memory
