// The shared engine of the bitmask formats (ZV and both ZCOMP layouts): a group of G bytes becomes a mask of
// G/E bits (bit i set = element i non-zero, little-endian bytes) plus the group's non-zero elements in order.
// Handles the partial last group and both header placements; the per-vector work is done by SIMD kernels.
#pragma once

#include "codec/bytes.h"
#include "codec/codec_config.h"
#include "codec/simd/pack_kernels.h"
#include "codec/status.h"

namespace cdma::codec {

enum class MaskLayout : uint8_t {
  kInterleaved,  // [mask, elements] per group
  kSeparate,     // [all masks][all elements]
};

class MaskPacker {
 public:
  // group_bytes is 64 or 128; the separate layout supports 64 only. Throws std::invalid_argument otherwise.
  MaskPacker(ElementWidth element, size_t group_bytes, MaskLayout layout, simd::Isa isa);

  size_t group_bytes() const { return group_bytes_; }
  size_t mask_bytes() const { return mask_bytes_; }
  simd::Isa isa() const { return kernels_->isa; }

  size_t max_compressed_size(size_t n) const;
  size_t compress(ByteSpan in, MutableByteSpan out) const;
  Status decompress(ByteSpan in, MutableByteSpan out) const;
  size_t compressed_size(ByteSpan in) const;

 private:
  size_t groups_for(size_t n) const { return (n + group_bytes_ - 1) / group_bytes_; }
  // Checks the partial last group decoded into `padded`: no mask bit past the last element, zero padding.
  Status check_tail(uint64_t mask_low, uint64_t mask_high, const uint8_t* padded, size_t tail,
                    size_t offset) const;

  unsigned element_bytes_;
  unsigned log2_element_;
  size_t group_bytes_;
  size_t mask_bytes_;
  MaskLayout layout_;
  const simd::PackKernels* kernels_;
};

}  // namespace cdma::codec
