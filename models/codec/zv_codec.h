// cDMA zero-value compression: per 128-byte block, a mask of one bit per element followed by the block's
// non-zero elements. fp32: 32-bit mask per 32 elements, so ratio = 1 / (density + 1/32) exactly.
#pragma once

#include "codec/mask_codec.h"
#include "codec/simd/dispatch.h"

namespace cdma::codec {

class ZvCodec final : public MaskCodec {
 public:
  static constexpr size_t kBlockBytes = 128;

  explicit ZvCodec(ElementWidth element, simd::Isa isa = simd::best_isa());
};

}  // namespace cdma::codec
