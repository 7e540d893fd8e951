// cDMA zero-value compression: per 128-byte block, a mask of one bit per element followed by the block's
// non-zero elements. fp32: 32-bit mask per 32 elements, so ratio = 1 / (density + 1/32) exactly.
#pragma once

#include "codec/codec.h"
#include "codec/mask_packer.h"
#include "codec/simd/dispatch.h"

namespace cdma::codec {

class ZvCodec final : public Codec {
 public:
  static constexpr size_t kBlockBytes = 128;

  explicit ZvCodec(ElementWidth element, simd::Isa isa = simd::best_isa());

  const CodecConfig& config() const override { return config_; }
  size_t block_bytes() const override { return kBlockBytes; }
  size_t max_compressed_size(size_t n) const override { return packer_.max_compressed_size(n); }
  size_t compress(ByteSpan in, MutableByteSpan out) const override { return packer_.compress(in, out); }
  Status decompress(ByteSpan in, MutableByteSpan out) const override { return packer_.decompress(in, out); }
  size_t compressed_size(ByteSpan in) const override { return packer_.compressed_size(in); }
  using Codec::compress;
  using Codec::decompress;

  simd::Isa isa() const { return packer_.isa(); }

 private:
  CodecConfig config_;
  MaskPacker packer_;
};

}  // namespace cdma::codec
