// Fills a piece's reference image on demand, front to back, just before the simulation first touches each
// part of it: a chunk's bytes are generated (or copied from their trace) right before the DMA engine reads
// them, so they are still in cache then. GPU memory holds the image's pages shared (copy on write), so what
// the models read is what was generated, and nothing the models write can reach the image.
#pragma once

#include <cstdint>
#include <vector>

#include "memory/address_map.h"
#include "memory/memory_image.h"
#include "training/piece_source.h"

namespace cdma::training {

class PieceFiller {
 public:
  // `image` (allocated, GPU address range of the piece) outlives the filler; its pages' storage is written.
  PieceFiller(const memory::AddressMap& map, memory::MemoryImage& image, PieceSource::Writer writer);

  // Before an access to [local, local + len) of `channel`: fills the piece up to the access's last byte (a
  // channel's bytes are in address order, so every byte of the access is filled then).
  void ensure(uint32_t channel, uint64_t local, uint64_t len);
  // Fills what is left; returns the piece's number of non-zero elements.
  uint64_t finish();

 private:
  void fill_to(uint64_t end);

  const memory::AddressMap& map_;
  memory::MemoryImage& image_;
  PieceSource::Writer writer_;
  std::vector<std::vector<uint8_t*>> pages_;  // per channel: the storage of its pages in the image
  uint64_t filled_ = 0;                       // bytes of the piece filled, from its start
};

}  // namespace cdma::training
