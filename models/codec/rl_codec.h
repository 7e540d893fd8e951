// Run-length encoding of zero runs at element granularity. The stream is a sequence of tokens
//   varint(zero_run) varint(literal_count) literal_count elements
// covering the elements in order (LEB128 varints). Cheap, but only good when zeros cluster.
#pragma once

#include "codec/codec.h"

namespace cdma::codec {

class RlCodec final : public Codec {
 public:
  explicit RlCodec(ElementWidth element);

  const CodecConfig& config() const override { return config_; }
  size_t block_bytes() const override { return bytes_of(config_.element); }
  size_t max_compressed_size(size_t n) const override;
  size_t compress(ByteSpan in, MutableByteSpan out) const override;
  Status decompress(ByteSpan in, MutableByteSpan out) const override;
  using Codec::compress;
  using Codec::decompress;

 private:
  CodecConfig config_;
};

}  // namespace cdma::codec
