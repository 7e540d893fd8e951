// ZCOMP (Akin et al., MICRO 2019) as a byte format: per 512-bit vector a mask of one bit per element and the
// vector's non-zero elements. Interleaved header: [mask, elements] per vector in one stream (sequential
// decode). Separate header: every mask first, then every packed element (masks can be scanned to decode in
// parallel).
#pragma once

#include "codec/mask_codec.h"
#include "codec/simd/dispatch.h"

namespace cdma::codec {

class ZcompCodec final : public MaskCodec {
 public:
  static constexpr size_t kVectorBytes = 64;

  ZcompCodec(ElementWidth element, MaskLayout layout, simd::Isa isa = simd::best_isa());
};

}  // namespace cdma::codec
