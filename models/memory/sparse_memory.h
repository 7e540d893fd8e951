// Backing store holding real bytes for a large address space: pages are allocated on first write, and reads
// of never-written bytes return zero. GPU and host memories are gigabytes; runs touch only what they move.
#pragma once

#include <cstdint>
#include <memory>
#include <unordered_map>
#include <vector>

namespace cdma::memory {

class SparseMemory {
 public:
  static constexpr uint64_t kPageBytes = 64 * 1024;

  explicit SparseMemory(uint64_t capacity_bytes) : capacity_(capacity_bytes) {}

  uint64_t capacity() const { return capacity_; }
  bool contains(uint64_t addr, uint64_t len) const { return len <= capacity_ && addr <= capacity_ - len; }
  // The caller checks contains() first.
  void read(uint64_t addr, uint8_t* out, uint64_t len) const;
  void write(uint64_t addr, const uint8_t* in, uint64_t len);
  // Drops the pages wholly inside [addr, addr + len) and zeroes the rest (vDNN frees the GPU copy).
  void discard(uint64_t addr, uint64_t len);
  uint64_t resident_bytes() const { return pages_.size() * kPageBytes; }

 private:
  uint64_t capacity_;
  std::unordered_map<uint64_t, std::unique_ptr<uint8_t[]>> pages_;
};

}  // namespace cdma::memory
