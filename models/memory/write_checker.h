// A scoreboard for one channel's memory: checks the writes that fill a range against the bytes expected
// there (one channel's part of a MemoryImage) as they land, while those bytes are still in cache, instead
// of comparing the whole range afterwards. verify() then gives the same answer as comparing the memory with
// the expected bytes: blocks whose last change was a matching write are known good; every other block
// (never written, written partly or with other bytes, discarded) is compared then.
#pragma once

#include <cstdint>
#include <vector>

#include "memory/memory_image.h"
#include "memory/sparse_memory.h"

namespace cdma::memory {

class WriteChecker : public MemoryObserver {
 public:
  // Granularity of the record of checked bytes: writes cover whole blocks of this size in the common case
  // (DMA chunks are at least this large and aligned to it).
  static constexpr uint64_t kBlockBytes = 128;

  // `expected` must outlive the checker.
  explicit WriteChecker(const MemoryImage::Part& expected);

  void on_write(uint64_t addr, const uint8_t* data, uint64_t len) override;
  void on_change(uint64_t addr, uint64_t len) override;

  // True if `memory` holds exactly the expected bytes over the part's range.
  bool verify(const SparseMemory& memory) const;

 private:
  static constexpr uint64_t kBlocksPerPage = MemoryImage::kPageBytes / kBlockBytes;
  // Marks blocks [first, last) (indices from the part's start) good or not.
  void mark(uint64_t first, uint64_t last, bool good);
  bool good(uint64_t block) const { return (good_[block / 64] >> (block % 64)) & 1; }

  const MemoryImage::Part& expected_;
  std::vector<uint64_t> good_;  // one bit per block: its last change was a write of the expected bytes
};

}  // namespace cdma::memory
