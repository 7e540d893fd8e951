// No compression: the vDNN baseline, so every path of the platform can run with and without a codec.
#pragma once

#include "codec/codec.h"

namespace cdma::codec {

class IdentityCodec final : public Codec {
 public:
  explicit IdentityCodec(ElementWidth element) : config_{Algorithm::kNone, element, 0} {}

  const CodecConfig& config() const override { return config_; }
  size_t block_bytes() const override { return 1; }
  size_t max_compressed_size(size_t n) const override { return n; }
  size_t compress(ByteSpan in, MutableByteSpan out) const override;
  Status decompress(ByteSpan in, MutableByteSpan out) const override;
  size_t compressed_size(ByteSpan in) const override { return in.size(); }
  using Codec::compress;
  using Codec::decompress;

 private:
  CodecConfig config_;
};

}  // namespace cdma::codec
