#include "training/piece_filler.h"

#include <algorithm>
#include <utility>

namespace cdma::training {

PieceFiller::PieceFiller(const memory::AddressMap& map, memory::MemoryImage& image,
                         PieceSource::Writer writer)
    : map_(map), image_(image), writer_(std::move(writer)), pages_(image.parts().size()) {
  image.for_each_page([&](uint32_t ch, size_t, const memory::SparseMemory::Page& p) {
    pages_[ch].push_back(p.bytes.get());
    return true;
  });
}

void PieceFiller::ensure(uint32_t channel, uint64_t local, uint64_t len) {
  if (filled_ == image_.bytes() || len == 0) return;
  const uint64_t last = map_.encode({channel, local + len - 1});
  if (last >= image_.address()) fill_to(std::min(last - image_.address() + 1, image_.bytes()));
}

uint64_t PieceFiller::finish() {
  fill_to(image_.bytes());
  return writer_.nonzeros();
}

void PieceFiller::fill_to(uint64_t end) {
  while (filled_ < end) {
    const memory::MemoryImage::Run r = image_.run_at(filled_);
    writer_.write(filled_, pages_[r.channel][r.page] + r.in_page, r.n);
    filled_ += r.n;
  }
}

}  // namespace cdma::training
