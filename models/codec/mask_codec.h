// Base of the codecs built on MaskPacker (ZV, ZCOMP): they differ only in group size and header placement.
#pragma once

#include "codec/codec.h"
#include "codec/mask_packer.h"

namespace cdma::codec {

class MaskCodec : public Codec {
 public:
  const CodecConfig& config() const override { return config_; }
  size_t block_bytes() const override { return packer_.group_bytes(); }
  size_t max_compressed_size(size_t n) const override { return packer_.max_compressed_size(n); }
  size_t compress(ByteSpan in, MutableByteSpan out) const override { return packer_.compress(in, out); }
  Status decompress(ByteSpan in, MutableByteSpan out) const override { return packer_.decompress(in, out); }
  size_t compressed_size(ByteSpan in) const override { return packer_.compressed_size(in); }
  using Codec::compress;
  using Codec::decompress;

  simd::Isa isa() const { return packer_.isa(); }

 protected:
  MaskCodec(const CodecConfig& config, size_t group_bytes, MaskLayout layout, simd::Isa isa)
      : config_(config), packer_(config.element, group_bytes, layout, isa) {}

 private:
  CodecConfig config_;
  MaskPacker packer_;
};

}  // namespace cdma::codec
