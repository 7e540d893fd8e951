// DEFLATE in the zlib format (RFC 1950) through the system zlib: any zlib can read the output.
#pragma once

#include "codec/codec.h"

namespace cdma::codec {

class ZlCodec final : public Codec {
 public:
  ZlCodec(int level, ElementWidth element);

  const CodecConfig& config() const override { return config_; }
  size_t block_bytes() const override { return 1; }
  size_t max_compressed_size(size_t n) const override;
  size_t compress(ByteSpan in, MutableByteSpan out) const override;
  Status decompress(ByteSpan in, MutableByteSpan out) const override;
  using Codec::compress;
  using Codec::decompress;

 private:
  CodecConfig config_;
};

}  // namespace cdma::codec
