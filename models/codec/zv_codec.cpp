#include "codec/zv_codec.h"

namespace cdma::codec {

ZvCodec::ZvCodec(ElementWidth element, simd::Isa isa)
    : config_{Algorithm::kZv, element, 0}, packer_(element, kBlockBytes, MaskLayout::kInterleaved, isa) {}

}  // namespace cdma::codec
