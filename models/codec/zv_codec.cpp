#include "codec/zv_codec.h"

namespace cdma::codec {

ZvCodec::ZvCodec(ElementWidth element, simd::Isa isa)
    : MaskCodec({Algorithm::kZv, element, 0}, kBlockBytes, MaskLayout::kInterleaved, isa) {}

}  // namespace cdma::codec
