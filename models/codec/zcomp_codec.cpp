#include "codec/zcomp_codec.h"

namespace cdma::codec {

ZcompCodec::ZcompCodec(ElementWidth element, MaskLayout layout, simd::Isa isa)
    : MaskCodec(
          {layout == MaskLayout::kInterleaved ? Algorithm::kZcompInterleaved : Algorithm::kZcompSeparate,
           element, 0},
          kVectorBytes, layout, isa) {}

}  // namespace cdma::codec
