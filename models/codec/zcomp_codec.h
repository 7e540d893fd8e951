// ZCOMP (Akin et al., MICRO 2019) as a byte format: per 512-bit vector a mask of one bit per element and the
// vector's non-zero elements. Interleaved header: [mask, elements] per vector in one stream (sequential
// decode). Separate header: every mask first, then every packed element (masks can be scanned to decode in
// parallel).
#pragma once

#include "codec/codec.h"
#include "codec/mask_packer.h"
#include "codec/simd/dispatch.h"

namespace cdma::codec {

class ZcompCodec final : public Codec {
 public:
  static constexpr size_t kVectorBytes = 64;

  ZcompCodec(ElementWidth element, MaskLayout layout, simd::Isa isa = simd::best_isa());

  const CodecConfig& config() const override { return config_; }
  size_t block_bytes() const override { return kVectorBytes; }
  size_t max_compressed_size(size_t n) const override { return packer_.max_compressed_size(n); }
  size_t compress(ByteSpan in, MutableByteSpan out) const override { return packer_.compress(in, out); }
  Status decompress(ByteSpan in, MutableByteSpan out) const override { return packer_.decompress(in, out); }
  size_t compressed_size(ByteSpan in) const override { return packer_.compressed_size(in); }
  using Codec::compress;
  using Codec::decompress;

 private:
  CodecConfig config_;
  MaskPacker packer_;
};

}  // namespace cdma::codec
